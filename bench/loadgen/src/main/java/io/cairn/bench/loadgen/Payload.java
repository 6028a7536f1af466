package io.cairn.bench.loadgen;

import io.netty.buffer.ByteBuf;

/**
 * The layout of a test message: publisher index, sequence, send time ({@link System#nanoTime()}, the
 * same clock at the subscribers since both run in this process) and a marker, then padding.
 * Stateless; safe from any thread.
 */
final class Payload {
    static final int HEADER = 24;
    private static final int MAGIC = 0x4C47_4D51; // "LGMQ": tells our messages from foreign ones

    private Payload() {}

    static void write(ByteBuf buf, int publisher, long seq, long sendNanos, int size) {
        buf.writeInt(publisher).writeLong(seq).writeLong(sendNanos).writeInt(MAGIC);
        buf.writeZero(size - HEADER);
    }

    static boolean valid(ByteBuf p) {
        return p.readableBytes() >= HEADER && p.getInt(p.readerIndex() + 20) == MAGIC;
    }

    static int publisher(ByteBuf p) {
        return p.getInt(p.readerIndex());
    }

    static long seq(ByteBuf p) {
        return p.getLong(p.readerIndex() + 4);
    }

    static long sendNanos(ByteBuf p) {
        return p.getLong(p.readerIndex() + 12);
    }
}
