package io.cairn.store;

import io.cairn.state.Command;
import io.cairn.state.BrokerState;
import io.cairn.state.SessionState;
import io.cairn.stats.BrokerStats;

import io.cairn.store.journal.FileLayer;
import io.cairn.store.journal.Journal;
import io.cairn.store.journal.Snapshots;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The durable {@link Store}: commands go to the {@link Journal} as records, a batch's packets are
 * released when the journal reports the batch durable (after {@code force()} in {@code sync} mode).
 * Every {@value #SNAPSHOT_EVERY_BYTES} journaled bytes, and at a clean shutdown, the state is written
 * as a snapshot once the records it covers are durable; then the segments before it are deleted, so
 * start-up replays only what came after the newest snapshot.
 *
 * <p>Threading: {@link #recordInto} and {@link #recover} on the starting thread; {@link #commit} on the engine thread (it
 * also copies the state for a snapshot there, since the engine owns the state); snapshots are
 * serialised and written on the {@code cairn-snapshot} thread, which waits until the records a
 * snapshot covers are forced; a failure there other than an I/O error calls the journal's
 * {@code FailStop}.
 */
public final class JournalStore implements Store {

    private static final Logger log = LoggerFactory.getLogger(JournalStore.class);
    static final long SNAPSHOT_EVERY_BYTES = 256L << 20;

    private Journal.Options options; // replaced only by recordInto, before recover
    private final ExecutorService snapshotWriter =
            Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "cairn-snapshot");
                t.setDaemon(true);
                return t;
            });
    private Journal journal;
    private BrokerState state;
    private long bytesSinceSnapshot;
    /** Record bytes not durable yet: at most a sixteenth of the heap (64 MiB at most) before the engine waits. */
    private final PendingBytes pending =
            new PendingBytes(Math.min(64L << 20, Math.max(1L << 20, Runtime.getRuntime().maxMemory() / 16)));
    /** Engine thread: small record bodies are encoded here and copied into the journal's batch. */
    private Wire.Writer scratch = new Wire.Writer(CommandCodec.SCRATCH_UP_TO, Journal.BODY_OFFSET);
    private volatile long snapshotSeq; // written by the snapshot thread, read by the engine thread

    public JournalStore(Path dir, Journal.Mode mode, long flushIntervalMs, long segmentSize) {
        this(Journal.Options.of(dir.resolve("journal"), mode).withFlushInterval(flushIntervalMs)
                .withSegmentSize(segmentSize));
    }

    public JournalStore(Journal.Options options) {
        this.options = options;
    }

    /** The journal records into {@code stats} from now on; recovery time is set by {@link #recover}. */
    @Override
    public void recordInto(BrokerStats stats) {
        options = options.withStats(stats);
    }

    @Override
    public BrokerState recover() throws IOException {
        long t0 = System.nanoTime();
        java.nio.file.Files.createDirectories(options.dir());
        FileLayer files = options.files();
        Snapshots.Loaded loaded = Snapshots.load(files, options.dir());
        Snapshots.Snapshot snapshot = loaded.snapshot();
        BrokerState s = snapshot == null ? new BrokerState() : StateSnapshot.read(snapshot.state());
        snapshotSeq = loaded.seq();
        journal = Journal.openAfter(options, loaded, (seq, type, body) -> {
            try {
                s.apply(CommandCodec.decode(type, body));
            } catch (RuntimeException e) {
                throw new IOException("journal record " + seq + " (type " + type + ") in " + options.dir()
                        + " passed its checksum but does not decode: " + e.getMessage(), e);
            }
        });
        this.state = s;
        Journal.Recovered r = journal.recovered();
        long queued = 0;
        for (SessionState ss : s.sessions()) {
            queued += ss.queue().size() + ss.inflight().size();
        }
        long took = System.nanoTime() - t0;
        options.stats().recoveryMillis = took / 1_000_000;
        log.info("recovered from {}: {} sessions, {} queued or in-flight messages, {} retained; "
                        + "snapshot at record {} + {} records replayed from {} segment(s) in {} s",
                options.dir(), s.sessions().size(), queued, s.retained().size(), snapshotSeq, r.records(),
                r.segments(), String.format("%.3f", took / 1e9));
        return s;
    }

    @Override
    public void commitUnawaited(List<Command> commands) {
        commit(commands, () -> { }, false);
    }

    @Override
    public void commit(List<Command> commands, Runnable onDurable) {
        commit(commands, onDurable, true);
    }

    /**
     * Journals {@code commands} as one batch, holding their bytes against the pending bound until
     * {@code then} may run: once durable ({@code awaited}), or once written (an unawaited batch).
     */
    private void commit(List<Command> commands, Runnable then, boolean awaited) {
        long bytes = 0;
        for (Command c : commands) {
            bytes += journal(c) + 9;
        }
        bytesSinceSnapshot += bytes;
        Runnable callback = then;
        if (bytes > 0) {
            long held = bytes;
            pending.acquire(held);
            callback = () -> {
                pending.release(held);
                then.run();
            };
        }
        if (awaited) {
            journal.commit(callback);
        } else {
            journal.commitUnawaited(callback);
        }
        if (bytesSinceSnapshot >= SNAPSHOT_EVERY_BYTES) {
            snapshot();
        }
    }

    /**
     * Journals one command: a small body through the reused scratch writer (copied into the batch); a
     * large one encoded behind room for the record header, in an array the journal writes from
     * without a copy. Returns the body's length.
     */
    private int journal(Command c) {
        Wire.Writer body = CommandCodec.write(c, Journal.BODY_OFFSET, scratch);
        if (body == scratch) {
            journal.append(CommandCodec.type(c), body.array(), Journal.BODY_OFFSET, body.length());
            if (scratch.capacity() > 1 << 16) { // grown by an estimate gone wrong: do not keep it
                scratch = new Wire.Writer(CommandCodec.SCRATCH_UP_TO, Journal.BODY_OFFSET);
            }
        } else {
            journal.appendPlaced(CommandCodec.type(c), body.array(), body.length());
        }
        return body.length();
    }

    /**
     * Copies the state now (engine thread: a copy of references, no serialisation, so the engine
     * pauses for microseconds per session, not for the encoding of every message) and serialises
     * and writes the copy on the snapshot thread once the records it covers are durable.
     */
    private void snapshot() {
        bytesSinceSnapshot = 0;
        long seq = journal.lastSeq();
        if (seq == snapshotSeq) {
            return;
        }
        BrokerState copy = state.copyForSnapshot();
        journal.commit(() -> snapshotWriter.execute(() -> writeSnapshot(seq, copy)));
    }

    /**
     * Snapshot thread: writes the snapshot once its records are forced, then removes the segments
     * before the oldest snapshot kept (the older one is the fallback if the newest is damaged). An
     * I/O error keeps every segment and the next snapshot is tried at the next threshold; anything
     * else is a bug and fail-stops.
     */
    private void writeSnapshot(long seq, BrokerState copy) {
        try {
            byte[] bytes = StateSnapshot.write(copy);
            journal.awaitForced(seq);
            long oldestKept = Snapshots.write(options.files(), options.dir(), seq, bytes);
            snapshotSeq = seq;
            journal.deleteSegmentsUpTo(oldestKept);
            log.info("snapshot at record {} ({} bytes)", seq, bytes.length);
        } catch (IOException e) {
            log.error("snapshot {} failed; the journal keeps every segment and the next snapshot is tried after {} "
                    + "more bytes", Snapshots.pathOf(options.dir(), seq), SNAPSHOT_EVERY_BYTES, e);
        } catch (Throwable t) {
            options.failStop().fail("snapshot writer", t);
        }
    }

    /** Whether the last journal write succeeded. */
    @Override
    public boolean healthy() {
        return journal == null || journal.healthy();
    }

    /** Called after the engine stopped: a final snapshot makes the next start-up quick. */
    @Override
    public void close() {
        if (journal == null) {
            return;
        }
        if (state != null && journal.lastSeq() != snapshotSeq) {
            snapshot();
        }
        journal.close();
        snapshotWriter.shutdown();
        try {
            snapshotWriter.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
