package io.cairn.bench.loadgen;

import io.netty.buffer.ByteBuf;

/**
 * The layout of a test message: publisher index, sequence, send time ({@link System#nanoTime()}, the
 * same clock at the subscribers since both run in this process) and a marker, then zero padding.
 * {@link Publisher} writes the marker once into its packet template and {@link #set} the rest per
 * message; {@link Subscriber} reads them in place from the received buffer.
 * Stateless; safe from any thread.
 */
final class Payload {
    static final int HEADER = 24;
    private static final int MAGIC = 0x4C47_4D51; // "LGMQ": tells our messages from foreign ones

    private Payload() {}

    /** The offset of the marker in a payload: where the publisher writes it into a template. */
    static final int MAGIC_OFFSET = 20;

    static int magic() {
        return MAGIC;
    }

    /** Whether {@code buf[off, end)} is one of our payloads. */
    static boolean valid(ByteBuf buf, int off, int end) {
        return end - off >= HEADER && buf.getInt(off + MAGIC_OFFSET) == MAGIC;
    }

    static int publisher(ByteBuf buf, int off) {
        return buf.getInt(off);
    }

    static long seq(ByteBuf buf, int off) {
        return buf.getLong(off + 4);
    }

    static long sendNanos(ByteBuf buf, int off) {
        return buf.getLong(off + 12);
    }

    /** Writes publisher, sequence and send time into a payload at {@code off} whose marker is already there. */
    static void set(ByteBuf buf, int off, int publisher, long seq, long sendNanos) {
        buf.setInt(off, publisher);
        buf.setLong(off + 4, seq);
        buf.setLong(off + 12, sendNanos);
    }
}
