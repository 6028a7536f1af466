package io.cairn.store.journal;

import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * The producer side of the journal: the records appended since the last commit and the sequence
 * numbers they get. Small records are placed one after the other in a chunk ({@link SegmentScan#place};
 * the writer seals them later); a large record placed by its encoder with room for the header
 * ({@link #appendPlaced}) is kept in its own array, not copied, so a payload is not copied between the
 * command's encoding and the write. {@link #take} closes the batch for the {@link GroupCommitWriter}
 * and starts the next one, in the same chunk: consecutive small batches share one. A chunk the
 * producer has left is named by the batch that was open then ({@link Batch#retired}): once that batch
 * is forced, every record in the chunk is, and the writer gives it back ({@link #recycle}), so a
 * steady load allocates no chunk per commit.
 *
 * <p>Threading: {@link #append}, {@link #appendPlaced}, {@link #take} and {@link #lastSeq} belong to
 * the one producer thread (the session engine); {@link #recycle} is called by the writer thread (the
 * free list is a concurrent queue). A {@link Batch} it hands out is no longer touched by it, so it may
 * go to the writer thread.
 */
final class RecordBuffer {

    /** Size of a pooled chunk; a larger small-record run gets a chunk of its own size, not pooled. */
    static final int CHUNK = 1 << 16;
    /** A placed record at least this large is kept in its encoder's array instead of being copied. */
    static final int ADOPT_AT = 1 << 13;
    private static final int POOLED_CHUNKS = 64; // 4 MiB: enough for the groups in flight under load

    /**
     * A closed batch: records {@code firstSeq, firstSeq + 1, ...}; record {@code i} is
     * {@code arrays[i][starts[i], starts[i] + sizes[i])}; {@code retired}: chunks the producer left while
     * this batch was open, free for reuse once it is durable. {@code onDurable} runs once its records,
     * and every earlier batch, are durable.
     */
    record Batch(byte[][] arrays, int[] starts, int[] sizes, int count, byte[][] retired, long firstSeq,
                 Runnable onDurable) {}

    private static final byte[][] NONE = new byte[0][];

    private final ArrayBlockingQueue<byte[]> free = new ArrayBlockingQueue<>(POOLED_CHUNKS);
    private byte[] chunk;
    private int used;
    private final java.util.ArrayList<byte[]> retired = new java.util.ArrayList<>();
    private byte[][] arrays = new byte[256][];
    private int[] starts = new int[256];
    private int[] sizes = new int[256];
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
        return append(type, body, 0, body.length);
    }

    /** Appends a record whose body is the first {@code length} bytes of {@code body} (copied here). */
    long append(int type, byte[] body, int length) {
        return append(type, body, 0, length);
    }

    /** Appends a record whose body is {@code body[from, from + length)} (copied here). */
    long append(int type, byte[] body, int from, int length) {
        int need = SegmentScan.size(length);
        if (chunk == null || used + need > chunk.length) {
            newChunk(need);
        }
        add(chunk, used, need);
        used += SegmentScan.place(chunk, used, type, body, from, length); // the writer seals it
        return ++lastSeq;
    }

    /**
     * Appends a record whose body is {@code array[BODY_OFFSET, BODY_OFFSET + length)}: a large one is
     * kept in {@code array} (its header written into the room before the body), so the caller must not
     * touch the array again; a small one is copied into the chunk.
     */
    long appendPlaced(int type, byte[] array, int length) {
        if (length < ADOPT_AT) {
            return append(type, array, Journal.BODY_OFFSET, length);
        }
        add(array, 0, SegmentScan.placeHeader(array, 0, type, length));
        return ++lastSeq;
    }

    /**
     * Closes the current batch and hands it over. Its records' bytes are no longer touched here; the
     * next batch goes on in the rest of the current chunk.
     */
    Batch take(Runnable onDurable) {
        Batch b = new Batch(Arrays.copyOf(arrays, count), Arrays.copyOf(starts, count), Arrays.copyOf(sizes, count),
                count, retired.isEmpty() ? NONE : retired.toArray(NONE), batchFirstSeq, onDurable);
        Arrays.fill(arrays, 0, count, null); // the batch's arrays are not ours to keep alive
        retired.clear();
        count = 0;
        batchFirstSeq = lastSeq + 1;
        return b;
    }

    /** Gives back a retired chunk whose records are durable (writer thread); a full free list drops it. */
    void recycle(byte[] array) {
        free.offer(array);
    }

    /** Sequence number of the last record appended. */
    long lastSeq() {
        return lastSeq;
    }

    private void newChunk(int need) {
        if (chunk != null && chunk.length == CHUNK) {
            retired.add(chunk); // its last record is in this batch or an earlier one
        }
        byte[] pooled = need <= CHUNK ? free.poll() : null;
        chunk = pooled != null ? pooled : new byte[Math.max(CHUNK, need)];
        used = 0;
    }

    private void add(byte[] array, int start, int size) {
        if (count == arrays.length) {
            arrays = Arrays.copyOf(arrays, count * 2);
            starts = Arrays.copyOf(starts, count * 2);
            sizes = Arrays.copyOf(sizes, count * 2);
        }
        arrays[count] = array;
        starts[count] = start;
        sizes[count++] = size;
    }
}
