package io.cairn.store.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Reads the records of one segment file and finds where valid data ends. A record is
 * {@code [int length][int crc32c][byte type][body]} where length counts type and body, and the CRC
 * covers the length, type and body. A zero header (length and CRC 0) marks the end of data (the
 * preallocated rest of a segment is zeros).
 *
 * <p>Threading: stateless; used by the thread that opens or repairs a journal.
 */
final class SegmentScan {

    static final int HEADER = 8;

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
        if (length < 1 || (long) off + HEADER + length > data.length) {
            return "impossible record length " + length;
        }
        CRC32C crc = new CRC32C();
        crc.update(data, off, 4);
        crc.update(data, off + HEADER, length);
        if ((int) crc.getValue() != readInt(data, off + 4)) {
            return "checksum mismatch";
        }
        return null;
    }

    /**
     * Whether any valid record starts after {@code from} and before {@code nonZeroEnd} (none can
     * start later): damage or an end-of-data marker followed by data is corruption, not a torn tail.
     */
    static boolean validRecordAfter(byte[] data, long from, long nonZeroEnd) {
        for (int p = (int) from + 1; p + HEADER < data.length && p < nonZeroEnd; p++) {
            int length = readInt(data, p);
            if (length >= 1 && (long) p + HEADER + length <= data.length && problemAt(data, p) == null) {
                return true;
            }
        }
        return false;
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

    /** Encodes one record into {@code out} at {@code off}; returns the bytes written. */
    static int encode(byte[] out, int off, int type, byte[] body) {
        int length = body.length + 1;
        writeInt(out, off, length);
        out[off + HEADER] = (byte) type;
        System.arraycopy(body, 0, out, off + HEADER + 1, body.length);
        CRC32C crc = new CRC32C();
        crc.update(out, off, 4);
        crc.update(out, off + HEADER, length);
        writeInt(out, off + 4, (int) crc.getValue());
        return HEADER + length;
    }

    static void writeInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }
}
