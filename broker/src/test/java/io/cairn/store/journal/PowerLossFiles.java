package io.cairn.store.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * An in-memory {@link FileLayer} that models a power cut: per file it keeps the bytes made durable
 * by {@code force()} and the writes since; {@link #crash} keeps the durable bytes plus some of the
 * unforced writes ({@link Tear}), forgets files whose creation was never made durable by a directory
 * sync, and from then on every operation fails, as on a dead machine.
 * {@link #afterCrash} is the disk a restarted machine sees. Optional injected failures model I/O
 * errors.
 *
 * <p>Threading: all methods synchronized on the instance, except that a force sleeps
 * ({@link #forceNanos}, volatile) before it takes the monitor, and that
 * {@link #crashWhileASegmentWriteIsUnforced} takes it for each look.
 */
final class PowerLossFiles implements FileLayer {

    /** What a power cut keeps of the writes since the last force. */
    enum Tear {
        /** The writes in order until a random one is lost, each kept up to a random byte. */
        PREFIX,
        /**
         * A random subset of the {@value #PAGE}-byte pages they touched, each page wholly kept or wholly
         * lost (then it holds what was last forced there: zeros, or older bytes), in any order, as a
         * disk writing back dirty pages may leave them.
         */
        PAGES
    }

    static final int PAGE = 4096;

    private static final class Content {
        byte[] durable = new byte[0];
        byte[] current = new byte[0];
        final List<long[]> unforced = new ArrayList<>(); // {position, length}
    }

    private final Map<Path, Content> files = new HashMap<>();
    private final Set<Path> durableNames = new HashSet<>();
    private boolean crashed;
    /** Remaining operations (write or force) to fail with an IOException, to model a failing disk. */
    int failNext;
    /**
     * Remaining forces by the journal writer thread to fail; each also forgets the file's writes since
     * its last force, as Linux may drop the dirty pages after a failed fsync and report the next one
     * as a success.
     */
    int failWriterForcesAndForget;
    /** How long a force takes, as on a real disk (while it runs, a crash finds the writes unforced). */
    volatile long forceNanos;

    synchronized boolean crashed() {
        return crashed;
    }

    /** Freezes what a power cut would leave behind, keeping a torn prefix of the unforced writes. */
    synchronized PowerLossFiles crash(Random random) {
        return crash(random, Tear.PREFIX);
    }

    /** Freezes what a power cut would leave behind. */
    synchronized PowerLossFiles crash(Random random, Tear tear) {
        PowerLossFiles after = new PowerLossFiles();
        for (Map.Entry<Path, Content> e : files.entrySet()) {
            if (!durableNames.contains(e.getKey())) {
                continue;
            }
            Content c = e.getValue();
            byte[] image = Arrays.copyOf(c.durable, Math.max(c.durable.length, c.current.length));
            if (tear == Tear.PREFIX) {
                keepPrefix(c, image, random);
            } else {
                keepPages(c, image, random);
            }
            Content k = new Content();
            k.durable = image;
            k.current = image.clone();
            after.files.put(e.getKey(), k);
            after.durableNames.add(e.getKey());
        }
        crashed = true;
        return after;
    }

    /**
     * Cuts the power ({@link Tear#PAGES}) as soon as a segment has writes that are not forced, or after
     * {@code timeoutMs} if none comes.
     */
    PowerLossFiles crashWhileASegmentWriteIsUnforced(Random random, long timeoutMs) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            synchronized (this) {
                if (unforcedSegmentWrites() || System.nanoTime() > deadline) {
                    return crash(random, Tear.PAGES);
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000);
        }
    }

    private boolean unforcedSegmentWrites() {
        return files.entrySet().stream().anyMatch(e -> e.getKey().toString().endsWith(Segments.SUFFIX)
                && !e.getValue().unforced.isEmpty());
    }

    private static void keepPrefix(Content c, byte[] image, Random random) {
        for (long[] w : c.unforced) {
            if (random.nextInt(3) == 0) {
                break; // this write and every later one never reached the platter
            }
            int keep = random.nextInt((int) w[1] + 1); // a torn prefix
            System.arraycopy(c.current, (int) w[0], image, (int) w[0], keep);
        }
    }

    /** Keeps each page an unforced write touched with a probability chosen at random for this cut. */
    private static void keepPages(Content c, byte[] image, Random random) {
        Set<Long> pages = new HashSet<>();
        for (long[] w : c.unforced) {
            for (long page = w[0] / PAGE; page * PAGE < w[0] + w[1]; page++) {
                pages.add(page);
            }
        }
        double keep = random.nextDouble();
        for (long page : pages.stream().sorted().toList()) {
            if (random.nextDouble() < keep) {
                int from = (int) (page * PAGE);
                System.arraycopy(c.current, from, image, from, Math.min(PAGE, c.current.length - from));
            }
        }
    }

    private void alive() throws IOException {
        if (crashed) {
            throw new IOException("power is off");
        }
        if (failNext > 0) {
            failNext--;
            throw new IOException("injected I/O error");
        }
    }

    @Override
    public synchronized LogFile open(Path file) throws IOException {
        if (crashed) {
            throw new IOException("power is off");
        }
        Content c = files.computeIfAbsent(file, f -> new Content());
        return new LogFile() {
            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                synchronized (PowerLossFiles.this) {
                    alive();
                    int n = src.remaining();
                    if (position + n > c.current.length) {
                        c.current = Arrays.copyOf(c.current, (int) position + n);
                    }
                    src.get(c.current, (int) position, n);
                    c.unforced.add(new long[] {position, n});
                }
            }

            @Override
            public int read(ByteBuffer dst, long position) throws IOException {
                synchronized (PowerLossFiles.this) {
                    if (position >= c.current.length) {
                        return -1;
                    }
                    int n = (int) Math.min(dst.remaining(), c.current.length - position);
                    dst.put(c.current, (int) position, n);
                    return n;
                }
            }

            @Override
            public void force() throws IOException {
                if (forceNanos > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(forceNanos);
                }
                synchronized (PowerLossFiles.this) {
                    if (failWriterForcesAndForget > 0 && Thread.currentThread().getName().equals("cairn-journal")) {
                        failWriterForcesAndForget--;
                        byte[] forgotten = new byte[c.current.length];
                        System.arraycopy(c.durable, 0, forgotten, 0, Math.min(c.durable.length, forgotten.length));
                        c.current = forgotten;
                        c.unforced.clear();
                        throw new IOException("injected fsync failure; the unforced pages were dropped");
                    }
                    alive();
                    c.durable = c.current.clone();
                    c.unforced.clear();
                }
            }

            @Override
            public long size() {
                synchronized (PowerLossFiles.this) {
                    return c.current.length;
                }
            }

            @Override
            public void preallocate(long size) throws IOException {
                synchronized (PowerLossFiles.this) {
                    alive();
                    if (c.current.length < size) {
                        c.current = Arrays.copyOf(c.current, (int) size);
                    }
                    c.durable = c.current.clone();
                    c.unforced.clear();
                }
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public synchronized List<Path> list(Path dir) {
        return files.keySet().stream().filter(p -> dir.equals(p.getParent())).sorted().toList();
    }

    @Override
    public synchronized void delete(Path file) throws IOException {
        alive();
        files.remove(file);
        durableNames.remove(file);
    }

    @Override
    public synchronized void rename(Path from, Path to) throws IOException {
        alive();
        Content c = files.remove(from);
        durableNames.remove(from);
        if (c != null) {
            files.put(to, c);
        }
    }

    @Override
    public synchronized void syncDirectory(Path dir) throws IOException {
        alive();
        for (Path p : files.keySet()) {
            if (dir.equals(p.getParent())) {
                durableNames.add(p);
            }
        }
    }

    /**
     * Makes the bytes of {@code file} from {@code from} on unforced again, as the page cache holds
     * them after a {@code kill -9} of a broker in {@code periodic} mode: on disk they are zeros.
     */
    synchronized void unforce(Path file, long from) {
        Content c = files.get(file);
        Arrays.fill(c.durable, (int) from, c.durable.length, (byte) 0);
        c.unforced.add(new long[] {from, c.current.length - from});
    }

    /**
     * Whether the last segment in {@code dir} has a valid record after the place where its valid
     * data breaks off: a cut that kept a page after one it lost (for tests to show they hit one).
     */
    boolean validRecordsAfterTheBreak(Path dir) throws IOException {
        List<Path> segments = Segments.segmentPaths(this, dir);
        byte[] data = SegmentScan.readAll(this, segments.get(segments.size() - 1));
        SegmentScan.Result r = SegmentScan.scan(data, Segments.HEADER_SIZE, Long.MAX_VALUE, (o, t, b) -> { });
        return SegmentScan.recordsAfter(data, r.validEnd(), r.nonZeroEnd()).anyValid();
    }

    /** Flips one bit of a file's durable and current content (a media error). */
    synchronized void flipBit(Path file, long offset) {
        Content c = files.get(file);
        c.current[(int) offset] ^= 0x10;
        c.durable[(int) offset] ^= 0x10;
    }
}
