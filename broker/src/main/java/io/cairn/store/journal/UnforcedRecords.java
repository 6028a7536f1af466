package io.cairn.store.journal;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The records written (or about to be) since the last successful force, in order: the copy the
 * {@link GroupCommitWriter} writes again into a fresh segment after a failed write or force, because
 * the kernel may have dropped the pages it had.
 *
 * <p>Threading: owned by the writer thread ({@code cairn-journal}); not thread-safe.
 */
final class UnforcedRecords {

    private byte[] bytes = new byte[1 << 16];
    private int used;
    private int[] starts = new int[256];
    private int count;
    private long firstSeq;

    /** Adds the records of a batch after those already here. */
    void add(RecordBuffer.Batch b) {
        if (count == 0) {
            firstSeq = b.firstSeq();
        }
        if (used + b.length() > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, used + b.length()));
        }
        if (count + b.starts().length > starts.length) {
            starts = Arrays.copyOf(starts, Math.max(starts.length * 2, count + b.starts().length));
        }
        for (int s : b.starts()) {
            starts[count++] = used + s;
        }
        System.arraycopy(b.bytes(), 0, bytes, used, b.length());
        used += b.length();
    }

    /** How many records there are. */
    int count() {
        return count;
    }

    /** The sequence number of record 0 (meaningful while {@link #count} is not zero). */
    long firstSeq() {
        return firstSeq;
    }

    /** Where record {@code i} starts; for {@code i == count}, the end of the last one. */
    int start(int i) {
        return i == count ? used : starts[i];
    }

    int length(int i) {
        return start(i + 1) - start(i);
    }

    /**
     * Records {@code [from, to)}, each sealed with the offset up to which their segment is known to be
     * forced ({@link SegmentScan#seal}), as one buffer to write.
     */
    ByteBuffer sealed(int from, int to, long forcedEnd) {
        for (int i = from; i < to; i++) {
            SegmentScan.seal(bytes, start(i), forcedEnd);
        }
        return ByteBuffer.wrap(bytes, start(from), start(to) - start(from));
    }

    /** Forgets every record (they are durable); a buffer grown by a burst is given back. */
    void clear() {
        used = 0;
        count = 0;
        if (bytes.length > 1 << 22) {
            bytes = new byte[1 << 16];
        }
    }
}
