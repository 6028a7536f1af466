package io.cairn.engine;

import io.cairn.state.BrokerState;
import io.cairn.state.HeldAccount;
import io.cairn.state.SharedGroup;
import io.cairn.stats.BrokerStats;

import java.util.HashMap;
import java.util.Map;

/**
 * Publishes the engine's gauges into {@link BrokerStats} after every turn: sessions, subscriptions,
 * retained messages and what is held; the per-pattern figures (a walk over every filter account) at
 * most once a second, when it also drops the accounts that hold nothing.
 *
 * <p>Threading: engine thread only; it writes volatile fields that any thread reads.
 */
final class EngineGauges {

    private static final long PATTERN_INTERVAL_MILLIS = 1000;

    private final BrokerState state;
    private final Map<String, Connection> connected;
    private final BrokerStats stats;
    private long patternsAt;

    EngineGauges(BrokerState state, Map<String, Connection> connected, BrokerStats stats) {
        this.state = state;
        this.connected = connected;
        this.stats = stats;
    }

    void publish(long nowMillis) {
        int sessions = state.sessions().size();
        stats.sessionsOnline = connected.size();
        stats.sessionsOffline = sessions - connected.size();
        long members = 0;
        long waiting = 0;
        for (SharedGroup g : state.shared().values()) {
            members += g.members().size();
            waiting += g.queue().size();
        }
        stats.subscriptions = state.subscriptions().size() + members;
        stats.sharedSubscriptions = state.shared().size();
        stats.sharedQueued = waiting;
        stats.retainedMessages = state.retained().size();
        stats.heldBytes = state.holdings().bytes();
        stats.heldMessages = state.holdings().deliveries();
        if (nowMillis - patternsAt >= PATTERN_INTERVAL_MILLIS) {
            patternsAt = nowMillis;
            state.holdings().pruneEmpty();
            stats.heldByPattern = byPattern();
        }
    }

    private Map<String, BrokerStats.Held> byPattern() {
        Map<String, long[]> sums = new HashMap<>();
        for (HeldAccount a : state.holdings().accounts()) {
            long[] sum = sums.computeIfAbsent(a.pattern(), k -> new long[2]);
            sum[0] += a.bytes();
            sum[1] += a.messages();
        }
        Map<String, BrokerStats.Held> out = new HashMap<>();
        sums.forEach((pattern, sum) -> out.put(pattern, new BrokerStats.Held(sum[0], sum[1])));
        return Map.copyOf(out);
    }
}
