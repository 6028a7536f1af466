package io.cairn.store.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The segment file format and its names. A segment {@code %020d.log} is named by the sequence number
 * of its first record and starts with a fixed header of {@value #HEADER_SIZE} bytes:
 * {@code [int magic "CJNL"][int format version][long first sequence number][long capacity]
 * [int crc32c of the 24 bytes before][4 zero bytes]}, followed by records ({@link SegmentScan}) and
 * zeros up to the capacity it was created with. Spare files {@code spare-<n>.seg} are zeroed files
 * waiting to become segments; they are never part of the journal.
 *
 * <p>Threading: stateless; any thread.
 */
final class Segments {

    static final int MAGIC = 0x434a4e4c; // "CJNL"
    static final int VERSION = 1;
    static final int HEADER_SIZE = 32;
    static final String SUFFIX = ".log";
    private static final String SPARE_PREFIX = "spare-";
    private static final String SPARE_SUFFIX = ".seg";

    /** A valid segment header. */
    record Header(long firstSeq, long capacity) {}

    private Segments() {
    }

    static String segmentName(long firstSeq) {
        return String.format("%020d%s", firstSeq, SUFFIX);
    }

    static long firstSeqOf(Path segment) {
        String n = segment.getFileName().toString();
        return Long.parseLong(n.substring(0, n.length() - SUFFIX.length()));
    }

    /** The segments of {@code dir}, in sequence order. */
    static List<Path> segmentPaths(FileLayer files, Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : files.list(dir)) {
            String n = p.getFileName().toString();
            if (n.endsWith(SUFFIX) && n.length() == 20 + SUFFIX.length() && n.chars().limit(20).allMatch(Character::isDigit)) {
                out.add(p);
            }
        }
        return out;
    }

    static Path spareName(Path dir, long n) {
        return dir.resolve(SPARE_PREFIX + n + SPARE_SUFFIX);
    }

    static boolean isSpare(Path p) {
        String n = p.getFileName().toString();
        return n.startsWith(SPARE_PREFIX) && n.endsWith(SPARE_SUFFIX);
    }

    static byte[] header(long firstSeq, long capacity) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE);
        b.putInt(MAGIC).putInt(VERSION).putLong(firstSeq).putLong(capacity);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 24);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** The header of a segment's bytes, or null if it has none this version can use ({@link #headerProblem} says why). */
    static Header readHeader(byte[] data) {
        if (data.length < HEADER_SIZE) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        int magic = b.getInt();
        int version = b.getInt();
        long firstSeq = b.getLong();
        long capacity = b.getLong();
        CRC32C crc = new CRC32C();
        crc.update(data, 0, 24);
        if (magic != MAGIC || version != VERSION || (int) crc.getValue() != b.getInt()) {
            return null;
        }
        return new Header(firstSeq, capacity);
    }

    /** Why {@code data} has no usable header (call when {@link #readHeader} returned null). */
    static String headerProblem(byte[] data) {
        if (data.length == 0) {
            return "the file is empty (zero length)";
        }
        if (data.length < HEADER_SIZE) {
            return "the file is " + data.length + " bytes, shorter than a segment header";
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        if (b.getInt() != MAGIC) {
            return "it has no segment header (bad magic number: written by a Cairn before journal format "
                    + VERSION + ", or not a journal segment)";
        }
        int version = b.getInt();
        if (version > VERSION) {
            return "it was written by a newer Cairn (journal format " + version + "; this one reads format "
                    + VERSION + ")";
        }
        if (version != VERSION) {
            return "its header names journal format " + version + ", which no Cairn wrote (damaged)";
        }
        return "its segment header fails its checksum";
    }

    static boolean newerFormat(byte[] data) {
        return data.length >= 8 && ByteBuffer.wrap(data).getInt() == MAGIC && ByteBuffer.wrap(data).getInt(4) > VERSION;
    }

    /**
     * Makes {@code spare} the segment {@code target}: grows it to {@code capacity} with zeros if
     * {@code preallocate} (a spare from the pool already is), writes the header, forces, renames it
     * into place and syncs the directory. On failure the spare is deleted (best effort) and the
     * target is untouched unless the rename happened. Returns the open file.
     */
    static FileLayer.LogFile install(FileLayer files, Path spare, Path target, long firstSeq, long capacity,
                                     boolean preallocate) throws IOException {
        FileLayer.LogFile f = files.open(spare);
        try {
            if (preallocate) {
                f.preallocate(capacity);
            }
            f.write(ByteBuffer.wrap(header(firstSeq, capacity)), 0);
            f.force();
            files.rename(spare, target);
            files.syncDirectory(target.getParent());
            return f;
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(f);
            try {
                files.delete(spare);
            } catch (IOException | RuntimeException ignored) {
                // a leftover spare is deleted at the next start-up
            }
            throw e;
        }
    }

    /**
     * Zeros are forced every 4 MiB while a segment is filled: on ext4 (data=ordered) an fdatasync of
     * the journal can carry other files' dirty blocks with it, so 64 MiB of dirty zeros from a spare
     * being prepared would land in one acknowledgement's fsync.
     */
    static final long ZERO_FORCE_EVERY = 4L << 20;

    /** Writes zeros over {@code [from, to)} and forces. */
    static void zero(FileLayer.LogFile f, long from, long to) throws IOException {
        if (to <= from) {
            return;
        }
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(1 << 20, to - from));
        long unforced = 0;
        for (long p = from; p < to; p += zeros.capacity()) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), to - p));
            f.write(zeros, p);
            unforced += zeros.limit();
            if (unforced >= ZERO_FORCE_EVERY) {
                f.force();
                unforced = 0;
            }
        }
        f.force();
    }

    static void closeQuietly(FileLayer.LogFile f) {
        try {
            f.close();
        } catch (IOException ignored) {
            // a file we no longer use
        }
    }
}
