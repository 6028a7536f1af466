package io.cairn.store.journal;

import io.cairn.stats.BrokerStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The segment files of a running journal: the one being written ({@link OpenSegment}, with the offset
 * up to which it is known to be forced), the older ones still needed, starting a new segment (a spare
 * from the {@link SparePool}, or one created here when none is ready) and recycling the segments that
 * a snapshot covers. It knows files and offsets, not records: which records go where, and when they
 * count as durable, is the {@link GroupCommitWriter}'s business.
 *
 * <p>Threading: owned by the writer thread ({@code cairn-journal}). Once that thread has stopped, the
 * thread holding the writer's lock may delete segments ({@link GroupCommitWriter#deleteSegmentsUpTo}),
 * and the thread closing the journal closes it. The spare pool prepares spares on its own thread.
 */
final class SegmentFiles implements AutoCloseable {

    // logged as the journal, the name operators and log configurations know
    private static final Logger log = LoggerFactory.getLogger(Journal.class);

    /** A segment before the current one: only its name matters (for deletion). Immutable. */
    record OldSegment(Path path, long firstSeq, long capacity) {}

    /**
     * The segment being written: its file, where its data ends and up to where it is known to be
     * forced. Built by recovery before any journal thread starts, then owned like the segment files.
     */
    static final class OpenSegment {
        final long firstSeq;
        final Path path;
        final FileLayer.LogFile file;
        final long capacity;
        long end;
        /** Every byte before it is known to be forced; sealed into each record written ({@link SegmentScan}). */
        long forcedEnd;

        /** A segment whose data, up to {@code end}, is all forced. */
        OpenSegment(long firstSeq, Path path, FileLayer.LogFile file, long capacity, long end) {
            this.firstSeq = firstSeq;
            this.path = path;
            this.file = file;
            this.capacity = capacity;
            this.end = end;
            this.forcedEnd = end;
        }

        /** A new, empty segment made from {@code spare} ({@link Segments#install}). */
        static OpenSegment install(FileLayer files, Path spare, Path target, long firstSeq, long capacity,
                                   boolean preallocate) throws IOException {
            FileLayer.LogFile f = Segments.install(files, spare, target, firstSeq, capacity, preallocate);
            return new OpenSegment(firstSeq, target, f, capacity, Segments.HEADER_SIZE);
        }

        boolean hasRecords() {
            return end > Segments.HEADER_SIZE;
        }
    }

    private final FileLayer files;
    private final Path dir;
    private final long segmentSize;
    private final SparePool spares;
    private final BrokerStats stats;
    private final List<OldSegment> older = new ArrayList<>();
    private OpenSegment current;

    /** The segments recovery found ({@link JournalRecovery}); starts the spare pool's thread. */
    SegmentFiles(Journal.Options options, List<OldSegment> older, OpenSegment current) {
        this.files = options.files();
        this.dir = options.dir();
        this.segmentSize = options.segmentSize();
        this.stats = options.stats();
        this.older.addAll(older);
        this.current = current;
        this.spares = new SparePool(files, dir, segmentSize, options.failStop());
    }

    /** Whether {@code bytes} more fit into the current segment. */
    boolean fits(long bytes) {
        return current.end + bytes <= current.capacity;
    }

    boolean currentHasRecords() {
        return current.hasRecords();
    }

    long currentFirstSeq() {
        return current.firstSeq;
    }

    Path currentPath() {
        return current.path;
    }

    /** The offset up to which the current segment is known to be forced. */
    long forcedEnd() {
        return current.forcedEnd;
    }

    /** Writes {@code data}, one buffer after the other, at the end of the current segment (one gathering write). */
    void append(ByteBuffer[] data) throws IOException {
        long at = current.end;
        long bytes = 0;
        for (ByteBuffer b : data) {
            bytes += b.remaining();
        }
        current.end += bytes;
        current.file.write(data, at);
        stats.journalBytesWritten.add(bytes); // after the write: a failed one wrote nothing we can count on
    }

    /** Forces the current segment: everything written to it is now known to be forced. */
    void force() throws IOException {
        long t0 = System.nanoTime();
        current.file.force();
        long took = System.nanoTime() - t0;
        stats.fsyncNanos.record(took); // successful forces only: a failure is logged and counted apart
        stats.lastFsyncNanos = took;
        current.forcedEnd = current.end;
    }

    /**
     * A fresh segment for records from {@code firstSeq} after a failed write or force, so that the
     * failed file is never written again. If that is the current segment's name, nothing in it is
     * durable and it is recreated from scratch.
     */
    void startFresh(long firstSeq, int firstRecordBytes) throws IOException {
        if (firstSeq == current.firstSeq) {
            replaceCurrent(firstRecordBytes);
        } else {
            roll(firstSeq, firstRecordBytes);
        }
    }

    /** Makes a new segment starting at {@code firstSeq} the current one; the current one becomes old. */
    void roll(long firstSeq, int firstRecordBytes) throws IOException {
        OpenSegment next = create(firstSeq, firstRecordBytes);
        older.add(new OldSegment(current.path, current.firstSeq, current.capacity));
        Segments.closeQuietly(current.file);
        current = next;
    }

    /** Replaces the current segment, which holds nothing durable, by a fresh one of the same name. */
    void replaceCurrent(int firstRecordBytes) throws IOException {
        OpenSegment next = create(current.firstSeq, firstRecordBytes);
        Segments.closeQuietly(current.file);
        current = next;
    }

    /**
     * A segment for records from {@code firstSeq}, large enough for its first record: a spare from the
     * pool if one is ready or being zeroed (waited for) and of the right size, else created here (slow:
     * it writes the zeros).
     */
    private OpenSegment create(long firstSeq, int firstRecordBytes) throws IOException {
        long capacity = Math.max(segmentSize, Segments.HEADER_SIZE + (long) firstRecordBytes);
        Path target = dir.resolve(Segments.segmentName(firstSeq));
        Path spare = capacity == segmentSize ? spares.take() : null;
        boolean inline = spare == null;
        if (inline) {
            spare = spares.newName();
            log.debug("journal: no spare segment ready; creating {} ({} bytes) on the writer thread", target, capacity);
        }
        return OpenSegment.install(files, spare, target, firstSeq, capacity, inline);
    }

    /** Recycles every old segment whose records all have sequence numbers up to {@code seq}. */
    void deleteUpTo(long seq) {
        // an old segment holds seqs [first, first of the next); never remove the current one
        while (!older.isEmpty() && nextFirstSeq(0) <= seq + 1) {
            OldSegment s = older.remove(0);
            try {
                spares.recycle(s.path(), s.capacity());
            } catch (IOException e) {
                log.warn("journal: could not remove {}: {}", s.path(), e.toString());
            }
        }
    }

    private long nextFirstSeq(int olderIndex) {
        return olderIndex + 1 < older.size() ? older.get(olderIndex + 1).firstSeq() : current.firstSeq;
    }

    /** How many spare segments are ready to be rolled to. */
    int sparesReady() {
        return spares.ready();
    }

    /** Stops the spare pool and closes the current segment (call after the writer stopped). */
    @Override
    public void close() {
        spares.close();
        Segments.closeQuietly(current.file);
    }
}
