package io.cairn.store.journal;

import io.cairn.fault.FailStop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Our segmented append-only log with group commit. Records get consecutive sequence numbers; a
 * segment file ({@link Segments}) is named by the sequence number of its first record, starts with a
 * header and is preallocated by a {@link SparePool}. The producer (the session engine) appends
 * records and closes a batch with {@link #commit}; the writer thread takes every batch pending,
 * writes them with one positional write per segment, forces once ({@code SYNC}) and only then runs
 * the batches' callbacks, in order. There is no artificial delay: while one force runs, the next
 * group gathers by itself. In {@code PERIODIC} mode callbacks run after the write, and the writer
 * forces whenever the flush interval has passed, after any group, also under constant load.
 *
 * <p>A failed write or force is never simply retried: the kernel may have dropped the dirty pages
 * and report the next force as a success. The writer keeps every record written since the last
 * successful force in memory; after a failure it starts a fresh segment named by the first record
 * not known to be durable (recreating the current one if that is its name), writes those records
 * again there and forces, retrying with back-off. Nothing is reported durable before that, and
 * {@link #healthy()} is false meanwhile. Recovery reads an earlier segment only up to where a later
 * one starts ({@link SegmentChain}). Before a new segment is started the current one is forced, so
 * damage can only be in the last one.
 *
 * <p>The producer only places records; the writer seals each one (its CRC, and the offset up to which
 * the segment is known to be forced, {@link SegmentScan}) when it writes it, so that recovery can tell
 * a write torn by a power cut, which may keep any subset of its pages, from damage in forced data. The
 * forced offset is the group's start in {@code SYNC} mode, the last force's end in {@code PERIODIC}
 * mode and the header's end in a new segment; a reopened segment is forced first, so that it holds.
 *
 * <p>Threading: {@link #append}, {@link #commit} and {@link #lastSeq} belong to one producer thread;
 * {@link #deleteSegmentsUpTo}, {@link #awaitForced}, {@link #healthy} and {@link #close} may be
 * called from any thread; callbacks run on the writer thread ({@code cairn-journal}), in commit
 * order, and must not block. Files are only touched by the writer thread and the spare pool's
 * thread. Any failure of the writer thread other than an I/O error, including an exception thrown by
 * a callback, calls the {@link Options#failStop()} and ends the writer: nothing more is acknowledged.
 */
public final class Journal implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Journal.class);

    /** SYNC: callbacks after force. PERIODIC: callbacks after write; force every flush interval. */
    public enum Mode { SYNC, PERIODIC }

    /**
     * Where and how. {@code segmentSize} is the preallocated size of a segment; {@code failStop} is
     * called when the writer (or the snapshot writer of the store using this journal) meets a
     * failure it cannot handle.
     */
    public record Options(Path dir, Mode mode, long segmentSize, long flushIntervalMs, FileLayer files,
                          FailStop failStop) {
        public static Options of(Path dir, Mode mode) {
            return new Options(dir, mode, 64L << 20, 100, FileLayer.REAL, FailStop.PROCESS_EXIT);
        }

        public Options withSegmentSize(long size) {
            return new Options(dir, mode, size, flushIntervalMs, files, failStop);
        }

        public Options withFlushInterval(long ms) {
            return new Options(dir, mode, segmentSize, ms, files, failStop);
        }

        public Options withFiles(FileLayer f) {
            return new Options(dir, mode, segmentSize, flushIntervalMs, f, failStop);
        }

        public Options withFailStop(FailStop f) {
            return new Options(dir, mode, segmentSize, flushIntervalMs, files, f);
        }
    }

    /** Receives each record found on recovery. */
    @FunctionalInterface
    public interface RecordHandler {
        void record(long seq, int type, byte[] body) throws IOException;
    }

    /** What recovery found. */
    public record Recovered(long records, long lastSeq, int segments, long tornBytes) {}

    private record Batch(byte[] bytes, int[] starts, int count, long firstSeq, Runnable onDurable) {}

    /** A segment before the current one: only its name matters (for deletion). */
    private record OldSegment(Path path, long firstSeq, long capacity) {}

    /** The segment being written. */
    private static final class Current {
        final long firstSeq;
        final Path path;
        final FileLayer.LogFile file;
        final long capacity;
        long end;
        /** Every byte before it is known to be forced; sealed into each record written ({@link SegmentScan}). */
        long forcedEnd;

        /** A segment whose data, up to {@code end}, is all forced. */
        Current(long firstSeq, Path path, FileLayer.LogFile file, long capacity, long end) {
            this.firstSeq = firstSeq;
            this.path = path;
            this.file = file;
            this.capacity = capacity;
            this.end = end;
            this.forcedEnd = end;
        }

        boolean hasRecords() {
            return end > Segments.HEADER_SIZE;
        }
    }

    /** The records written (or about to be) since the last successful force, in order. Writer thread only. */
    private static final class Unforced {
        byte[] bytes = new byte[1 << 16];
        int used;
        int[] starts = new int[256];
        int count;
        long firstSeq;

        void add(Batch b) {
            if (count == 0) {
                firstSeq = b.firstSeq();
            }
            if (used + b.count() > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, used + b.count()));
            }
            if (count + b.starts().length > starts.length) {
                starts = Arrays.copyOf(starts, Math.max(starts.length * 2, count + b.starts().length));
            }
            for (int s : b.starts()) {
                starts[count++] = used + s;
            }
            System.arraycopy(b.bytes(), 0, bytes, used, b.count());
            used += b.count();
        }

        int start(int i) {
            return i == count ? used : starts[i];
        }

        int length(int i) {
            return start(i + 1) - start(i);
        }

        void clear() {
            used = 0;
            count = 0;
            if (bytes.length > 1 << 22) {
                bytes = new byte[1 << 16];
            }
        }
    }

    private final Options options;
    private final FileLayer files;
    private final Path dir;
    private final Recovered recovered;
    private final SparePool spares;

    // producer state
    private byte[] buffer = new byte[1 << 16];
    private int bufferUsed;
    private int[] starts = new int[256];
    private int count;
    private long lastSeq;
    private long batchFirstSeq;

    // shared between producer, writer and waiters, under lock
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition forced = lock.newCondition();
    private final ArrayDeque<Batch> pending = new ArrayDeque<>();
    private final List<Long> deleteRequests = new ArrayList<>();
    private boolean closing;
    private boolean writerDone;
    private volatile long durableSeq;

    // writer state
    private final List<OldSegment> older = new ArrayList<>();
    private Current current;
    private final Unforced unforced = new Unforced();
    private int written; // index in unforced of the first record not yet in the current file
    private final Thread writer;
    private volatile boolean healthy = true;
    private volatile long failures;
    private long lastForceNanos = System.nanoTime();

    private Journal(Options options, List<OldSegment> older, Current current, long lastSeq, Recovered recovered) {
        this.options = options;
        this.files = options.files();
        this.dir = options.dir();
        this.older.addAll(older);
        this.current = current;
        this.lastSeq = lastSeq;
        this.durableSeq = lastSeq;
        this.batchFirstSeq = lastSeq + 1;
        this.recovered = recovered;
        this.spares = new SparePool(files, dir, options.segmentSize(), options.failStop());
        this.writer = new Thread(this::runWriter, "cairn-journal");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /**
     * Opens the journal in {@code options.dir()}, replaying every valid record with a sequence number
     * above {@code afterSeq} (the snapshot's) to {@code handler}, cutting a torn tail, and failing
     * with {@link CorruptJournalException} on anything that would make it start on less than it had
     * ({@link SegmentChain}). An empty directory gets its first segment.
     */
    public static Journal open(Options options, long afterSeq, RecordHandler handler) throws IOException {
        return open(options, afterSeq, null, handler);
    }

    /**
     * Opens the journal after the snapshot {@code loaded} (see {@link #open}). If newer snapshots were
     * damaged and the journal does not reach back to the one used, it refuses, naming both.
     */
    public static Journal openAfter(Options options, Snapshots.Loaded loaded, RecordHandler handler) throws IOException {
        return open(options, loaded.seq(), loaded, handler);
    }

    private static Journal open(Options options, long afterSeq, Snapshots.Loaded loaded, RecordHandler handler)
            throws IOException {
        Files.createDirectories(options.dir());
        FileLayer files = options.files();
        SegmentChain.Walk walk = SegmentChain.walk(files, options.dir(), afterSeq, handler);
        SegmentChain.Problem problem = walk.problem();
        if (problem != null && problem.cut() == SegmentChain.Cut.AFTER_SNAPSHOT && loaded != null
                && !loaded.damaged().isEmpty()) {
            problem = new SegmentChain.Problem(problem.cut(), loaded.damaged().get(0), 0,
                    loaded.fallbackFailure() + ": " + problem.what());
        }
        if (problem != null) {
            throw problem.exception(options.dir());
        }
        SparePool.deleteLeftovers(files, options.dir());
        List<OldSegment> older = new ArrayList<>();
        for (SegmentChain.Segment s : walk.segments()) {
            older.add(new OldSegment(s.path(), s.firstSeq(), s.capacity()));
        }
        Current current = older.isEmpty() ? createFirst(options) : reopenLast(options, walk, older.remove(older.size() - 1));
        Recovered rec = new Recovered(walk.replayed(), walk.lastSeq(), walk.segments().size(), walk.tornBytes());
        return new Journal(options, older, current, walk.lastSeq(), rec);
    }

    private static Current createFirst(Options options) throws IOException {
        Path target = options.dir().resolve(Segments.segmentName(1));
        Path spare = Segments.spareName(options.dir(), 0);
        FileLayer.LogFile f = Segments.install(options.files(), spare, target, 1, options.segmentSize(), true);
        return new Current(1, target, f, options.segmentSize(), Segments.HEADER_SIZE);
    }

    /**
     * Reopens the last segment for writing: cuts a torn tail, and forces what was recovered (after a
     * kill -9 in {@code periodic} mode it may still be only in the page cache), so that the records
     * written next may say that everything before them is forced.
     */
    private static Current reopenLast(Options options, SegmentChain.Walk walk, OldSegment last) throws IOException {
        FileLayer.LogFile f = options.files().open(last.path());
        long end = walk.segments().get(walk.segments().size() - 1).validEnd();
        if (walk.tornBytes() > 0) {
            log.warn("journal: torn tail cut off in {} at offset {}: {} bytes (a write that was never forced, so "
                    + "never acknowledged in sync mode)", last.path(), walk.tornAt(), walk.tornBytes());
            Segments.zero(f, walk.tornAt(), walk.tornAt() + walk.tornBytes());
        }
        f.force();
        return new Current(last.firstSeq(), last.path(), f, last.capacity(), end);
    }

    public Recovered recovered() {
        return recovered;
    }

    // ---------------------------------------------------------------- producer

    /** Adds a record to the current batch; returns its sequence number. */
    public long append(int type, byte[] body) {
        int need = SegmentScan.size(body.length);
        if (bufferUsed + need > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, bufferUsed + need));
        }
        if (count == starts.length) {
            starts = Arrays.copyOf(starts, count * 2);
        }
        starts[count++] = bufferUsed;
        bufferUsed += SegmentScan.place(buffer, bufferUsed, type, body); // the writer seals it
        return ++lastSeq;
    }

    /** Closes the current batch; {@code onDurable} runs once it and every earlier batch are durable. */
    public void commit(Runnable onDurable) {
        Batch b = new Batch(buffer, Arrays.copyOf(starts, count), bufferUsed, batchFirstSeq, onDurable);
        buffer = new byte[Math.max(1 << 12, Math.min(bufferUsed * 2, 1 << 20))];
        bufferUsed = 0;
        count = 0;
        batchFirstSeq = lastSeq + 1;
        lock.lock();
        try {
            if (closing) {
                throw new IllegalStateException("journal closed");
            }
            pending.add(b);
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Sequence number of the last record appended. */
    public long lastSeq() {
        return lastSeq;
    }

    /**
     * Blocks until every record up to {@code seq} is forced to disk (in {@code PERIODIC} mode a
     * callback runs before that). Fails if the writer stopped first.
     */
    public void awaitForced(long seq) throws IOException {
        lock.lock();
        try {
            while (durableSeq < seq) {
                if (writerDone) {
                    throw new IOException("journal writer stopped before record " + seq + " was forced");
                }
                forced.await(100, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for record " + seq + " to be forced", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes every segment whose records all have sequence numbers up to {@code seq}: on the writer
     * thread, or at once on the calling thread if the writer has stopped (a snapshot at close).
     */
    public void deleteSegmentsUpTo(long seq) {
        lock.lock();
        try {
            if (writerDone) {
                deleteUpTo(seq); // the writer's state is ours now: it stopped, and we hold the lock
                return;
            }
            deleteRequests.add(seq);
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    public boolean healthy() {
        return healthy;
    }

    /** How many spare segments are ready to be rolled to (for tests and diagnostics). */
    int sparesReady() {
        return spares.ready();
    }

    public long failures() {
        return failures;
    }

    // ---------------------------------------------------------------- writer

    /** The writer thread: anything but an I/O error (which is handled) is a bug and stops the broker. */
    private void runWriter() {
        try {
            writeLoop();
        } catch (Throwable t) {
            healthy = false;
            options.failStop().fail("journal writer", t);
        } finally {
            lock.lock();
            try {
                writerDone = true;
                forced.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void writeLoop() {
        List<Batch> group = new ArrayList<>();
        while (true) {
            List<Long> deletes;
            lock.lock();
            try {
                while (pending.isEmpty() && deleteRequests.isEmpty() && !closing && !periodicForceDue()) {
                    awaitWork();
                }
                if (pending.isEmpty() && closing) {
                    break;
                }
                group.addAll(pending);
                pending.clear();
                deletes = new ArrayList<>(deleteRequests);
                deleteRequests.clear();
            } finally {
                lock.unlock();
            }
            if (!group.isEmpty()) {
                if (writeDurably(group)) {
                    group.forEach(b -> b.onDurable().run()); // a callback that throws is a bug: runWriter fail-stops
                }
                group.clear();
            }
            if (periodicForceDue()) { // also under constant load, when the queue is never empty
                forceDurably();
            }
            for (long seq : deletes) {
                deleteUpTo(seq);
            }
        }
        if (unforced.count > 0) {
            forceDurably();
        }
    }

    private void awaitWork() {
        try {
            if (options.mode() == Mode.PERIODIC && unforced.count > 0) {
                work.await(options.flushIntervalMs(), TimeUnit.MILLISECONDS);
            } else {
                work.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        }
    }

    private boolean closeRequested() {
        lock.lock();
        try {
            return closing;
        } finally {
            lock.unlock();
        }
    }

    private boolean periodicForceDue() {
        return options.mode() == Mode.PERIODIC && unforced.count > 0
                && System.nanoTime() - lastForceNanos >= TimeUnit.MILLISECONDS.toNanos(options.flushIntervalMs());
    }

    /** Writes the group (and forces, in SYNC mode); false if the journal closed while writes failed. */
    private boolean writeDurably(List<Batch> group) {
        for (Batch b : group) {
            unforced.add(b);
        }
        try {
            writeUnwritten();
            if (options.mode() == Mode.SYNC) {
                forceCurrent();
            }
            return true;
        } catch (IOException e) {
            return rewriteUntilItWorks(e, group.size());
        }
    }

    /** Forces what was written (PERIODIC mode and close); on failure, rewrites it elsewhere. */
    private void forceDurably() {
        try {
            forceCurrent();
        } catch (IOException e) {
            rewriteUntilItWorks(e, 0);
        }
    }

    /** Writes the unforced records not yet in the current file, starting new segments as they fill. */
    private void writeUnwritten() throws IOException {
        int from = written;
        long at = current.end;
        for (int i = written; i < unforced.count; i++) {
            int len = unforced.length(i);
            if (current.end + len > current.capacity) {
                writeRecords(from, i, at);
                makeRoom(unforced.firstSeq + i, len);
                from = i;
                at = current.end;
            }
            current.end += len;
        }
        writeRecords(from, unforced.count, at);
        written = unforced.count;
    }

    /** Writes records {@code [from, to)} at {@code at}, as one group of the current segment. */
    private void writeRecords(int from, int to, long at) throws IOException {
        if (to > from) {
            for (int i = from; i < to; i++) {
                SegmentScan.seal(unforced.bytes, unforced.start(i), current.forcedEnd);
            }
            current.file.write(ByteBuffer.wrap(unforced.bytes, unforced.start(from), unforced.start(to) - unforced.start(from)), at);
        }
    }

    /**
     * Makes the current segment able to take record {@code seq} of {@code len} bytes: a segment with
     * records is forced (it is durable before the next one gets data) and followed by a new one; an
     * empty one (named {@code seq}) is replaced by one large enough.
     */
    private void makeRoom(long seq, int len) throws IOException {
        if (current.hasRecords()) {
            current.file.force();
            markDurable(seq - 1);
            startSegment(seq, len);
        } else {
            replaceCurrent(len);
        }
    }

    /** Forces the current segment: the records written so far are durable (after an abandoned write, only those). */
    private void forceCurrent() throws IOException {
        current.file.force();
        current.forcedEnd = current.end;
        lastForceNanos = System.nanoTime();
        if (written > 0) {
            markDurable(unforced.firstSeq + written - 1);
        }
        unforced.clear();
        written = 0;
    }

    private void markDurable(long seq) {
        lock.lock();
        try {
            durableSeq = seq;
            forced.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * After a failed write or force: every record not known to be durable goes again into a fresh
     * segment named by the first of them, which is then forced. Retried with back-off until it
     * works or the journal closes (then false: those records were never acknowledged in SYNC mode).
     */
    private boolean rewriteUntilItWorks(IOException first, int batches) {
        IOException e = first;
        long backoff = 10;
        while (true) {
            failures++;
            healthy = false;
            log.error("journal write or force failed ({} failures so far); records from {} on are written again to a "
                    + "fresh segment, nothing more is acknowledged until that is forced: {}", failures, durableSeq + 1,
                    e.toString());
            if (closeRequested()) {
                log.error("journal closing while writes fail: {} batches were never acknowledged", batches);
                return false;
            }
            sleep(backoff);
            backoff = Math.min(1000, backoff * 2);
            try {
                rewriteUnforced();
                break;
            } catch (IOException again) {
                e = again;
            }
        }
        log.info("journal writes succeed again after {} failures; records from the last durable one on were "
                + "rewritten to {}", failures, current.path);
        healthy = true;
        return true;
    }

    private void rewriteUnforced() throws IOException {
        long first = durableSeq + 1;
        int index = unforced.count == 0 ? 0 : (int) (first - unforced.firstSeq);
        int len = index < unforced.count ? unforced.length(index) : 0;
        if (first == current.firstSeq) {
            replaceCurrent(len); // it holds nothing durable: recreate it from scratch
        } else {
            startSegment(first, len);
        }
        written = index;
        writeUnwritten();
        forceCurrent();
    }

    /** Makes a new segment starting at {@code firstSeq} the current one. */
    private void startSegment(long firstSeq, int firstRecordBytes) throws IOException {
        Current next = createSegment(firstSeq, firstRecordBytes);
        older.add(new OldSegment(current.path, current.firstSeq, current.capacity));
        closeQuietly(current);
        current = next;
    }

    /** Replaces the current segment, which holds nothing durable, by a fresh one of the same name. */
    private void replaceCurrent(int firstRecordBytes) throws IOException {
        Current next = createSegment(current.firstSeq, firstRecordBytes);
        closeQuietly(current);
        current = next;
    }

    /**
     * A segment for records from {@code firstSeq}, large enough for its first record: a spare from the
     * pool if one is ready and of the right size, else created here (slow: it writes the zeros).
     */
    private Current createSegment(long firstSeq, int firstRecordBytes) throws IOException {
        long capacity = Math.max(options.segmentSize(), Segments.HEADER_SIZE + (long) firstRecordBytes);
        Path target = dir.resolve(Segments.segmentName(firstSeq));
        Path spare = capacity == options.segmentSize() ? spares.take() : null;
        boolean inline = spare == null;
        if (inline) {
            spare = spares.newName();
            log.debug("journal: no spare segment ready; creating {} ({} bytes) on the writer thread", target, capacity);
        }
        FileLayer.LogFile f = Segments.install(files, spare, target, firstSeq, capacity, inline);
        return new Current(firstSeq, target, f, capacity, Segments.HEADER_SIZE);
    }

    private void deleteUpTo(long seq) {
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

    private static void closeQuietly(Current s) {
        Segments.closeQuietly(s.file);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes and forces everything committed, then stops the writer and closes the files. */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            work.signal();
        } finally {
            lock.unlock();
        }
        try {
            writer.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        spares.close();
        closeQuietly(current);
    }
}
