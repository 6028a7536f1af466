package io.cairn.store.journal;

import java.util.Arrays;

/**
 * The producer side of the journal: the records appended since the last commit, placed one after the
 * other in one byte array ({@link SegmentScan#place}; the writer seals them later), and the sequence
 * numbers they get. {@link #take} closes the batch for the {@link GroupCommitWriter} and starts the
 * next one.
 *
 * <p>Threading: owned by the one producer thread (the session engine); not thread-safe. A {@link Batch}
 * it hands out is no longer touched by it, so it may go to the writer thread.
 */
final class RecordBuffer {

    /**
     * A closed batch: records {@code firstSeq, firstSeq + 1, ...} starting at {@code starts} in
     * {@code bytes[0, length)}; {@code onDurable} runs once they, and every earlier batch, are durable.
     */
    record Batch(byte[] bytes, int[] starts, int length, long firstSeq, Runnable onDurable) {}

    private byte[] bytes = new byte[1 << 16];
    private int used;
    private int[] starts = new int[256];
    private int count;
    private long lastSeq;
    private long batchFirstSeq;

    /** A buffer whose first record gets the sequence number after {@code lastSeq}. */
    RecordBuffer(long lastSeq) {
        this.lastSeq = lastSeq;
        this.batchFirstSeq = lastSeq + 1;
    }

    /** Adds a record to the current batch; returns its sequence number. */
    long append(int type, byte[] body) {
        return append(type, body, body.length);
    }

    /** Appends a record whose body is the first {@code length} bytes of {@code body} (copied here). */
    long append(int type, byte[] body, int length) {
        int need = SegmentScan.size(length);
        if (used + need > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, used + need));
        }
        if (count == starts.length) {
            starts = Arrays.copyOf(starts, count * 2);
        }
        starts[count++] = used;
        used += SegmentScan.place(bytes, used, type, body, length); // the writer seals it
        return ++lastSeq;
    }

    /** Closes the current batch and hands it over: its bytes now belong to the batch. */
    Batch take(Runnable onDurable) {
        Batch b = new Batch(bytes, Arrays.copyOf(starts, count), used, batchFirstSeq, onDurable);
        // the next batch is likely about as large as this one: start there, within bounds
        bytes = new byte[Math.max(1 << 12, Math.min(used * 2, 1 << 20))];
        used = 0;
        count = 0;
        batchFirstSeq = lastSeq + 1;
        return b;
    }

    /** Sequence number of the last record appended. */
    long lastSeq() {
        return lastSeq;
    }
}
