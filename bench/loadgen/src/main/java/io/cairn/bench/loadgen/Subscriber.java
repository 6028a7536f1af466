package io.cairn.bench.loadgen;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttMessage;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;

/**
 * Receives test messages and checks them per publisher: duplicates (a sequence seen before),
 * reordering (a sequence below the highest seen), loss (computed at the end from what was sent);
 * records end-to-end latency in its own histogram. Acknowledges QoS 1 (PUBACK) and QoS 2 (PUBREC,
 * then PUBCOMP on PUBREL).
 *
 * <p>Threading: handlers run on the channel's event loop; the histogram and bitsets are confined to
 * it and read by the main thread only after the connection is closed and its loop has run a task
 * submitted by the main thread (see {@link LoadRun}). {@link #seenNext} is read by publishers on
 * other loops, hence the atomic array.
 */
final class Subscriber extends Conn {
    private final Publisher[] sources; // publishers whose backlog waits for this subscriber
    private final BitSet[] seen;
    private final long[] highest;
    private final AtomicLongArray seenNext; // per publisher: highest sequence seen + 1
    final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    private final LoadRun run;

    volatile long received;
    volatile long unique;
    long dups;
    long reordered;
    long foreign;
    long bytes;
    volatile long lastRecvNanos;

    Subscriber(Config cfg, LoadRun run, String clientId, String filter, Publisher[] sources, Runnable onSettled) {
        super(cfg, clientId, filter, onSettled);
        this.run = run;
        this.sources = sources;
        this.seen = new BitSet[cfg.pubs];
        this.highest = new long[cfg.pubs];
        this.seenNext = new AtomicLongArray(cfg.pubs);
        for (int i = 0; i < cfg.pubs; i++) {
            seen[i] = new BitSet();
            highest[i] = -1;
        }
    }

    long seenNext(int publisher) {
        return seenNext.get(publisher);
    }

    @Override
    protected void onPacket(MqttMessage m) { } // setup phase only: nothing is published yet

    @Override
    protected void onPublish(int b0, ByteBuf buf, int off, int len) {
        long now = System.nanoTime();
        int end = off + len;
        int qos = (b0 >>> 1) & 3;
        int p = off + 2 + buf.getUnsignedShort(off); // after the topic
        int packetId = 0;
        if (qos > 0) {
            packetId = buf.getUnsignedShort(p);
            p += 2;
        }
        if (cfg.mqtt == 5) { // skip the properties: a variable byte integer length, then the bytes
            int propLen = 0;
            int shift = 0;
            int b;
            do {
                b = buf.getUnsignedByte(p++);
                propLen |= (b & 0x7F) << shift;
                shift += 7;
            } while ((b & 0x80) != 0 && shift <= 21);
            p += propLen;
        }
        if (p > end) {
            fail("malformed PUBLISH");
            return;
        }
        received = received + 1;
        lastRecvNanos = now;
        bytes += end - p;
        if (qos == 1) reply(0x40, packetId); // PUBACK
        else if (qos == 2) reply(0x50, packetId); // PUBREC
        int pub = Payload.valid(buf, p, end) ? Payload.publisher(buf, p) : -1;
        if (pub < 0 || pub >= seen.length) {
            foreign++;
            return;
        }
        long seq = Payload.seq(buf, p);
        long sendNanos = Payload.sendNanos(buf, p);
        if (sendNanos - run.latencyFrom >= 0) { // sent after the --warmup period
            latency.recordValue(Math.min(Math.max(0, now - sendNanos), latency.getHighestTrackableValue()));
            if (cfg.slowLogUs > 0 && now - sendNanos > cfg.slowLogUs * 1000) {
                long recvMs = System.currentTimeMillis();
                System.out.printf("SLOW publisher=%d seq=%d latency_us=%d sent_ms=%d received_ms=%d%n", pub, seq,
                        (now - sendNanos) / 1000, recvMs - (now - sendNanos) / 1_000_000, recvMs);
            }
        }
        if (seen[pub].get((int) seq)) {
            dups++;
            return;
        }
        seen[pub].set((int) seq);
        unique = unique + 1;
        if (seq < highest[pub]) {
            reordered++;
        } else {
            highest[pub] = seq;
            seenNext.lazySet(pub, seq + 1);
        }
    }

    @Override
    protected void onAck(int type, int packetId, int reason) {
        if (type == 6) reply(0x70, packetId); // PUBREL -> PUBCOMP
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        writeReplies();
        ctx.flush(); // one flush for the batch of acknowledgements
        for (Publisher p : sources) p.wakeIfBlocked();
    }
}
