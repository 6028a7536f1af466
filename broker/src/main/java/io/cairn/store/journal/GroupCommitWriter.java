package io.cairn.store.journal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit: the {@code cairn-journal} thread takes every batch pending, seals and writes their
 * records with one positional write per segment ({@link SegmentFiles}), forces once ({@code SYNC}) and
 * only then runs the batches' callbacks, in order. There is no artificial delay: while one force runs,
 * the next group gathers by itself. In {@code PERIODIC} mode callbacks run after the write, and the
 * writer forces whenever the flush interval has passed, after any group, also under constant load.
 *
 * <p>A failed write or force is never simply retried: the kernel may have dropped the dirty pages and
 * report the next force as a success. The writer keeps every record written since the last successful
 * force ({@link UnforcedRecords}); after a failure it starts a fresh segment named by the first record
 * not known to be durable, writes those records again there and forces, retrying with back-off.
 * Nothing is reported durable before that, and {@link #healthy()} is false meanwhile. Recovery reads
 * an earlier segment only up to where a later one starts ({@link SegmentChain}). Before a new segment
 * gets data the current one is forced, so damage can only be in the last one.
 *
 * <p>The producer only places records; the writer seals each one (its CRC, and the offset up to which
 * the segment is known to be forced, {@link SegmentScan}) when it writes it, so that recovery can tell
 * a write torn by a power cut, which may keep any subset of its pages, from damage in forced data. The
 * forced offset is the group's start in {@code SYNC} mode, the last force's end in {@code PERIODIC}
 * mode and the header's end in a new segment; a reopened segment is forced first
 * ({@link JournalRecovery}), so that it holds.
 *
 * <p>Threading: {@link #submit} is called by the producer thread; {@link #awaitForced},
 * {@link #deleteSegmentsUpTo}, {@link #healthy}, {@link #failures} and {@link #close} by any thread;
 * everything else runs on the writer thread, which alone touches the {@link SegmentFiles} while it
 * runs. Callbacks run on it, in commit order, and must not block. Any failure of the writer thread
 * other than an I/O error, including an exception thrown by a callback, calls the
 * {@link Journal.Options#failStop()} and ends the writer: nothing more is acknowledged.
 */
final class GroupCommitWriter {

    /**
     * In SYNC mode, how long a written batch that nobody awaits (a subscriber's final acknowledgement:
     * lost in a crash, the message is only delivered again) may wait for a force.
     */
    static final long UNAWAITED_FORCE_MS = 10;

    // logged as the journal, the name operators and log configurations know
    private static final Logger log = LoggerFactory.getLogger(Journal.class);

    private final Journal.Options options;
    private final SegmentFiles segments;
    private final Thread thread;

    // shared between producer, writer and waiters, under lock
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition forced = lock.newCondition();
    private final ArrayDeque<RecordBuffer.Batch> pending = new ArrayDeque<>();
    private final List<Long> deleteRequests = new ArrayList<>();
    private boolean awaitedPending; // some pending batch is awaited: the group must be forced (SYNC)
    private boolean closing;
    private boolean done;
    private volatile long durableSeq;
    private volatile boolean healthy = true;
    private volatile long failures;

    // writer thread only
    private final UnforcedRecords unforced;
    private int written; // index in unforced of the first record not yet in the current file
    private boolean groupAwaited; // the group being written has an awaited batch
    private long lastForceNanos = System.nanoTime();

    /**
     * A writer of {@code segments}, whose records up to {@code lastSeq} are durable, that gives the
     * chunks of forced records back to {@code producer}; {@link #start} runs it.
     */
    GroupCommitWriter(Journal.Options options, SegmentFiles segments, long lastSeq, RecordBuffer producer) {
        this.options = options;
        this.unforced = new UnforcedRecords(producer);
        this.segments = segments;
        this.durableSeq = lastSeq;
        this.thread = new Thread(this::run, "cairn-journal");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Queues a batch for the next group; fails if the journal is closing. */
    void submit(RecordBuffer.Batch batch) {
        submit(batch, true);
    }

    /**
     * Queues a batch; with {@code awaited} false nobody waits for it, so in {@code SYNC} mode it does
     * not cause a force of its own: it is forced with the next awaited batch, or within
     * {@link #UNAWAITED_FORCE_MS}, and its callback runs once it is written.
     */
    void submit(RecordBuffer.Batch batch, boolean awaited) {
        lock.lock();
        try {
            if (closing) {
                throw new IllegalStateException("journal closed");
            }
            pending.add(batch);
            awaitedPending |= awaited;
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until every record up to {@code seq} is forced; fails if the writer stopped first. */
    void awaitForced(long seq) throws IOException {
        lock.lock();
        try {
            while (durableSeq < seq) {
                if (done) {
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

    /** Deletes segments up to {@code seq} on the writer thread, or at once if the writer has stopped. */
    void deleteSegmentsUpTo(long seq) {
        lock.lock();
        try {
            if (done) {
                segments.deleteUpTo(seq); // the segments are ours now: the writer stopped, and we hold the lock
                return;
            }
            deleteRequests.add(seq);
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    boolean healthy() {
        return healthy;
    }

    long failures() {
        return failures;
    }

    /** Writes and forces everything submitted, then stops the writer thread (waits up to 30 s). */
    void close() {
        lock.lock();
        try {
            closing = true;
            work.signal();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- the writer thread

    /** Anything but an I/O error (which is handled) is a bug and stops the broker. */
    private void run() {
        try {
            writeLoop();
        } catch (Throwable t) {
            healthy = false;
            options.failStop().fail("journal writer", t);
        } finally {
            lock.lock();
            try {
                done = true;
                forced.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void writeLoop() {
        List<RecordBuffer.Batch> group = new ArrayList<>();
        List<Long> deletes;
        while ((deletes = takeWork(group)) != null) {
            if (!group.isEmpty()) {
                if (writeDurably(group)) {
                    group.forEach(b -> b.onDurable().run()); // a callback that throws is a bug: run() fail-stops
                }
                group.clear();
            }
            if (periodicForceDue()) { // also under constant load, when the queue is never empty
                forceDurably();
            }
            for (long seq : deletes) {
                segments.deleteUpTo(seq);
            }
        }
        if (unforced.count() > 0) {
            forceDurably();
        }
    }

    /**
     * Waits for work, then moves every pending batch into {@code group} and returns the delete requests;
     * null once the journal is closing and nothing is pending.
     */
    private List<Long> takeWork(List<RecordBuffer.Batch> group) {
        lock.lock();
        try {
            while (pending.isEmpty() && deleteRequests.isEmpty() && !closing && !periodicForceDue()) {
                awaitWork();
            }
            if (pending.isEmpty() && closing) {
                return null;
            }
            group.addAll(pending);
            pending.clear();
            groupAwaited = awaitedPending;
            awaitedPending = false;
            List<Long> deletes = new ArrayList<>(deleteRequests);
            deleteRequests.clear();
            return deletes;
        } finally {
            lock.unlock();
        }
    }

    private void awaitWork() {
        try {
            if (unforced.count() > 0) {
                work.await(forceIntervalMs(), TimeUnit.MILLISECONDS);
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

    /** Written records wait at most this long for a force: PERIODIC's interval, or unawaited ones in SYNC. */
    private long forceIntervalMs() {
        return options.mode() == Journal.Mode.PERIODIC ? options.flushIntervalMs() : UNAWAITED_FORCE_MS;
    }

    private boolean periodicForceDue() {
        return unforced.count() > 0
                && System.nanoTime() - lastForceNanos >= TimeUnit.MILLISECONDS.toNanos(forceIntervalMs());
    }

    /** Writes the group (and forces, in SYNC mode); false if the journal closed while writes failed. */
    private boolean writeDurably(List<RecordBuffer.Batch> group) {
        int records = 0;
        for (RecordBuffer.Batch b : group) {
            unforced.add(b);
            records += b.count();
        }
        options.stats().groupCommitRecords.record(records);
        try {
            writeUnwritten();
            if (options.mode() == Journal.Mode.SYNC && groupAwaited) {
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
        for (int i = written; i < unforced.count(); i++) {
            if (!segments.fits(unforced.start(i + 1) - unforced.start(from))) {
                writeRecords(from, i);
                makeRoom(unforced.firstSeq() + i, unforced.length(i));
                from = i;
            }
        }
        writeRecords(from, unforced.count());
        written = unforced.count();
    }

    /** Writes records {@code [from, to)} at the end of the current segment, as one group. */
    private void writeRecords(int from, int to) throws IOException {
        if (to > from) {
            segments.append(unforced.sealed(from, to, segments.forcedEnd()));
        }
    }

    /**
     * Makes the current segment able to take record {@code seq} of {@code len} bytes: a segment with
     * records is forced (it is durable before the next one gets data) and followed by a new one; an
     * empty one (named {@code seq}) is replaced by one large enough.
     */
    private void makeRoom(long seq, int len) throws IOException {
        if (segments.currentHasRecords()) {
            segments.force();
            markDurable(seq - 1);
            segments.roll(seq, len);
        } else {
            segments.replaceCurrent(len);
        }
    }

    /** Forces the current segment: the records written so far are durable (after an abandoned write, only those). */
    private void forceCurrent() throws IOException {
        segments.force();
        lastForceNanos = System.nanoTime();
        if (written > 0) {
            markDurable(unforced.firstSeq() + written - 1);
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
                + "rewritten to {}", failures, segments.currentPath());
        healthy = true;
        return true;
    }

    private void rewriteUnforced() throws IOException {
        long first = durableSeq + 1;
        int index = unforced.count() == 0 ? 0 : (int) (first - unforced.firstSeq());
        int len = index < unforced.count() ? unforced.length(index) : 0;
        segments.startFresh(first, len);
        written = index;
        writeUnwritten();
        forceCurrent();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
