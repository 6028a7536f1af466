package io.cairn.store.journal;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;

/**
 * The records written (or about to be) since the last successful force, in order: what the
 * {@link GroupCommitWriter} writes again into a fresh segment after a failed write or force, because
 * the kernel may have dropped the pages it had. It keeps the batches' arrays themselves (no copy) and
 * gives the chunks they retired back to the {@link RecordBuffer} once they are forced.
 *
 * <p>Threading: owned by the writer thread ({@code cairn-journal}); not thread-safe.
 */
final class UnforcedRecords {

    private final RecordBuffer owner;
    private byte[][] arrays = new byte[256][];
    private int[] starts = new int[256];
    private int[] sizes = new int[256];
    /** ends[i]: bytes of records 0..i together, so that a run's size is one subtraction. */
    private long[] ends = new long[256];
    private int count;
    private long firstSeq;
    private final java.util.ArrayList<byte[]> retired = new java.util.ArrayList<>();

    /** Records whose chunks go back to {@code owner} once forced. */
    UnforcedRecords(RecordBuffer owner) {
        this.owner = owner;
    }

    /** Adds the records of a batch after those already here. */
    void add(RecordBuffer.Batch b) {
        if (count == 0) {
            firstSeq = b.firstSeq();
        }
        if (count + b.count() > arrays.length) {
            int n = Math.max(arrays.length * 2, count + b.count());
            arrays = Arrays.copyOf(arrays, n);
            starts = Arrays.copyOf(starts, n);
            sizes = Arrays.copyOf(sizes, n);
            ends = Arrays.copyOf(ends, n);
        }
        Collections.addAll(retired, b.retired());
        for (int i = 0; i < b.count(); i++) {
            arrays[count] = b.arrays()[i];
            starts[count] = b.starts()[i];
            sizes[count] = b.sizes()[i];
            ends[count] = (count == 0 ? 0 : ends[count - 1]) + sizes[count];
            count++;
        }
    }

    /** How many records there are. */
    int count() {
        return count;
    }

    /** The sequence number of record 0 (meaningful while {@link #count} is not zero). */
    long firstSeq() {
        return firstSeq;
    }

    /** Where record {@code i} starts in the run of all records; for {@code i == count}, the end of the last one. */
    long start(int i) {
        return i == 0 ? 0 : ends[i - 1];
    }

    int length(int i) {
        return sizes[i];
    }

    /**
     * Records {@code [from, to)}, each sealed with the offset up to which their segment is known to be
     * forced ({@link SegmentScan#seal}), as buffers to write one after the other: one per run of records
     * that lie next to each other in one array.
     */
    ByteBuffer[] sealed(int from, int to, long forcedEnd) {
        ByteBuffer[] out = new ByteBuffer[runs(from, to)];
        int n = 0;
        for (int i = from; i < to; ) {
            int j = i;
            do {
                SegmentScan.seal(arrays[j], starts[j], forcedEnd);
                j++;
            } while (j < to && adjacent(j - 1, j));
            out[n++] = ByteBuffer.wrap(arrays[i], starts[i], starts[j - 1] + sizes[j - 1] - starts[i]);
            i = j;
        }
        return out;
    }

    /** Forgets every record (they are durable) and gives back the chunks retired by their batches. */
    void clear() {
        Arrays.fill(arrays, 0, count, null);
        count = 0;
        for (byte[] chunk : retired) {
            owner.recycle(chunk); // every record in it was in a batch up to the one that retired it
        }
        retired.clear();
    }

    private int runs(int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            if (i == from || !adjacent(i - 1, i)) {
                n++;
            }
        }
        return n;
    }

    private boolean adjacent(int a, int b) {
        return arrays[a] == arrays[b] && starts[a] + sizes[a] == starts[b];
    }
}
