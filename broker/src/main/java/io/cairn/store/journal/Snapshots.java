package io.cairn.store.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Snapshot files {@code snapshot-<seq>.bin}: the state after record {@code seq}, as
 * {@code [int magic][long seq][int crc32c][int length][bytes]}, written to a temporary file, forced,
 * renamed into place and the directory forced, so a snapshot is either whole or absent. The newest
 * valid one is used; a damaged newest one falls back to the one before (the journal keeps the
 * segments back to the oldest snapshot kept, so that the fallback has its records). Two are kept.
 *
 * <p>Threading: stateless; call from one thread at a time per directory.
 */
public final class Snapshots {

    private static final int MAGIC = 0x43534e50; // "CSNP"
    private static final String PREFIX = "snapshot-";
    private static final String SUFFIX = ".bin";
    private static final int KEEP = 2;

    /** A snapshot read back. */
    public record Snapshot(long seq, byte[] state) {}

    /** The newest valid snapshot (or null) and the damaged ones newer than it, newest first. */
    public record Loaded(Snapshot snapshot, Path path, List<Path> damaged) {
        public long seq() {
            return snapshot == null ? 0 : snapshot.seq();
        }

        /** What to say when the records the fallback snapshot needs are gone. */
        String fallbackFailure() {
            return "snapshot " + damaged.get(0) + " is damaged, and the journal does not reach back to "
                    + (path == null ? "the beginning (there is no older snapshot)" : "the older snapshot " + path
                    + " (record " + seq() + ")");
        }
    }

    private Snapshots() {
    }

    /** Writes a snapshot and prunes the old ones; returns the sequence number of the oldest one kept. */
    public static long write(FileLayer files, Path dir, long seq, byte[] state) throws IOException {
        Path tmp = dir.resolve(PREFIX + seq + ".tmp");
        Path target = pathOf(dir, seq);
        CRC32C crc = new CRC32C();
        crc.update(state);
        ByteBuffer b = ByteBuffer.allocate(20 + state.length);
        b.putInt(MAGIC).putLong(seq).putInt((int) crc.getValue()).putInt(state.length).put(state).flip();
        try (FileLayer.LogFile f = files.open(tmp)) {
            f.write(b, 0);
            f.force();
        }
        files.rename(tmp, target);
        files.syncDirectory(dir);
        prune(files, dir);
        return oldestKept(files, dir);
    }

    /** Where the snapshot after record {@code seq} is. */
    public static Path pathOf(Path dir, long seq) {
        return dir.resolve(String.format("%s%020d%s", PREFIX, seq, SUFFIX));
    }

    /** The sequence number of the oldest snapshot file kept (damaged or not), or 0 if there is none. */
    public static long oldestKept(FileLayer files, Path dir) throws IOException {
        List<Path> all = list(files, dir);
        return all.isEmpty() ? 0 : seqOf(all.get(0));
    }

    static long seqOf(Path snapshot) {
        String n = snapshot.getFileName().toString();
        return Long.parseLong(n.substring(PREFIX.length(), n.length() - SUFFIX.length()));
    }

    /** The newest valid snapshot, or null. */
    public static Snapshot latest(FileLayer files, Path dir) throws IOException {
        return load(files, dir).snapshot();
    }

    /** The newest valid snapshot and the damaged ones newer than it (each logged at WARN). */
    public static Loaded load(FileLayer files, Path dir) throws IOException {
        List<Path> all = list(files, dir);
        List<Path> damaged = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0; i--) {
            Snapshot s = read(files, all.get(i));
            if (s != null) {
                return new Loaded(s, all.get(i), damaged);
            }
            damaged.add(all.get(i));
            org.slf4j.LoggerFactory.getLogger(Snapshots.class).warn("snapshot {} is damaged; trying an older one", all.get(i));
        }
        return new Loaded(null, null, damaged);
    }

    private static Snapshot read(FileLayer files, Path p) throws IOException {
        byte[] data = SegmentScan.readAll(files, p);
        if (data.length < 20) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        if (b.getInt() != MAGIC) {
            return null;
        }
        long seq = b.getLong();
        int crc = b.getInt();
        int length = b.getInt();
        if (length != data.length - 20) {
            return null;
        }
        CRC32C c = new CRC32C();
        c.update(data, 20, length);
        if ((int) c.getValue() != crc) {
            return null;
        }
        byte[] state = new byte[length];
        b.get(state);
        return new Snapshot(seq, state);
    }

    static List<Path> list(FileLayer files, Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : files.list(dir)) {
            String n = p.getFileName().toString();
            if (n.startsWith(PREFIX) && n.endsWith(SUFFIX)) {
                out.add(p);
            }
        }
        return out;
    }

    private static void prune(FileLayer files, Path dir) throws IOException {
        List<Path> all = list(files, dir);
        for (int i = 0; i < all.size() - KEEP; i++) {
            files.delete(all.get(i));
        }
        for (Path p : files.list(dir)) {
            if (p.getFileName().toString().endsWith(".tmp")) {
                files.delete(p);
            }
        }
    }
}
