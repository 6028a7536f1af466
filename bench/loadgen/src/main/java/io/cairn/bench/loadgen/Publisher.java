package io.cairn.bench.loadgen;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Publishes sequence-numbered messages on PREFIX/index, keeping at most {@code window} QoS 1/2
 * messages unacknowledged, optionally at a fixed rate and within {@code --max-backlog} of its
 * slowest subscriber. Full QoS 2 flow: PUBLISH, PUBREC, PUBREL, PUBCOMP.
 *
 * <p>Threading: {@link #pump} and the handlers run on the channel's event loop only; subscribers
 * (other event loops) wake a publisher stalled on the backlog through {@link #wakeIfBlocked}, which
 * hops onto its event loop. Counters are volatile with a single writer so the main thread can
 * watch progress.
 */
final class Publisher extends Conn {
    private static final int BURST = 512; // messages per pump before yielding to reads

    final int index;
    private final String topic;
    private final MqttFixedHeader publishHeader;
    private final Subscriber[] audience; // subscribers that receive this publisher (for the backlog)
    private final LoadRun run;
    private final double nanosPerMsg; // 0: as fast as the window allows
    private final AtomicBoolean backlogBlocked = new AtomicBoolean();
    private int nextPacketId = 1;
    private long backlogLow;
    private boolean timerPending;
    private int window; // the configured window, lowered to the broker's Receive Maximum

    volatile long sent;
    volatile long completed; // QoS 0: written; QoS 1: PUBACK; QoS 2: PUBCOMP
    volatile long lastAckNanos;
    volatile long errors; // 5.0 PUBACK/PUBREC with a reason code >= 0x80
    volatile boolean finished; // no more messages will be sent

    Publisher(Config cfg, LoadRun run, int index, String clientId, Subscriber[] audience, Runnable onSettled) {
        super(cfg, clientId, null, onSettled);
        this.run = run;
        this.index = index;
        this.topic = cfg.topicPrefix + "/" + index;
        this.audience = audience;
        this.publishHeader = new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.valueOf(cfg.qos), false, 0);
        this.nanosPerMsg = cfg.rate > 0 ? 1e9 * cfg.pubs / cfg.rate : 0;
    }

    /** Starts publishing; called from any thread once every connection is ready. */
    void start() {
        window = Math.min(cfg.window, serverReceiveMaximum);
        wake();
    }

    /** Runs {@link #pump} on the event loop; from any thread (the main thread uses it to stop). */
    void wake() {
        ctx.executor().execute(this::pump);
    }

    /** Sends what the window, the rate, the backlog and the socket allow, then flushes once. */
    void pump() {
        if (finished || !ctx.channel().isActive()) return;
        long now = System.nanoTime();
        int n = 0;
        while (ctx.channel().isWritable()) {
            long s = sent;
            if (s >= cfg.count || run.stopPublishing) {
                finished = true;
                break;
            }
            if (cfg.qos > 0 && s - completed >= window) break;
            if (nanosPerMsg > 0) {
                long due = run.startNanos + (long) (s * nanosPerMsg);
                if (due > now) {
                    scheduleAt(due, now);
                    break;
                }
            }
            if (cfg.maxBacklog > 0 && s >= backlogLow + cfg.maxBacklog && backlogStalled(s)) break;
            if (n == BURST) {
                ctx.executor().execute(this::pump); // let this loop's reads run
                break;
            }
            send(s, now);
            n++;
        }
        if (n > 0) ctx.flush();
    }

    private void send(long seq, long now) {
        ByteBuf payload = ctx.alloc().buffer(cfg.size);
        Payload.write(payload, index, seq, nanosPerMsg > 0 ? System.nanoTime() : now, cfg.size);
        int packetId = 0;
        if (cfg.qos > 0) {
            packetId = nextPacketId;
            nextPacketId = packetId == 65535 ? 1 : packetId + 1; // window <= 65535: never still in use
        }
        ctx.write(new MqttPublishMessage(publishHeader,
                new MqttPublishVariableHeader(topic, packetId, MqttProperties.NO_PROPERTIES), payload));
        sent = seq + 1;
        if (cfg.qos == 0) {
            completed = seq + 1;
            lastAckNanos = now;
        }
    }

    /** True when the slowest subscriber is still {@code maxBacklog} behind sequence {@code s}. */
    private boolean backlogStalled(long s) {
        backlogLow = lowestSeen();
        if (s < backlogLow + cfg.maxBacklog) return false;
        backlogBlocked.set(true);
        backlogLow = lowestSeen(); // re-read: a subscriber may have advanced before the flag was set
        if (s < backlogLow + cfg.maxBacklog) {
            backlogBlocked.set(false);
            return false;
        }
        return true;
    }

    private long lowestSeen() {
        long low = Long.MAX_VALUE;
        for (Subscriber sub : audience) low = Math.min(low, sub.seenNext(index));
        return low == Long.MAX_VALUE ? sent : low;
    }

    /** Called by a subscriber after a batch of reads; cheap when this publisher is not stalled. */
    void wakeIfBlocked() {
        if (backlogBlocked.get() && backlogBlocked.compareAndSet(true, false)) {
            ctx.executor().execute(this::pump);
        }
    }

    private void scheduleAt(long due, long now) {
        if (timerPending) return;
        timerPending = true;
        ctx.executor().schedule(() -> {
            timerPending = false;
            pump();
        }, due - now, TimeUnit.NANOSECONDS);
    }

    @Override
    protected void onPacket(MqttMessage m) {
        switch (m.fixedHeader().messageType()) {
            case PUBACK -> {
                checkReason(m);
                acked();
            }
            case PUBREC -> {
                checkReason(m);
                int id = ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
                ctx.write(new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE,
                        false, 0), MqttMessageIdVariableHeader.from(id)));
            }
            case PUBCOMP -> acked();
            default -> { } // PINGRESP and the like
        }
    }

    private void checkReason(MqttMessage m) {
        if (m.variableHeader() instanceof MqttPubReplyMessageVariableHeader r && (r.reasonCode() & 0xFF) >= 0x80) {
            errors = errors + 1;
        }
    }

    private void acked() {
        completed = completed + 1;
        lastAckNanos = System.nanoTime();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        pump(); // acks opened the window: refill it, one flush for the batch
        ctx.flush(); // the PUBRELs
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) pump();
        ctx.fireChannelWritabilityChanged();
    }
}
