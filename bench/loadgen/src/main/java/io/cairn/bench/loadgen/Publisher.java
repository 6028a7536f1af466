package io.cairn.bench.loadgen;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttMessage;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Publishes sequence-numbered messages on PREFIX/index, keeping at most {@code window} QoS 1/2
 * messages unacknowledged, optionally at a fixed rate (woken at each scheduled time by an event-loop
 * timer on epoll, by the {@link Pacer} thread on NIO) and within {@code --max-backlog} of its slowest subscriber. Full QoS 2 flow: PUBLISH,
 * PUBREC, PUBREL, PUBCOMP.
 *
 * <p>Hot path: the whole PUBLISH packet (fixed header, topic, packet id, 5.0 property length,
 * payload marker and padding) is built once as a template; each message copies it into the current
 * batch buffer and sets only the packet id and the payload's publisher, sequence and send time. One
 * buffer holds the messages of one pump (up to 64 KiB) and is written with the void promise; one
 * flush per pump.
 *
 * <p>Threading: {@link #pump} and the handlers run on the channel's event loop only; subscribers
 * (other event loops) wake a publisher stalled on the backlog through {@link #wakeIfBlocked}, and the
 * pacer through {@link #paceWake}; both hop onto its event loop. Counters are volatile with a single
 * writer so the main thread can watch progress.
 */
final class Publisher extends Conn {
    private static final int BURST = 512; // messages per pump before yielding to reads
    private static final int BATCH_BYTES = 64 * 1024; // at most this much in one written buffer (unless one message is larger)

    final int index;
    private final Subscriber[] audience; // subscribers that receive this publisher (for the backlog)
    private final LoadRun run;
    private final double nanosPerMsg; // 0: as fast as the window allows
    private final AtomicBoolean backlogBlocked = new AtomicBoolean();
    private final AtomicBoolean paceQueued = new AtomicBoolean();
    private final Runnable pumpTask = this::pump;
    private final Runnable paceTask = () -> {
        paceQueued.set(false);
        pump();
    };
    private final byte[] template; // one whole PUBLISH packet
    private final int idOffset; // packet id in the template, -1 for QoS 0
    private final int payloadOffset;
    private int nextPacketId = 1;
    private boolean timerPending; // rate mode on epoll: a timer task is scheduled
    private final Runnable timerTask = () -> {
        timerPending = false;
        pump();
    };
    private long backlogLow;
    private int window; // the configured window, lowered to the broker's Receive Maximum

    volatile long sent;
    volatile long completed; // QoS 0: written; QoS 1: PUBACK; QoS 2: PUBCOMP
    volatile long lastAckNanos;
    volatile long errors; // 5.0 PUBACK/PUBREC with a reason code >= 0x80
    volatile boolean finished; // no more messages will be sent
    long maxLagNanos; // rate mode: the most a message was sent after its scheduled time (event loop only)

    Publisher(Config cfg, LoadRun run, int index, String clientId, Subscriber[] audience, Runnable onSettled) {
        super(cfg, clientId, null, onSettled);
        this.run = run;
        this.index = index;
        this.audience = audience;
        this.nanosPerMsg = cfg.rate > 0 ? 1e9 * cfg.pubs / cfg.rate : 0;

        byte[] topic = (cfg.topicPrefix + "/" + index).getBytes(StandardCharsets.UTF_8);
        int variable = 2 + topic.length + (cfg.qos > 0 ? 2 : 0) + (cfg.mqtt == 5 ? 1 : 0);
        int remaining = variable + cfg.size;
        int lenBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
        template = new byte[1 + lenBytes + remaining];
        int p = 0;
        template[p++] = (byte) (0x30 | cfg.qos << 1);
        for (int r = remaining; ; ) {
            int b = r & 0x7F;
            r >>>= 7;
            template[p++] = (byte) (r > 0 ? b | 0x80 : b);
            if (r == 0) break;
        }
        template[p++] = (byte) (topic.length >>> 8);
        template[p++] = (byte) topic.length;
        System.arraycopy(topic, 0, template, p, topic.length);
        p += topic.length;
        idOffset = cfg.qos > 0 ? p : -1;
        if (cfg.qos > 0) p += 2;
        if (cfg.mqtt == 5) template[p++] = 0; // no properties
        payloadOffset = p;
        int magic = Payload.magic();
        for (int k = 0; k < 4; k++) template[p + Payload.MAGIC_OFFSET + k] = (byte) (magic >>> (24 - 8 * k));
    }

    /** Starts publishing; called from any thread once every connection is ready. */
    void start() {
        window = Math.min(cfg.window, serverReceiveMaximum);
        wake();
    }

    /** Runs {@link #pump} on the event loop; from any thread (the main thread uses it to stop). */
    void wake() {
        ctx.executor().execute(pumpTask);
    }

    /** The pacer's tick: a scheduled time has come. From the pacer thread; at most one queued at once. */
    void paceWake() {
        if (!finished && paceQueued.compareAndSet(false, true)) ctx.executor().execute(paceTask);
    }

    /** Sends what the window, the rate, the backlog and the socket allow, then flushes once. */
    void pump() {
        if (finished || !ctx.channel().isActive()) return;
        long now = System.nanoTime();
        int n = 0;
        ByteBuf batch = null;
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
                    now = System.nanoTime(); // the pacer may have woken us a little early
                    if (due > now) { // not yet: wake at that time
                        if (Net.PRECISE_TIMERS && !timerPending) {
                            timerPending = true;
                            ctx.executor().schedule(timerTask, due - now, TimeUnit.NANOSECONDS);
                        } // else the pacer thread wakes us
                        break;
                    }
                }
                maxLagNanos = Math.max(maxLagNanos, now - due);
            }
            if (cfg.maxBacklog > 0 && s >= backlogLow + cfg.maxBacklog && backlogStalled(s)) break;
            if (n == BURST) {
                ctx.executor().execute(pumpTask); // let this loop's reads run
                break;
            }
            if (batch == null || batch.writableBytes() < template.length) {
                if (batch != null) ctx.write(batch, ctx.voidPromise());
                batch = ctx.alloc().directBuffer(batchCapacity(s));
            }
            send(batch, s, nanosPerMsg > 0 ? System.nanoTime() : now);
            n++;
        }
        if (batch != null) ctx.write(batch, ctx.voidPromise());
        if (n > 0) ctx.flush();
    }

    /** Room for the messages this pump may still send (window, count, burst), within BATCH_BYTES. */
    private int batchCapacity(long s) {
        long room = BURST;
        if (cfg.qos > 0) room = Math.min(room, window - (s - completed));
        room = Math.min(room, cfg.count - s);
        if (nanosPerMsg > 0) room = 1;
        room = Math.max(1, Math.min(room, BATCH_BYTES / template.length));
        return (int) room * template.length;
    }

    private void send(ByteBuf batch, long seq, long sendNanos) {
        int base = batch.writerIndex();
        batch.writeBytes(template);
        if (cfg.qos > 0) {
            int packetId = nextPacketId;
            nextPacketId = packetId == 65535 ? 1 : packetId + 1; // window <= 65535: never still in use
            batch.setShort(base + idOffset, packetId);
        }
        Payload.set(batch, base + payloadOffset, index, seq, sendNanos);
        sent = seq + 1;
        if (cfg.qos == 0) {
            completed = seq + 1;
            lastAckNanos = sendNanos;
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
            ctx.executor().execute(pumpTask);
        }
    }

    @Override
    protected void onPacket(MqttMessage m) { } // setup phase only: nothing is published yet

    @Override
    protected void onAck(int type, int packetId, int reason) {
        switch (type) {
            case 4 -> { // PUBACK
                if (reason >= 0x80) errors = errors + 1;
                acked();
            }
            case 5 -> { // PUBREC
                if (reason >= 0x80) errors = errors + 1;
                reply(0x62, packetId); // PUBREL
            }
            case 7 -> acked(); // PUBCOMP
            default -> { }
        }
    }

    private void acked() {
        completed = completed + 1;
        lastAckNanos = System.nanoTime();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        writeReplies(); // the PUBRELs
        pump(); // acks opened the window: refill it
        ctx.flush(); // one flush for the batch
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) pump();
        ctx.fireChannelWritabilityChanged();
    }
}
