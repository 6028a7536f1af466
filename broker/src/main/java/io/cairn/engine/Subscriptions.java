package io.cairn.engine;

import io.cairn.routing.Admission;
import io.cairn.security.Authorizer;
import io.cairn.state.BrokerState;
import io.cairn.stats.BrokerStats;
import io.cairn.state.Command;
import io.cairn.state.Message;
import io.cairn.state.SessionState;
import io.cairn.state.SubscriptionOptions;
import io.cairn.topic.Topics;

import java.util.ArrayList;
import java.util.List;

/**
 * SUBSCRIBE and UNSUBSCRIBE: validates each filter, refuses those the ACL does not grant, grants at most the broker's QoS, chooses the
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
    private final Admission admission;
    private final Authorizer authorizer;
    private final BrokerStats stats;

    Subscriptions(BrokerState state, Batch batch, OutboundFlow outbound, EngineLimits limits, Admission admission,
                  Authorizer authorizer, BrokerStats stats) {
        this.authorizer = authorizer;
        this.stats = stats;
        this.state = state;
        this.admission = admission;
        this.batch = batch;
        this.outbound = outbound;
        this.limits = limits;
    }

    /**
     * SUBSCRIBE. Every filter is decided first and applied only if the whole packet can be: when the
     * retained messages of a filter do not fit the budgets, a 5.0 client gets 0x97 for that filter,
     * and for a 3.x client nothing is done and false is returned (the caller holds the client).
     */
    boolean subscribe(Connection c, int packetId, List<SubscriptionRequest> requests) {
        int[] results = new int[requests.size()];
        List<Command.Subscribe> commands = new ArrayList<>(requests.size());
        for (int i = 0; i < results.length; i++) {
            String filter = requests.get(i).filter();
            Command.Subscribe command = decide(c, requests.get(i));
            if (command == null) {
                results[i] = Outbound.FILTER_INVALID;
            } else if (!authorizer.maySubscribe(c.clientId, c.username, readableFilter(filter))) {
                stats.aclRefusals.increment(); // before admission: a refused filter takes no budget
                results[i] = Outbound.NOT_AUTHORIZED;
            } else if (!admission.fitsRetained(c.session, command.filter(), retainedMessages(command))) {
                if (!c.reasonCodes) {
                    return false;
                }
                results[i] = Outbound.QUOTA_EXCEEDED;
            } else {
                results[i] = command.options().qos();
                commands.add(command);
            }
        }
        for (Command.Subscribe command : commands) {
            batch.execute(command, c.session.persistent());
        }
        batch.send(c, new Outbound.SubAck(packetId, results));
        outbound.pump(c);
        return true;
    }

    /**
     * A filter the broker cannot take: malformed (a shared one too [MQTT-4.8.2-1], [MQTT-4.8.2-2]) or
     * deeper than {@code max_topic_levels}.
     */
    private boolean invalid(String filter) {
        String matched = readableFilter(filter);
        return matched == null || !Topics.isValidFilter(matched) || Topics.tooDeep(matched, limits.maxTopicLevels());
    }

    /** The filter topics are matched against: a shared subscription's own filter; null if malformed. */
    private static String readableFilter(String filter) {
        return Topics.isShared(filter) ? Topics.sharedFilter(filter) : filter;
    }

    /** The subscription a request makes, or null if it is refused. */
    private Command.Subscribe decide(Connection c, SubscriptionRequest r) {
        String filter = r.filter();
        if (invalid(filter)) {
            return null;
        }
        SessionState s = c.session;
        SubscriptionOptions asked = r.requested();
        int granted = Math.min(asked.qos(), limits.maxQos());
        SubscriptionOptions options = new SubscriptionOptions(granted, asked.noLocal(),
                asked.retainAsPublished(), asked.retainHandling(), asked.subscriptionId());
        boolean existed = s.subscriptions().containsKey(filter);
        List<String> retainedTopics = List.of();
        if (Topics.isShared(filter)) {
            // a shared subscription gets no retained messages when it is made (5.0 section 4.8.2)
        } else if (asked.retainHandling() == 0 || (asked.retainHandling() == 1 && !existed)) {
            retainedTopics = retainedTopicsMatching(c, filter);
        }
        return new Command.Subscribe(c.clientId, filter, options, retainedTopics);
    }

    private List<Message> retainedMessages(Command.Subscribe command) {
        List<Message> out = new ArrayList<>(command.retainedTopics().size());
        for (String topic : command.retainedTopics()) {
            Message m = state.retained().get(topic);
            if (m != null) {
                out.add(m);
            }
        }
        return out;
    }

    /** The retained messages a new subscription gets: not expired, and readable by the client under the ACL. */
    private List<String> retainedTopicsMatching(Connection c, String filter) {
        List<String> topics = new ArrayList<>();
        long now = batch.now();
        state.retainedMatching(filter, m -> {
            if (!m.expired(now) && authorizer.mayRead(c.clientId, c.username, m.topic())) {
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
