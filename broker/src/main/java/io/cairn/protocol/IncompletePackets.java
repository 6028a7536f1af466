package io.cairn.protocol;

import io.cairn.fault.RepeatedWarning;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import io.cairn.stats.BrokerStats;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The broker-wide account of bytes held by half-received packets ({@code [mqtt]
 * max_incomplete_packet_bytes}) and the time one may take to complete ({@code
 * incomplete_packet_timeout_s}). Without it a client that sends 90% of a large packet and stalls holds
 * that memory for as long as its connection lives (forever with keep alive 0), and a few hundred such
 * clients exhaust the heap. Each {@link MqttPacketDecoder} reserves what it buffers here and releases
 * it when the packet completes or the connection ends; the connection whose reservation would pass
 * the ceiling is closed, so the memory of all half-received packets together stays bounded.
 *
 * <p>What is counted is the bytes received of incomplete packets; the buffer behind them can be up
 * to about twice as large while it grows.
 *
 * <p>Threading: one instance per broker, shared by every connection's event loop; the account is an
 * {@link AtomicLong}, the counters are {@link LongAdder}s, and the rate-limited warnings are
 * guarded by their own locks.
 */
public final class IncompletePackets {

    private static final Logger log = LoggerFactory.getLogger(IncompletePackets.class);

    /** No ceiling and no timeout in practice: for decoders built without a broker (unit tests). */
    public static IncompletePackets unlimited() {
        return new IncompletePackets(Long.MAX_VALUE, TimeUnit.DAYS.toSeconds(365), new BrokerStats());
    }

    private final long ceiling;
    private final long timeoutNanos;
    private final AtomicLong held;
    private final LongAdder closedOverCeiling;
    private final LongAdder closedStalled;
    private final RepeatedWarning overCeilingWarning = new RepeatedWarning(log, 10, TimeUnit.SECONDS);
    private final RepeatedWarning stalledWarning = new RepeatedWarning(log, 10, TimeUnit.SECONDS);

    /** Counts into {@code stats} (its incomplete-packet figures are this object's). */
    public IncompletePackets(long ceilingBytes, long timeoutSeconds, BrokerStats stats) {
        this.held = stats.incompletePacketBytes;
        this.closedOverCeiling = stats.incompletePacketsOverCeiling;
        this.closedStalled = stats.incompletePacketsStalled;
        if (ceilingBytes <= 0 || timeoutSeconds <= 0) {
            throw new IllegalArgumentException("ceiling and timeout must be positive");
        }
        this.ceiling = ceilingBytes;
        this.timeoutNanos = TimeUnit.SECONDS.toNanos(timeoutSeconds);
    }

    /**
     * Adds {@code delta} bytes (negative: releases) to the account; false, and nothing added, if an
     * increase would pass the ceiling. A release always succeeds.
     */
    boolean change(long delta) {
        if (delta <= 0) {
            held.addAndGet(delta);
            return true;
        }
        while (true) {
            long now = held.get();
            if (now + delta > ceiling) {
                return false;
            }
            if (held.compareAndSet(now, now + delta)) {
                return true;
            }
        }
    }

    long timeoutNanos() {
        return timeoutNanos;
    }

    /** Counts and reports (rate-limited) a connection closed because its bytes would pass the ceiling. */
    void closedOverCeiling(Object remote, long wanted) {
        closedOverCeiling.increment();
        synchronized (overCeilingWarning) {
            overCeilingWarning.warn("closed {}: its half-received packet ({} bytes) would take the bytes held by "
                    + "incomplete packets of all connections past [mqtt] max_incomplete_packet_bytes = {} "
                    + "(held now: {})", remote, wanted, ceiling, held.get());
        }
    }

    /** Counts and reports (rate-limited) a connection closed because a packet stayed incomplete too long. */
    void closedStalled(Object remote, long bytes) {
        closedStalled.increment();
        synchronized (stalledWarning) {
            stalledWarning.warn("closed {}: a packet stayed incomplete ({} bytes received) for longer than "
                    + "[mqtt] incomplete_packet_timeout_s = {}", remote, bytes, TimeUnit.NANOSECONDS.toSeconds(timeoutNanos));
        }
    }

    /** Bytes of half-received packets held now, over all connections. */
    public long heldBytes() {
        return held.get();
    }

    /** Connections closed because their half-received packet would have passed the ceiling. */
    public long closedOverCeiling() {
        return closedOverCeiling.sum();
    }

    /** Connections closed because a packet stayed incomplete longer than the timeout. */
    public long closedStalled() {
        return closedStalled.sum();
    }
}
