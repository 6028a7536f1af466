package io.cairn.metrics;

import io.cairn.engine.SessionEngine;
import io.cairn.stats.BrokerStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@code $SYS/broker/...} topics, in Mosquitto's names and formats (plain decimal text;
 * {@code uptime} as {@code "N seconds"}; {@code version} as {@code "cairn version X"}), published
 * every {@code sys_interval_s} through {@link SessionEngine#publishSystem} (retained, QoS 0, never
 * journaled). Like Mosquitto, a topic is published again only when its value changed ({@code uptime}
 * always changes), so an idle broker sends little. Unlike Mosquitto, {@code messages/received} and
 * {@code messages/sent} count PUBLISH packets only, the same as {@code publish/messages/...}: the
 * engine does not count other packets.
 *
 * <p>Threading: {@link #start} and {@link #close} on the starting and closing thread; publishing runs
 * on the {@code cairn-sys} daemon thread, which alone touches {@link #last}.
 */
final class SysTopics implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SysTopics.class);
    private static final String PREFIX = "$SYS/broker/";

    private final BrokerStats stats;
    private final SessionEngine engine;
    private final String version;
    private final long startNanos = System.nanoTime();
    private final Map<String, String> last = new HashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cairn-sys");
        t.setDaemon(true);
        return t;
    });

    SysTopics(BrokerStats stats, SessionEngine engine, String version) {
        this.stats = stats;
        this.engine = engine;
        this.version = version;
    }

    /** Publishes at once, then every {@code intervalS} seconds. */
    void start(int intervalS) {
        timer.scheduleAtFixedRate(this::publishSafely, 0, intervalS, TimeUnit.SECONDS);
    }

    /** An exception would cancel the schedule silently: log it and go on at the next interval. */
    private void publishSafely() {
        try {
            publishChanged();
        } catch (RuntimeException e) {
            log.warn("could not publish the $SYS topics: {}", e.toString());
        }
    }

    private void publishChanged() {
        for (Map.Entry<String, String> e : values().entrySet()) {
            if (!e.getValue().equals(last.put(e.getKey(), e.getValue()))) {
                engine.publishSystem(PREFIX + e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** Every topic (under {@code $SYS/broker/}) and its current payload. */
    Map<String, String> values() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("version", "cairn version " + version);
        v.put("uptime", (System.nanoTime() - startNanos) / 1_000_000_000L + " seconds");
        clients(v);
        messages(v);
        long held = stats.heldMessages;
        v.put("subscriptions/count", Long.toString(stats.subscriptions));
        v.put("retained messages/count", Long.toString(stats.retainedMessages));
        v.put("store/messages/count", Long.toString(held));
        v.put("messages/stored", Long.toString(held)); // Mosquitto's older name for the same figure
        v.put("store/messages/bytes", Long.toString(stats.heldBytes));
        Runtime rt = Runtime.getRuntime();
        v.put("heap/current", Long.toString(rt.totalMemory() - rt.freeMemory()));
        v.put("heap/maximum", Long.toString(rt.maxMemory()));
        return v;
    }

    private void clients(Map<String, String> v) {
        long online = stats.sessionsOnline;
        long offline = stats.sessionsOffline;
        v.put("clients/connected", Long.toString(online));
        v.put("clients/active", Long.toString(online)); // Mosquitto publishes both names
        v.put("clients/disconnected", Long.toString(offline));
        v.put("clients/inactive", Long.toString(offline));
        v.put("clients/total", Long.toString(online + offline));
    }

    private void messages(Map<String, String> v) {
        String in = Long.toString(sum(stats.messagesIn));
        String out = Long.toString(sum(stats.messagesOut));
        v.put("messages/received", in);
        v.put("messages/sent", out);
        v.put("publish/messages/received", in);
        v.put("publish/messages/sent", out);
        v.put("publish/messages/dropped", Long.toString(stats.qos0Dropped.sum() + stats.droppedOldest.sum()));
        v.put("bytes/received", Long.toString(stats.bytesIn.sum()));
        v.put("bytes/sent", Long.toString(stats.bytesOut.sum()));
    }

    private static long sum(LongAdder[] adders) {
        long n = 0;
        for (LongAdder a : adders) {
            n += a.sum();
        }
        return n;
    }

    /** Stops publishing; the retained $SYS messages stay as last published. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
