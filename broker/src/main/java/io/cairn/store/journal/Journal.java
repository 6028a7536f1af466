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
 * segment file is named by the sequence number of its first record and preallocated. The producer
 * (the session engine) appends records and closes a batch with {@link #commit}; the writer thread
 * takes every batch pending, writes them with one positional write per segment, forces once
 * ({@code SYNC}) and only then runs the batches' callbacks, in order. There is no artificial delay:
 * while one force runs, the next group gathers by itself.
 *
 * <p>A write or force that fails is retried from where the group started (with back-off) until it
 * succeeds; nothing is reported durable before that, and {@link #healthy()} is false meanwhile.
 * Before a new segment is started the current one is forced, so damage can only be in the last one.
 *
 * <p>Threading: {@link #append}, {@link #commit} and {@link #lastSeq} belong to one producer thread;
 * {@link #deleteSegmentsUpTo}, {@link #healthy} and {@link #close} may be called from any thread;
 * callbacks run on the writer thread, in commit order, and must not block. Any failure of the writer
 * thread other than an I/O error, including an exception thrown by a callback, calls the
 * {@link Options#failStop()} and ends the writer: nothing more is acknowledged.
 */
public final class Journal implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    static final String SUFFIX = ".log";

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

    private static final class Segment {
        final long firstSeq;
        final Path path;
        final FileLayer.LogFile file;
        final long capacity;
        long end;

        Segment(long firstSeq, Path path, FileLayer.LogFile file, long capacity, long end) {
            this.firstSeq = firstSeq;
            this.path = path;
            this.file = file;
            this.capacity = capacity;
            this.end = end;
        }
    }

    private final Options options;
    private final FileLayer files;
    private final Recovered recovered;

    // producer state
    private byte[] buffer = new byte[1 << 16];
    private int bufferUsed;
    private int[] starts = new int[256];
    private int count;
    private long lastSeq;
    private long batchFirstSeq;

    // shared between producer and writer, under lock
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<Batch> pending = new ArrayDeque<>();
    private final List<Long> deleteRequests = new ArrayList<>();
    private boolean closing;

    // writer state
    private final List<Segment> segments = new ArrayList<>();
    private final Thread writer;
    private volatile boolean healthy = true;
    private volatile long failures;
    private long lastForceNanos = System.nanoTime();
    private boolean dirty;

    private Journal(Options options, List<Segment> segments, long lastSeq, Recovered recovered) {
        this.options = options;
        this.files = options.files();
        this.segments.addAll(segments);
        this.lastSeq = lastSeq;
        this.batchFirstSeq = lastSeq + 1;
        this.recovered = recovered;
        this.writer = new Thread(this::runWriter, "cairn-journal");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /**
     * Opens the journal in {@code options.dir()}, replaying every valid record with a sequence number
     * above {@code afterSeq} to {@code handler}, cutting a torn tail, and failing with
     * {@link CorruptJournalException} on damage that is not a torn tail.
     */
    public static Journal open(Options options, long afterSeq, RecordHandler handler) throws IOException {
        Files.createDirectories(options.dir());
        FileLayer files = options.files();
        List<Path> paths = segmentPaths(files, options.dir());
        List<Segment> open = new ArrayList<>();
        long records = 0;
        long seq = afterSeq;
        long torn = 0;
        for (int i = 0; i < paths.size(); i++) {
            Path path = paths.get(i);
            long first = firstSeqOf(path);
            boolean last = i == paths.size() - 1;
            byte[] data = SegmentScan.readAll(files, path);
            long[] next = {first, 0};
            SegmentScan.Result r = SegmentScan.scan(data, (offset, type, body) -> {
                long s = next[0]++;
                if (s > afterSeq) {
                    next[1]++;
                    handler.record(s, type, body);
                }
            });
            records += next[1];
            seq = Math.max(seq, next[0] - 1);
            if (r.damaged()) {
                if (!last || SegmentScan.validRecordAfter(data, r.damageAt())) {
                    throw new CorruptJournalException(path, r.damageAt(), r.damage());
                }
                torn = r.nonZeroEnd() - r.damageAt();
                log.warn("journal: torn tail cut off in {} at offset {}: {} bytes ({})", path, r.damageAt(), torn, r.damage());
            }
            FileLayer.LogFile f = files.open(path);
            if (last && r.nonZeroEnd() > r.validEnd()) {
                zero(f, r.validEnd(), r.nonZeroEnd());
            }
            open.add(new Segment(first, path, f, Math.max(data.length, options.segmentSize()), r.validEnd()));
        }
        Recovered rec = new Recovered(records, seq, paths.size(), torn);
        return new Journal(options, open, seq, rec);
    }

    private static void zero(FileLayer.LogFile f, long from, long to) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(1 << 20, to - from));
        for (long p = from; p < to; p += zeros.capacity()) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), to - p));
            f.write(zeros, p);
        }
        f.force();
    }

    static List<Path> segmentPaths(FileLayer files, Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : files.list(dir)) {
            String n = p.getFileName().toString();
            if (n.endsWith(SUFFIX) && n.length() == 20 + SUFFIX.length()) {
                out.add(p);
            }
        }
        return out;
    }

    static long firstSeqOf(Path segment) {
        String n = segment.getFileName().toString();
        return Long.parseLong(n.substring(0, n.length() - SUFFIX.length()));
    }

    static String segmentName(long firstSeq) {
        return String.format("%020d%s", firstSeq, SUFFIX);
    }

    public Recovered recovered() {
        return recovered;
    }

    // ---------------------------------------------------------------- producer

    /** Adds a record to the current batch; returns its sequence number. */
    public long append(int type, byte[] body) {
        int need = SegmentScan.HEADER + 1 + body.length;
        if (bufferUsed + need > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, bufferUsed + need));
        }
        if (count == starts.length) {
            starts = Arrays.copyOf(starts, count * 2);
        }
        starts[count++] = bufferUsed;
        bufferUsed += SegmentScan.encode(buffer, bufferUsed, type, body);
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

    /** Deletes, on the writer thread, every segment whose records all have sequence numbers up to {@code seq}. */
    public void deleteSegmentsUpTo(long seq) {
        lock.lock();
        try {
            deleteRequests.add(seq);
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    public boolean healthy() {
        return healthy;
    }

    public long failures() {
        return failures;
    }

    // ---------------------------------------------------------------- writer

    /** The writer thread: anything but an I/O error (which is retried) is a bug and stops the broker. */
    private void runWriter() {
        try {
            writeLoop();
        } catch (Throwable t) {
            healthy = false;
            options.failStop().fail("journal writer", t);
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
                writeDurably(group);
                group.clear();
            }
            if (periodicForceDue()) { // also under constant load, when the queue is never empty
                forceWithRetry();
            }
            for (long seq : deletes) {
                deleteUpTo(seq);
            }
        }
        if (dirty) {
            forceWithRetry();
        }
    }

    private void awaitWork() {
        try {
            if (options.mode() == Mode.PERIODIC && dirty) {
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
        return options.mode() == Mode.PERIODIC && dirty
                && System.nanoTime() - lastForceNanos >= TimeUnit.MILLISECONDS.toNanos(options.flushIntervalMs());
    }

    private void writeDurably(List<Batch> group) {
        int segmentsBefore = segments.size();
        long endBefore = current() == null ? 0 : current().end;
        long backoff = 10;
        while (true) {
            try {
                write(group);
                if (options.mode() == Mode.SYNC) {
                    current().file.force();
                    lastForceNanos = System.nanoTime();
                } else {
                    dirty = true;
                }
                break;
            } catch (IOException e) {
                failures++;
                healthy = false;
                log.error("journal write failed ({} failures so far); nothing is acknowledged until it succeeds: {}",
                        failures, e.toString());
                rollBack(segmentsBefore, endBefore);
                if (closeRequested()) {
                    log.error("journal closing while writes fail: {} batches were never acknowledged", group.size());
                    return;
                }
                sleep(backoff);
                backoff = Math.min(1000, backoff * 2);
            }
        }
        if (!healthy) {
            log.info("journal writes succeed again after {} failures", failures);
            healthy = true;
        }
        for (Batch b : group) {
            b.onDurable().run(); // a callback that throws is a bug: runWriter fail-stops
        }
    }

    /** Writes every record of the group into the current segment, rolling to a new one when full. */
    private void write(List<Batch> group) throws IOException {
        if (current() == null) {
            roll(group.get(0).firstSeq(), 0);
        }
        Segment seg = current();
        long start = seg.end;
        ByteBuffer out = ByteBuffer.allocate(groupBytes(group));
        for (Batch b : group) {
            for (int i = 0; i < b.starts().length; i++) {
                int from = b.starts()[i];
                int to = i + 1 < b.starts().length ? b.starts()[i + 1] : b.count();
                int len = to - from;
                if (seg.end + len > seg.capacity) {
                    flush(seg, out, start);
                    seg.file.force(); // the old segment is durable before the new one gets data
                    seg = roll(b.firstSeq() + i, len);
                    start = seg.end;
                }
                out.put(b.bytes(), from, len);
                seg.end += len;
            }
        }
        flush(seg, out, start);
    }

    private static int groupBytes(List<Batch> group) {
        long n = 0;
        for (Batch b : group) {
            n += b.count();
        }
        return (int) Math.min(Integer.MAX_VALUE - 16, n);
    }

    private static void flush(Segment seg, ByteBuffer out, long at) throws IOException {
        out.flip();
        if (out.hasRemaining()) {
            seg.file.write(out, at);
        }
        out.clear();
    }

    private Segment roll(long firstSeq, int recordBytes) throws IOException {
        Path path = options.dir().resolve(segmentName(firstSeq));
        long capacity = Math.max(options.segmentSize(), recordBytes);
        FileLayer.LogFile f = files.open(path);
        f.preallocate(capacity);
        files.syncDirectory(options.dir());
        Segment s = new Segment(firstSeq, path, f, capacity, 0);
        segments.add(s);
        return s;
    }

    /** Undoes a failed group: segments it created are removed and the current end goes back. */
    private void rollBack(int segmentsBefore, long endBefore) {
        while (segments.size() > Math.max(1, segmentsBefore)) {
            Segment s = segments.remove(segments.size() - 1);
            closeQuietly(s);
            try {
                files.delete(s.path);
            } catch (IOException ignored) {
                // retried with the next attempt's roll, which overwrites it
            }
        }
        if (segmentsBefore == 0) {
            for (Segment s : segments) {
                closeQuietly(s);
            }
            segments.clear();
        } else {
            current().end = endBefore;
        }
    }

    private void forceWithRetry() {
        long backoff = 10;
        while (true) {
            try {
                if (current() != null) {
                    current().file.force();
                }
                dirty = false;
                lastForceNanos = System.nanoTime();
                return;
            } catch (IOException e) {
                failures++;
                healthy = false;
                log.error("journal force failed: {}", e.toString());
                if (closeRequested()) {
                    return;
                }
                sleep(backoff);
                backoff = Math.min(1000, backoff * 2);
            }
        }
    }

    private void deleteUpTo(long seq) {
        // segment i holds seqs [first_i, first_{i+1}); never delete the current one
        while (segments.size() > 1 && segments.get(1).firstSeq <= seq + 1) {
            Segment s = segments.remove(0);
            closeQuietly(s);
            try {
                files.delete(s.path);
                files.syncDirectory(options.dir());
            } catch (IOException e) {
                log.warn("journal: could not delete {}: {}", s.path, e.toString());
            }
        }
    }

    private Segment current() {
        return segments.isEmpty() ? null : segments.get(segments.size() - 1);
    }

    private static void closeQuietly(Segment s) {
        try {
            s.file.close();
        } catch (IOException ignored) {
            // closing a file we no longer use
        }
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
        for (Segment s : segments) {
            closeQuietly(s);
        }
    }
}
