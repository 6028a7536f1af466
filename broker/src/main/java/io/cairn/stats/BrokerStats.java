package io.cairn.stats;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The broker's figures, kept where they happen and read by the exporters ({@code io.cairn.metrics}:
 * Prometheus and {@code $SYS}). Counters are {@link LongAdder}s, cheap on the hot path; gauges that
 * the engine owns are published by it as volatile values; latency and size distributions go through
 * a {@link Recorder} that the exporter installs (none by default). This package depends on the JDK
 * only, so the engine, the journal and the protocol layer record without knowing any metrics library.
 *
 * <p>Threading: every field is safe to update and read from any thread.
 */
public final class BrokerStats {

    /** Receives one observation (nanoseconds, bytes or a count, as its name says). */
    @FunctionalInterface
    public interface Recorder {
        void record(long value);

        Recorder NONE = v -> { };
    }

    /** Bytes and messages held by the subscription filters of one configured budget pattern. */
    public record Held(long bytes, long messages) {}

    // ---- connections (transport / protocol)
    public final AtomicLong connections = new AtomicLong();
    public final LongAdder connectionsAccepted = new LongAdder();
    /** CONNECTs refused, and connections closed before CONNECT because max_connections was reached. */
    public final LongAdder connectionsRefused = new LongAdder();

    /** Bytes received of packets not complete yet, all connections. */
    public final AtomicLong incompletePacketBytes = new AtomicLong();
    /** Connections closed because their incomplete packet would pass the broker-wide ceiling. */
    public final LongAdder incompletePacketsOverCeiling = new LongAdder();
    /** Connections closed because a packet stayed incomplete longer than the timeout. */
    public final LongAdder incompletePacketsStalled = new LongAdder();

    // ---- security (protocol / engine)
    /** CONNECTs refused for a bad user name or password, or anonymous when that is not allowed. */
    public final LongAdder authFailures = new LongAdder();
    /** PUBLISHes and subscriptions refused by the ACL. */
    public final LongAdder aclRefusals = new LongAdder();
    /** Deliveries (retained ones included) dropped because the ACL does not let the subscriber read the topic. */
    public final LongAdder aclDeliveriesDropped = new LongAdder();

    // ---- messages (engine); index = QoS
    public final LongAdder[] messagesIn = adders(3);
    public final LongAdder[] messagesOut = adders(3);
    public final LongAdder bytesIn = new LongAdder();
    public final LongAdder bytesOut = new LongAdder();

    // ---- admission control (engine)
    /** QoS 1/2 PUBLISHes refused with 0x97 (5.0) because a budget was full. */
    public final LongAdder publishesRefused = new LongAdder();
    /** 3.x publishers paused because a budget was full (each pause counted once). */
    public final LongAdder publishersHeld = new LongAdder();
    /** 3.x publishers disconnected because they stayed held longer than the hold timeout. */
    public final LongAdder publishersDisconnected = new LongAdder();
    /** QoS 0 deliveries not queued because a budget was full. */
    public final LongAdder qos0Dropped = new LongAdder();
    /** Deliveries of broker messages (Wills, $SYS) left out because a budget was full. */
    public final LongAdder brokerMessagesDropped = new LongAdder();
    /** Deliveries dropped to make room under overflow = "drop-oldest". */
    public final LongAdder droppedOldest = new LongAdder();
    /** Times reading from the sockets was paused because the engine inbox was full. */
    public final LongAdder readPauses = new LongAdder();
    /** Times a slow consumer's pump stopped because its socket's write buffer was full. */
    public final LongAdder writePauses = new LongAdder();

    // ---- engine gauges, published by the engine thread
    public volatile long sessionsOnline;
    public volatile long sessionsOffline;
    /** Subscriptions of all sessions, memberships of shared subscriptions included. */
    public volatile long subscriptions;
    /** Shared subscriptions ($share/{group}/{filter}) with at least one member. */
    public volatile long sharedSubscriptions;
    /** Messages waiting in shared subscriptions' queues for a member with room. */
    public volatile long sharedQueued;
    public volatile long retainedMessages;
    public volatile long heldBytes;
    public volatile long heldMessages;
    /** Per configured budget pattern ("default" for filters without a custom_segment). */
    public volatile Map<String, Held> heldByPattern = Map.of();
    public final AtomicLong inboxBytes = new AtomicLong();
    /**
     * How long each engine turn took, in nanoseconds (its batch applied and handed to the store).
     * The turns run on the event loop, so this is also how long each turn kept the sockets waiting.
     */
    public volatile Recorder engineTurnNanos = Recorder.NONE;

    // ---- journal
    public volatile Recorder fsyncNanos = Recorder.NONE;
    /** The duration of the last successful journal force, in nanoseconds (0 before the first). */
    public volatile long lastFsyncNanos;
    public volatile Recorder groupCommitRecords = Recorder.NONE;
    public final LongAdder journalBytesWritten = new LongAdder();
    public volatile long recoveryMillis;

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }
}
