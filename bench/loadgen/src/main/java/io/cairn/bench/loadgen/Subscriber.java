package io.cairn.bench.loadgen;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
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

    volatile long received;
    volatile long unique;
    long dups;
    long reordered;
    long foreign;
    long bytes;
    volatile long lastRecvNanos;

    Subscriber(Config cfg, String clientId, String filter, Publisher[] sources, Runnable onSettled) {
        super(cfg, clientId, filter, onSettled);
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
    protected void onPacket(MqttMessage m) {
        switch (m.fixedHeader().messageType()) {
            case PUBLISH -> onPublish((MqttPublishMessage) m);
            case PUBREL -> reply(MqttMessageType.PUBCOMP, m);
            default -> { }
        }
    }

    private void onPublish(MqttPublishMessage m) {
        long now = System.nanoTime();
        ByteBuf p = m.payload();
        received = received + 1;
        lastRecvNanos = now;
        bytes += p.readableBytes();
        int qos = m.fixedHeader().qosLevel().value();
        if (qos == 1) reply(MqttMessageType.PUBACK, m);
        else if (qos == 2) reply(MqttMessageType.PUBREC, m);
        int pub = Payload.valid(p) ? Payload.publisher(p) : -1;
        if (pub < 0 || pub >= seen.length) {
            foreign++;
            return;
        }
        long seq = Payload.seq(p);
        latency.recordValue(Math.min(Math.max(0, now - Payload.sendNanos(p)), latency.getHighestTrackableValue()));
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

    private void reply(MqttMessageType type, MqttMessage m) {
        int id = m instanceof MqttPublishMessage pm ? pm.variableHeader().packetId()
                : ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
        ctx.write(new MqttMessage(new MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(id)));
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush(); // one flush for the batch of acknowledgements
        for (Publisher p : sources) p.wakeIfBlocked();
    }
}
