package io.cairn.engine;

import io.cairn.state.BrokerState;
import io.cairn.state.Command;
import io.cairn.state.SessionState;
import io.cairn.state.SubscriptionOptions;
import io.cairn.topic.Topics;

import java.util.ArrayList;
import java.util.List;

/**
 * SUBSCRIBE and UNSUBSCRIBE: validates each filter, grants at most the broker's QoS, chooses the
 * retained messages the subscription gets (by Retain Handling, from the retained index) and records
 * that choice in the command, so that replay does not depend on it.
 *
 * <p>Threading: engine thread only.
 */
final class Subscriptions {

    private final BrokerState state;
    private final Batch batch;
    private final OutboundFlow outbound;
    private final EngineLimits limits;

    Subscriptions(BrokerState state, Batch batch, OutboundFlow outbound, EngineLimits limits) {
        this.state = state;
        this.batch = batch;
        this.outbound = outbound;
        this.limits = limits;
    }

    void subscribe(Connection c, int packetId, List<SubscriptionRequest> requests) {
        int[] results = new int[requests.size()];
        for (int i = 0; i < results.length; i++) {
            results[i] = subscribeOne(c, requests.get(i));
        }
        batch.send(c, new Outbound.SubAck(packetId, results));
        outbound.pump(c);
    }

    private int subscribeOne(Connection c, SubscriptionRequest r) {
        String filter = r.filter();
        if (!Topics.isValidFilter(filter) || Topics.tooDeep(filter, limits.maxTopicLevels())) {
            return Outbound.FILTER_INVALID;
        }
        if (c.reasonCodes && filter.startsWith("$share/")) {
            return Outbound.SHARED_NOT_SUPPORTED;
        }
        SessionState s = c.session;
        SubscriptionOptions asked = r.requested();
        int granted = Math.min(asked.qos(), limits.maxQos());
        SubscriptionOptions options = new SubscriptionOptions(granted, asked.noLocal(),
                asked.retainAsPublished(), asked.retainHandling(), asked.subscriptionId());
        boolean existed = s.subscriptions().containsKey(filter);
        List<String> retainedTopics = List.of();
        if (asked.retainHandling() == 0 || (asked.retainHandling() == 1 && !existed)) {
            retainedTopics = retainedTopicsMatching(filter);
        }
        batch.execute(new Command.Subscribe(c.clientId, filter, options, retainedTopics), s.persistent());
        return granted;
    }

    private List<String> retainedTopicsMatching(String filter) {
        List<String> topics = new ArrayList<>();
        long now = batch.now();
        state.retainedMatching(filter, m -> {
            if (!m.expired(now)) {
                topics.add(m.topic());
            }
        });
        return topics;
    }

    void unsubscribe(Connection c, int packetId, List<String> filters) {
        SessionState s = c.session;
        boolean[] existed = new boolean[filters.size()];
        for (int i = 0; i < existed.length; i++) {
            String filter = filters.get(i);
            existed[i] = s.subscriptions().containsKey(filter);
            if (existed[i]) {
                batch.execute(new Command.Unsubscribe(c.clientId, filter), s.persistent());
            }
        }
        batch.send(c, new Outbound.UnsubAck(packetId, existed));
    }
}
