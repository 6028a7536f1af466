package io.cairn.store.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The record format, and reading the records of one segment to find where valid data ends. A record
 * is {@code [int length][int crc32c][int forced][byte type][body]} where length counts type and body,
 * and the CRC covers the length, forced, type and body. A zero length and CRC mark the end of data
 * (the preallocated rest of a segment is zeros).
 *
 * <p>{@code forced} is the segment offset up to which the segment was known to be forced when the
 * writer wrote the group (the one positional write) this record belongs to: every byte before it was
 * durable before any byte of the group was written. In {@code sync} mode that is where the group
 * begins; in {@code periodic} mode several groups written between two forces carry the same value;
 * the first group in a new segment carries {@link Segments#HEADER_SIZE}. The producer only places
 * a record ({@link #place}); the writer {@link #seal}s it once it knows where it goes (again after a
 * rewrite into a fresh segment). {@link #recordsAfter} uses it to tell a torn write from damage in
 * forced data.
 *
 * <p>Threading: stateless; {@link #place} and {@link #seal} run on the thread owning the buffer, the
 * rest on the thread that opens or repairs a journal.
 */
final class SegmentScan {

    static final int HEADER = 12;

    /** Receives each valid record with its position in the segment. */
    interface Visitor {
        void record(long offset, int type, byte[] body) throws IOException;
    }

    /**
     * How a scan ended: the end of valid data, how many records were read, whether it stopped
     * because it had read as many as asked, and, if a record was damaged, where and why.
     * {@code nonZeroEnd} is where the non-zero bytes end (only computed when the scan did not stop
     * at its limit).
     */
    record Result(long validEnd, long records, boolean limitReached, long damageAt, String damage, long nonZeroEnd) {
        boolean damaged() {
            return damageAt >= 0;
        }
    }

    /**
     * What follows a break in the records at offset {@code at}: the first valid record after it
     * ({@code -1} if none), and the first valid record whose group was written when the segment was
     * already forced beyond {@code at} ({@code -1} if none), with the forced offset it carries.
     */
    record After(long firstValid, long forcedBeyond, long forcedOffset) {
        boolean anyValid() {
            return firstValid >= 0;
        }

        /** Every valid record after the break belongs to a group written before the break was forced. */
        boolean tornWrite() {
            return forcedBeyond < 0;
        }
    }

    private SegmentScan() {
    }

    static byte[] readAll(FileLayer files, Path file) throws IOException {
        try (FileLayer.LogFile f = files.open(file)) {
            long size = f.size();
            if (size > Integer.MAX_VALUE - 16) {
                throw new IOException(file + " is larger than a segment can be");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            while (buf.hasRemaining()) {
                if (f.read(buf, buf.position()) < 0) {
                    break;
                }
            }
            return buf.array();
        }
    }

    /**
     * Reads records from offset {@code from} until {@code maxRecords} were read, the end-of-data
     * marker (a zero header), damage, or the end of {@code data}.
     */
    static Result scan(byte[] data, int from, long maxRecords, Visitor visitor) throws IOException {
        int off = from;
        long n = 0;
        while (n < maxRecords && off + HEADER <= data.length) {
            if (readInt(data, off) == 0 && readInt(data, off + 4) == 0) {
                return new Result(off, n, false, -1, null, nonZeroEnd(data, off));
            }
            String problem = problemAt(data, off);
            if (problem != null) {
                return new Result(off, n, false, off, problem, nonZeroEnd(data, off));
            }
            int length = readInt(data, off);
            byte[] body = new byte[length - 1];
            System.arraycopy(data, off + HEADER + 1, body, 0, body.length);
            visitor.record(off, data[off + HEADER] & 0xFF, body);
            off += HEADER + length;
            n++;
        }
        if (n == maxRecords) {
            return new Result(off, n, true, -1, null, off);
        }
        long nonZero = nonZeroEnd(data, off);
        if (nonZero > off) {
            return new Result(off, n, false, off, "record header cut off at the end of the file", nonZero);
        }
        return new Result(off, n, false, -1, null, off);
    }

    /** Why the bytes at {@code off} are not a valid record, or null if they are one. */
    static String problemAt(byte[] data, int off) {
        if (off + HEADER > data.length) {
            return "record header cut off";
        }
        int length = readInt(data, off);
        if (!possibleLength(data, off, length)) {
            return "impossible record length " + length;
        }
        if (crc(data, off, length) != readInt(data, off + 4)) {
            return "checksum mismatch";
        }
        return null;
    }

    private static boolean possibleLength(byte[] data, int off, int length) {
        return length >= 1 && (long) off + HEADER + length <= data.length;
    }

    /** The CRC of the record at {@code off}: its length, then its forced offset, type and body. */
    private static int crc(byte[] data, int off, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, off, 4);
        crc.update(data, off + 8, 4 + length);
        return (int) crc.getValue();
    }

    /** The forced offset a valid record at {@code off} carries. */
    static long forcedOffset(byte[] data, int off) {
        return readInt(data, off + 8) & 0xFFFFFFFFL;
    }

    /**
     * Looks for valid records after the break at {@code at} and before {@code nonZeroEnd} (no record
     * can start later), and at the forced offset each carries. Positions are tried one by one; a valid
     * record found is stepped over, as a reader would, so the search stays linear over the records a
     * torn write kept after a lost page. A valid record needs its length, its CRC32C and a forced
     * offset not beyond itself to match, so bytes that only look like one are vanishingly rare.
     */
    static After recordsAfter(byte[] data, long at, long nonZeroEnd) {
        long firstValid = -1;
        int p = (int) at + 1;
        while (p + HEADER < data.length && p < nonZeroEnd) {
            if (!validAt(data, p)) {
                p++;
                continue;
            }
            if (firstValid < 0) {
                firstValid = p;
            }
            if (forcedOffset(data, p) > at) {
                return new After(firstValid, p, forcedOffset(data, p));
            }
            p += HEADER + readInt(data, p);
        }
        return new After(firstValid, -1, -1);
    }

    private static boolean validAt(byte[] data, int p) {
        return possibleLength(data, p, readInt(data, p)) && forcedOffset(data, p) <= p && problemAt(data, p) == null;
    }

    static long nonZeroEnd(byte[] data, long from) {
        for (int i = data.length - 1; i >= from; i--) {
            if (data[i] != 0) {
                return i + 1;
            }
        }
        return from;
    }

    static int readInt(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    /** The bytes a record with a body of {@code bodyLength} bytes takes. */
    static int size(int bodyLength) {
        return HEADER + 1 + bodyLength;
    }

    /**
     * Places one record's length, type and body into {@code out} at {@code off}, to be {@link #seal}ed
     * before it is written; returns its size.
     */
    static int place(byte[] out, int off, int type, byte[] body) {
        return place(out, off, type, body, body.length);
    }

    /** As {@link #place(byte[], int, int, byte[])} with the body in the first {@code length} bytes of {@code body}. */
    static int place(byte[] out, int off, int type, byte[] body, int length) {
        return place(out, off, type, body, 0, length);
    }

    /** As {@link #place(byte[], int, int, byte[])} with the body in {@code body[from, from + length)}. */
    static int place(byte[] out, int off, int type, byte[] body, int from, int length) {
        System.arraycopy(body, from, out, off + HEADER + 1, length);
        return placeHeader(out, off, type, length);
    }

    /** Places the length and type of a record whose body of {@code length} bytes is already in place. */
    static int placeHeader(byte[] out, int off, int type, int length) {
        writeInt(out, off, length + 1);
        out[off + HEADER] = (byte) type;
        return size(length);
    }

    /** Sets the forced offset of the placed record at {@code off} and its CRC; returns its size. */
    static int seal(byte[] out, int off, long forced) {
        int length = readInt(out, off);
        writeInt(out, off + 8, (int) forced);
        writeInt(out, off + 4, crc(out, off, length));
        return HEADER + length;
    }

    /** Places and seals one record (for tools and tests that build segments). */
    static int encode(byte[] out, int off, int type, byte[] body, long forced) {
        place(out, off, type, body);
        return seal(out, off, forced);
    }

    static void writeInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }
}
