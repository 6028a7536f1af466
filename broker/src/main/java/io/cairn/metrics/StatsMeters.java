package io.cairn.metrics;

import io.cairn.stats.BrokerStats;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * Binds every field of {@link BrokerStats} to a Micrometer meter named {@code cairn.*} (exposed as
 * {@code cairn_*} in the Prometheus format): counters read the {@link LongAdder}s when scraped, gauges
 * read the volatile fields, and the journal's two distributions get a {@link Timer} and a
 * {@link DistributionSummary} installed as its {@link BrokerStats.Recorder}s. The meters read the
 * stats only when scraped, so recording stays as cheap as a {@code LongAdder.add}. The list of names
 * is in docs/configuration.md ({@code [metrics]}); a test checks that every name is documented.
 *
 * <p>Threading: {@link #bind} on the starting thread; {@link #refreshPatterns} is synchronized and
 * called before each scrape (the endpoint's thread); {@link #unbind} on the closing thread. The
 * installed recorders are called from the journal thread; Micrometer's meters are thread-safe.
 */
final class StatsMeters {

    /** Records per group commit: a group rarely exceeds this; larger ones fall in the +Inf bucket. */
    private static final double MAX_GROUP_RECORDS = 65_536;

    private final MeterRegistry registry;
    private final BrokerStats stats;
    /** The per-pattern gauges registered so far, by pattern (bytes and messages). */
    private final Map<String, Meter[]> patternGauges = new HashMap<>();

    StatsMeters(MeterRegistry registry, BrokerStats stats) {
        this.registry = registry;
        this.stats = stats;
    }

    /** Registers every meter and installs the journal recorders. */
    void bind(String version) {
        Gauge.builder("cairn.build.info", () -> 1).description("Always 1; the version is a tag")
                .tag("version", version).strongReference(true).register(registry);
        bindConnections();
        bindMessages();
        bindAdmission();
        bindEngineGauges();
        bindJournal();
    }

    /** Puts the recorders back to none: the journal outlives nothing here, but a closed registry should not grow. */
    void unbind() {
        stats.fsyncNanos = BrokerStats.Recorder.NONE;
        stats.groupCommitRecords = BrokerStats.Recorder.NONE;
        stats.engineTurnNanos = BrokerStats.Recorder.NONE;
    }

    private void bindConnections() {
        gauge("cairn.connections", "Open network connections", s -> s.connections.get());
        counter("cairn.connections.accepted", "Connections accepted", stats.connectionsAccepted);
        counter("cairn.connections.refused", "CONNECTs refused and connections closed at max_connections",
                stats.connectionsRefused);
        gauge("cairn.incomplete.packet.bytes", "Bytes received of packets not complete yet",
                s -> s.incompletePacketBytes.get());
        counter("cairn.incomplete.packets.over.ceiling",
                "Connections closed: their incomplete packet would pass max_incomplete_packet_bytes",
                stats.incompletePacketsOverCeiling);
        counter("cairn.incomplete.packets.stalled",
                "Connections closed: a packet stayed incomplete longer than incomplete_packet_timeout_s",
                stats.incompletePacketsStalled);
        counter("cairn.auth.failures", "CONNECTs refused for bad credentials or anonymous access not allowed",
                stats.authFailures);
        counter("cairn.acl.refusals", "PUBLISHes and subscriptions refused by the ACL", stats.aclRefusals);
        counter("cairn.acl.deliveries.dropped", "Deliveries dropped because the ACL denies the subscriber read access",
                stats.aclDeliveriesDropped);
    }

    private void bindMessages() {
        for (int qos = 0; qos < 3; qos++) {
            FunctionCounter.builder("cairn.messages.in", stats.messagesIn[qos], LongAdder::sum)
                    .description("PUBLISH packets received from clients, by QoS").tag("qos", Integer.toString(qos))
                    .register(registry);
            FunctionCounter.builder("cairn.messages.out", stats.messagesOut[qos], LongAdder::sum)
                    .description("PUBLISH packets sent to clients, by QoS").tag("qos", Integer.toString(qos))
                    .register(registry);
        }
        counter("cairn.bytes.in", "Bytes received from clients", stats.bytesIn);
        counter("cairn.bytes.out", "Bytes sent to clients", stats.bytesOut);
    }

    private void bindAdmission() {
        counter("cairn.publishes.refused", "QoS 1/2 PUBLISHes refused with 0x97 because a budget was full",
                stats.publishesRefused);
        counter("cairn.publishers.held", "3.x publishers paused because a budget was full", stats.publishersHeld);
        counter("cairn.publishers.disconnected", "3.x publishers disconnected after being held too long",
                stats.publishersDisconnected);
        counter("cairn.qos0.dropped", "QoS 0 deliveries not queued because a budget was full", stats.qos0Dropped);
        counter("cairn.dropped.oldest", "Deliveries dropped under overflow = drop-oldest", stats.droppedOldest);
        counter("cairn.broker.messages.dropped", "Deliveries of Wills and $SYS messages left out because a budget was full",
                stats.brokerMessagesDropped);
        counter("cairn.read.pauses", "Times socket reading paused because the engine inbox was full",
                stats.readPauses);
        counter("cairn.write.pauses", "Times a consumer's pump stopped on a full socket write buffer",
                stats.writePauses);
    }

    private void bindEngineGauges() {
        gauge("cairn.sessions.online", "Sessions with a connected client", s -> s.sessionsOnline);
        gauge("cairn.sessions.offline", "Persistent sessions without a connected client", s -> s.sessionsOffline);
        gauge("cairn.subscriptions", "Subscriptions of all sessions, shared ones included", s -> s.subscriptions);
        gauge("cairn.shared.subscriptions", "Shared subscriptions ($share/{group}/{filter}) with members",
                s -> s.sharedSubscriptions);
        gauge("cairn.shared.queued.messages", "Messages waiting in shared subscriptions' queues", s -> s.sharedQueued);
        gauge("cairn.retained.messages", "Retained messages", s -> s.retainedMessages);
        gauge("cairn.held.bytes", "Bytes held for subscribers (queued and in flight), all filters", s -> s.heldBytes);
        gauge("cairn.held.deliveries", "Deliveries held for subscribers (queued and in flight), all sessions",
                s -> s.heldMessages);
        gauge("cairn.inbox.bytes", "Bytes waiting in the engine inbox", s -> s.inboxBytes.get());
        Timer turn = Timer.builder("cairn.engine.turn").description("Engine turn duration (the sockets wait meanwhile)")
                .publishPercentileHistogram().register(registry);
        stats.engineTurnNanos = nanos -> turn.record(nanos, TimeUnit.NANOSECONDS);
    }

    private void bindJournal() {
        Timer fsync = Timer.builder("cairn.journal.fsync").description("Journal force (fdatasync) latency")
                .publishPercentileHistogram().register(registry);
        DistributionSummary group = DistributionSummary.builder("cairn.journal.group.commit.records")
                .description("Records written per group commit").publishPercentileHistogram()
                .maximumExpectedValue(MAX_GROUP_RECORDS).register(registry);
        stats.fsyncNanos = nanos -> fsync.record(nanos, TimeUnit.NANOSECONDS);
        stats.groupCommitRecords = group::record;
        counter("cairn.journal.bytes.written", "Record bytes written to journal segments", stats.journalBytesWritten);
        gauge("cairn.journal.recovery.seconds", "How long the last start-up took to recover the journal",
                s -> s.recoveryMillis / 1000.0);
    }

    /**
     * Registers gauges for the budget patterns that appeared in {@code heldByPattern} since the last
     * call and removes those of patterns that went away (patterns come from the configuration, so
     * there are few).
     */
    synchronized void refreshPatterns() {
        Map<String, BrokerStats.Held> now = stats.heldByPattern;
        patternGauges.entrySet().removeIf(e -> {
            if (now.containsKey(e.getKey())) {
                return false;
            }
            for (Meter m : e.getValue()) {
                registry.remove(m);
            }
            return true;
        });
        for (String pattern : now.keySet()) {
            patternGauges.computeIfAbsent(pattern, this::patternMeters);
        }
    }

    private Meter[] patternMeters(String pattern) {
        Gauge bytes = Gauge.builder("cairn.held.pattern.bytes", stats, s -> held(s, pattern).bytes())
                .description("Bytes held by the filters of one budget pattern").tag("pattern", pattern)
                .strongReference(true).register(registry);
        Gauge messages = Gauge.builder("cairn.held.pattern.messages", stats, s -> held(s, pattern).messages())
                .description("Messages held by the filters of one budget pattern").tag("pattern", pattern)
                .strongReference(true).register(registry);
        return new Meter[] {bytes, messages};
    }

    private static BrokerStats.Held held(BrokerStats s, String pattern) {
        return s.heldByPattern.getOrDefault(pattern, new BrokerStats.Held(0, 0));
    }

    /** A function counter holds its adder weakly; the adders live as long as {@link #stats}, which we hold. */
    private void counter(String name, String description, LongAdder adder) {
        FunctionCounter.builder(name, adder, LongAdder::sum).description(description).register(registry);
    }

    private void gauge(String name, String description, ToDoubleFunction<BrokerStats> value) {
        Gauge.builder(name, stats, value).description(description).strongReference(true).register(registry);
    }
}
