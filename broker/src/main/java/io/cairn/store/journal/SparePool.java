package io.cairn.store.journal;

import io.cairn.fault.FailStop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps a spare segment file ready so that the journal writer never writes a segment's worth of
 * zeros itself: a background thread ({@code cairn-segments}) creates {@code spare-<n>.seg}, fills it
 * with zeros to the segment size, forces it and syncs the directory. Segments the journal no longer
 * needs are recycled: renamed to a spare name by the writer, then zeroed and forced by the background
 * thread. At most {@value #MAX_SPARES} spares are kept; a segment recycled beyond that, or of another
 * size, is deleted: the writer only renames it to a spare name (a fast, durable change of the
 * directory), and the background thread unlinks it. Unlinking a 64 MiB file took 20-28 ms on ext4
 * here, a stall of every acknowledgement when the writer did it (several per snapshot under load).
 * Leftover spares, including any not yet unlinked at a crash, are deleted when a journal is opened.
 *
 * <p>An I/O error on the background thread (a full disk) is logged and retried with back-off; the
 * writer then creates segments inline. Any other failure calls the {@link FailStop}.
 *
 * <p>Threading: {@link #take}, {@link #recycle} and {@link #newName} are called by the journal writer
 * thread, {@link #close} by the thread closing the journal; the background thread owns the zeroing
 * and the unlinking.
 * The queues are guarded by the instance's monitor.
 */
final class SparePool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SparePool.class);
    static final int MAX_SPARES = 2;
    /** The longest the writer waits for a spare being zeroed before it makes a segment itself. */
    static final long WAIT_FOR_SPARE_MS = 2_000;

    private final FileLayer files;
    private final Path dir;
    private final long size;
    private final FailStop failStop;
    private static final Path NOTHING_TO_PREPARE = Path.of("");
    private final AtomicLong names = new AtomicLong();
    private final ArrayDeque<Path> ready = new ArrayDeque<>();
    private final ArrayDeque<Path> toZero = new ArrayDeque<>();
    private final ArrayDeque<Path> toDelete = new ArrayDeque<>(); // renamed off the journal, to unlink
    private Path creating; // a new spare being created, counted against MAX_SPARES
    private boolean failing; // the last preparation failed: the writer does not wait for spares
    private final Thread thread;
    private boolean closed;

    SparePool(FileLayer files, Path dir, long size, FailStop failStop) {
        this.files = files;
        this.dir = dir;
        this.size = size;
        this.failStop = failStop;
        this.thread = new Thread(this::run, "cairn-segments");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Deletes the spares a previous run left behind (they are not part of the journal). */
    static void deleteLeftovers(FileLayer files, Path dir) throws IOException {
        boolean any = false;
        for (Path p : files.list(dir)) {
            if (Segments.isSpare(p)) {
                files.delete(p);
                any = true;
            }
        }
        if (any) {
            files.syncDirectory(dir);
        }
    }

    /** A fresh spare name. */
    Path newName() {
        return Segments.spareName(dir, names.incrementAndGet());
    }

    /** How many spares are ready (for tests and diagnostics). */
    synchronized int ready() {
        return ready.size();
    }

    /**
     * A spare of the segment size, zeroed and durable; a new one is prepared. When none is ready,
     * waits for the one the background thread is preparing or about to prepare (at most
     * {@link #WAIT_FOR_SPARE_MS}): finishing that one is quicker than the writer zeroing a whole
     * segment itself, which would also slow it down (under a 256 KiB load here the writer's own zeroing
     * stalled every acknowledgement for 200-430 ms). Null when none is ready while preparation fails
     * (a full disk: the writer creates one itself).
     */
    synchronized Path take() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_FOR_SPARE_MS);
        while (ready.isEmpty() && !closed && !failing) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the writer is closing: it makes its segment itself
                break;
            }
        }
        Path p = ready.poll();
        notifyAll();
        return p;
    }

    /**
     * Turns a segment the journal no longer needs into a spare, or renames it for the background
     * thread to unlink; either way its segment name is gone, durably, when this returns.
     */
    void recycle(Path segment, long capacity) throws IOException {
        boolean keep;
        boolean stopped;
        synchronized (this) {
            stopped = closed;
            keep = !closed && capacity == size && ready.size() + toZero.size() + (creating == null ? 0 : 1) < MAX_SPARES;
        }
        if (stopped) { // no background thread any more (the writer stopped first)
            files.delete(segment);
            files.syncDirectory(dir);
            return;
        }
        Path spare = newName();
        files.rename(segment, spare);
        files.syncDirectory(dir);
        synchronized (this) {
            (keep ? toZero : toDelete).add(spare);
            notifyAll();
        }
    }

    private void run() {
        try {
            long backoff = 10;
            while (true) {
                Path work = nextWork();
                if (work == null) {
                    deletePending();
                    return;
                }
                if (work != NOTHING_TO_PREPARE) {
                    try {
                        prepare(work);
                        backoff = 10;
                    } catch (IOException e) {
                        log.warn("journal: could not prepare a spare segment {} (the writer creates segments "
                                + "itself meanwhile): {}", work, e.toString());
                        deleteQuietly(work);
                        Thread.sleep(backoff);
                        backoff = Math.min(1000, backoff * 2);
                    }
                }
                deletePending(); // after the spare, which the writer may be waiting for: an unlink takes 20-28 ms
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failStop.fail("journal segment preparer", t);
        }
    }

    /**
     * The next file to zero: a recycled segment, or a new spare when none is ready; null when closed;
     * {@link #NOTHING_TO_PREPARE} when woken only to unlink.
     */
    private synchronized Path nextWork() throws InterruptedException {
        while (!closed && toDelete.isEmpty() && toZero.isEmpty() && !ready.isEmpty()) {
            wait();
        }
        if (closed) {
            return null;
        }
        if (toZero.isEmpty() && !ready.isEmpty()) {
            return NOTHING_TO_PREPARE;
        }
        if (toZero.isEmpty()) {
            creating = newName();
            return creating;
        }
        return toZero.peek();
    }

    private void prepare(Path spare) throws IOException {
        try (FileLayer.LogFile f = files.open(spare)) {
            boolean recycled;
            synchronized (this) {
                recycled = !spare.equals(creating);
            }
            if (recycled) {
                Segments.zero(f, 0, size);
            } else {
                f.preallocate(size);
                f.force();
                files.syncDirectory(dir);
            }
        }
        synchronized (this) {
            toZero.remove(spare);
            creating = null;
            failing = false;
            ready.add(spare);
            notifyAll();
        }
    }

    /** Unlinks the segments renamed for deletion (also when closing, so none outlives a clean stop). */
    private void deletePending() {
        while (true) {
            Path p;
            synchronized (this) {
                p = toDelete.poll();
            }
            if (p == null) {
                return;
            }
            try {
                files.delete(p);
            } catch (IOException e) {
                log.warn("journal: could not delete {} (it is deleted at the next start-up): {}", p, e.toString());
            }
        }
    }

    private void deleteQuietly(Path p) {
        synchronized (this) {
            toZero.remove(p);
            creating = null;
            failing = true;
            notifyAll(); // a writer waiting for this spare makes its own
        }
        try {
            files.delete(p);
        } catch (IOException e) {
            // a leftover spare is deleted at the next start-up
        }
    }

    /** Stops the background thread; the spares stay on disk and are deleted at the next start-up. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
