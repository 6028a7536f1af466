package io.cairn.store.journal;

import io.cairn.fault.FailStop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps a spare segment file ready so that the journal writer never writes a segment's worth of
 * zeros itself: a background thread ({@code cairn-segments}) creates {@code spare-<n>.seg}, fills it
 * with zeros to the segment size, forces it and syncs the directory. Segments the journal no longer
 * needs are recycled: renamed to a spare name by the writer, then zeroed and forced by the background
 * thread. At most {@value #MAX_SPARES} spares exist; a segment recycled beyond that, or of another
 * size, is deleted. Leftover spares are deleted when a journal is opened.
 *
 * <p>An I/O error on the background thread (a full disk) is logged and retried with back-off; the
 * writer then creates segments inline. Any other failure calls the {@link FailStop}.
 *
 * <p>Threading: {@link #take}, {@link #recycle} and {@link #newName} are called by the journal writer
 * thread, {@link #close} by the thread closing the journal; the background thread owns the zeroing.
 * The queues are guarded by the instance's monitor.
 */
final class SparePool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SparePool.class);
    static final int MAX_SPARES = 2;

    private final FileLayer files;
    private final Path dir;
    private final long size;
    private final FailStop failStop;
    private final AtomicLong names = new AtomicLong();
    private final ArrayDeque<Path> ready = new ArrayDeque<>();
    private final ArrayDeque<Path> toZero = new ArrayDeque<>();
    private Path creating; // a new spare being created, counted against MAX_SPARES
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

    /** A spare of the segment size, zeroed and durable, or null if none is ready; a new one is prepared. */
    synchronized Path take() {
        Path p = ready.poll();
        notifyAll();
        return p;
    }

    /** Turns a segment the journal no longer needs into a spare, or deletes it; syncs the directory. */
    void recycle(Path segment, long capacity) throws IOException {
        boolean keep;
        synchronized (this) {
            keep = !closed && capacity == size && ready.size() + toZero.size() + (creating == null ? 0 : 1) < MAX_SPARES;
        }
        if (!keep) {
            files.delete(segment);
            files.syncDirectory(dir);
            return;
        }
        Path spare = newName();
        files.rename(segment, spare);
        files.syncDirectory(dir);
        synchronized (this) {
            toZero.add(spare);
            notifyAll();
        }
    }

    private void run() {
        try {
            long backoff = 10;
            while (true) {
                Path work = nextWork();
                if (work == null) {
                    return;
                }
                try {
                    prepare(work);
                    backoff = 10;
                } catch (IOException e) {
                    log.warn("journal: could not prepare a spare segment {} (the writer creates segments itself "
                            + "meanwhile): {}", work, e.toString());
                    deleteQuietly(work);
                    Thread.sleep(backoff);
                    backoff = Math.min(1000, backoff * 2);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failStop.fail("journal segment preparer", t);
        }
    }

    /** The next file to zero: a recycled segment, or a new spare when none is ready; null when closed. */
    private synchronized Path nextWork() throws InterruptedException {
        while (!closed && toZero.isEmpty() && !ready.isEmpty()) {
            wait();
        }
        if (closed) {
            return null;
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
            ready.add(spare);
            notifyAll();
        }
    }

    private void deleteQuietly(Path p) {
        synchronized (this) {
            toZero.remove(p);
            creating = null;
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
