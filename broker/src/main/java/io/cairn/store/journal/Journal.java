package io.cairn.store.journal;

import io.cairn.fault.FailStop;
import io.cairn.stats.BrokerStats;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Our segmented append-only log with group commit, and the face the store uses. Records get
 * consecutive sequence numbers; the producer (the session engine) appends records and closes a batch
 * with {@link #commit}; {@code onDurable} runs once the batch is forced ({@code SYNC}) or written
 * ({@code PERIODIC}). The work is done by one class per concern:
 * <ul>
 * <li>{@link RecordBuffer}: the producer's current batch and its sequence numbers;</li>
 * <li>{@link GroupCommitWriter}: the {@code cairn-journal} thread: writes and forces every batch
 *     pending at once, rewrites into a fresh segment after a failed write or force, runs the
 *     callbacks in order, fail-stops on a bug; {@link #healthy()};</li>
 * <li>{@link SegmentFiles}: the segment files ({@link Segments}), rolling to a new one prepared by the
 *     {@link SparePool}, recycling old ones, the offset up to which the current one is forced;</li>
 * <li>{@link JournalRecovery}: opening a directory, replaying after a snapshot and cutting a torn
 *     tail, on the checks of {@link SegmentChain}.</li>
 * </ul>
 *
 * <p>Threading: {@link #append}, {@link #commit} and {@link #lastSeq} belong to one producer thread;
 * {@link #deleteSegmentsUpTo}, {@link #awaitForced}, {@link #healthy}, {@link #failures} and
 * {@link #close} may be called from any thread; callbacks run on the writer thread
 * ({@code cairn-journal}), in commit order, and must not block. Files are only touched by the writer
 * thread and the spare pool's thread. Any failure of the writer thread other than an I/O error,
 * including an exception thrown by a callback, calls the {@link Options#failStop()} and ends the
 * writer: nothing more is acknowledged.
 */
public final class Journal implements AutoCloseable {

    /** SYNC: callbacks after force. PERIODIC: callbacks after write; force every flush interval. */
    public enum Mode { SYNC, PERIODIC }

    /**
     * Where and how. {@code segmentSize} is the preallocated size of a segment; {@code failStop} is
     * called when the writer (or the snapshot writer of the store using this journal) meets a
     * failure it cannot handle; {@code stats} receives the fsync latencies, group sizes and bytes
     * written (a private, unread instance unless the broker passes its own).
     */
    public record Options(Path dir, Mode mode, long segmentSize, long flushIntervalMs, FileLayer files,
                          FailStop failStop, BrokerStats stats) {
        public static Options of(Path dir, Mode mode) {
            return new Options(dir, mode, 64L << 20, 100, FileLayer.REAL, FailStop.PROCESS_EXIT, new BrokerStats());
        }

        public Options withSegmentSize(long size) {
            return new Options(dir, mode, size, flushIntervalMs, files, failStop, stats);
        }

        public Options withFlushInterval(long ms) {
            return new Options(dir, mode, segmentSize, ms, files, failStop, stats);
        }

        public Options withFiles(FileLayer f) {
            return new Options(dir, mode, segmentSize, flushIntervalMs, f, failStop, stats);
        }

        public Options withFailStop(FailStop f) {
            return new Options(dir, mode, segmentSize, flushIntervalMs, files, f, stats);
        }

        public Options withStats(BrokerStats s) {
            return new Options(dir, mode, segmentSize, flushIntervalMs, files, failStop, s);
        }
    }

    /** Receives each record found on recovery. */
    @FunctionalInterface
    public interface RecordHandler {
        void record(long seq, int type, byte[] body) throws IOException;
    }

    /** What recovery found. */
    public record Recovered(long records, long lastSeq, int segments, long tornBytes) {}

    /** Where a body starts in an array given to {@link #appendPlaced}: the room for the record's header. */
    public static final int BODY_OFFSET = SegmentScan.HEADER + 1;

    private final Recovered recovered;
    private final RecordBuffer buffer;
    private final SegmentFiles segments;
    private final GroupCommitWriter writer;

    private Journal(Options options, JournalRecovery.Opened opened) {
        this.recovered = opened.recovered();
        this.buffer = new RecordBuffer(recovered.lastSeq());
        this.segments = new SegmentFiles(options, opened.older(), opened.current());
        this.writer = new GroupCommitWriter(options, segments, recovered.lastSeq(), buffer);
        this.writer.start();
    }

    /**
     * Opens the journal in {@code options.dir()}, replaying every valid record with a sequence number
     * above {@code afterSeq} (the snapshot's) to {@code handler}, cutting a torn tail, and failing
     * with {@link CorruptJournalException} on anything that would make it start on less than it had
     * ({@link JournalRecovery}). An empty directory gets its first segment.
     */
    public static Journal open(Options options, long afterSeq, RecordHandler handler) throws IOException {
        return new Journal(options, JournalRecovery.open(options, afterSeq, null, handler));
    }

    /**
     * Opens the journal after the snapshot {@code loaded} (see {@link #open}). If newer snapshots were
     * damaged and the journal does not reach back to the one used, it refuses, naming both.
     */
    public static Journal openAfter(Options options, Snapshots.Loaded loaded, RecordHandler handler) throws IOException {
        return new Journal(options, JournalRecovery.open(options, loaded.seq(), loaded, handler));
    }

    public Recovered recovered() {
        return recovered;
    }

    /** Adds a record to the current batch; returns its sequence number. */
    public long append(int type, byte[] body) {
        return buffer.append(type, body);
    }

    /** Appends a record whose body is the first {@code length} bytes of {@code body} (copied into the batch). */
    public long append(int type, byte[] body, int length) {
        return buffer.append(type, body, length);
    }

    /** Appends a record whose body is {@code body[from, from + length)} (copied into the batch). */
    public long append(int type, byte[] body, int from, int length) {
        return buffer.append(type, body, from, length);
    }

    /**
     * Appends a record whose body the caller encoded into {@code array[BODY_OFFSET, BODY_OFFSET + length)},
     * leaving room for the record's header: a large body is written from that array, not copied, so the
     * caller must not touch the array again.
     */
    public long appendPlaced(int type, byte[] array, int length) {
        return buffer.appendPlaced(type, array, length);
    }

    /** Closes the current batch; {@code onDurable} runs once it and every earlier batch are durable. */
    public void commit(Runnable onDurable) {
        writer.submit(buffer.take(onDurable));
    }

    /**
     * Closes the current batch as one that nobody waits on: in {@code SYNC} mode it is forced with the
     * next awaited batch or within a few milliseconds, not on its own; {@code onWritten} runs once it is
     * written (before it is forced).
     */
    public void commitUnawaited(Runnable onWritten) {
        writer.submit(buffer.take(onWritten), false);
    }

    /** Sequence number of the last record appended. */
    public long lastSeq() {
        return buffer.lastSeq();
    }

    /**
     * Blocks until every record up to {@code seq} is forced to disk (in {@code PERIODIC} mode a
     * callback runs before that). Fails if the writer stopped first.
     */
    public void awaitForced(long seq) throws IOException {
        writer.awaitForced(seq);
    }

    /**
     * Removes every segment whose records all have sequence numbers up to {@code seq}: on the writer
     * thread, or at once on the calling thread if the writer has stopped (a snapshot at close).
     */
    public void deleteSegmentsUpTo(long seq) {
        writer.deleteSegmentsUpTo(seq);
    }

    public boolean healthy() {
        return writer.healthy();
    }

    /** How many spare segments are ready to be rolled to (for tests and diagnostics). */
    int sparesReady() {
        return segments.sparesReady();
    }

    public long failures() {
        return writer.failures();
    }

    /** Writes and forces everything committed, then stops the writer and closes the files. */
    @Override
    public void close() {
        writer.close();
        segments.close();
    }
}
