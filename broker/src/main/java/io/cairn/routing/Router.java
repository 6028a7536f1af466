package io.cairn.routing;

import io.cairn.state.BrokerState;
import io.cairn.state.Command;
import io.cairn.state.Message;
import io.cairn.state.SessionState;
import io.cairn.state.SubscriptionOptions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides where a message goes: one route per subscribed session, at the highest QoS granted among
 * that session's matching subscriptions [MQTT-3.3.5-1], downgraded to the message's QoS
 * [MQTT-3.8.4-6], with the Subscription Identifiers of all of them [MQTT-3.3.4-3], honouring No Local
 * and Retain As Published. The decision is recorded in the {@link Command.Publish} so that replay
 * does not depend on it.
 *
 * <p>Threading: not thread-safe; used by the session engine thread only (it reuses one map).
 */
public final class Router {

    /**
     * The routes, the shared subscriptions that get the message once each, and whether any of them
     * goes to a session (or a group with a member) that outlives its connection.
     */
    public record Result(List<Command.Route> routes, boolean anyPersistent, List<String> shares) {}

    private static final Result NOWHERE = new Result(List.of(), false, List.of());

    private static final int[] NO_IDS = new int[0];

    private static final class Match {
        int qos = -1;
        boolean retainAsPublished;
        int[] ids = NO_IDS;
    }

    private final BrokerState state;
    private final Map<String, Match> matches = new LinkedHashMap<>();

    public Router(BrokerState state) {
        this.state = state;
    }

    /**
     * Routes {@code m} published by {@code publisherId}. QoS 0 routes to sessions without a
     * connection are left out unless {@code queueQos0}. Whether the routes fit the budgets is
     * {@link Admission}'s question.
     */
    public Result route(Message m, String publisherId, Set<String> online, boolean queueQos0) {
        matches.clear();
        state.subscriptions().match(m.topic(), (clientId, filter, options) -> collect(clientId, options, publisherId));
        List<String> shares = shares(m, online, queueQos0);
        if (matches.isEmpty() && shares.isEmpty()) {
            return NOWHERE;
        }
        List<Command.Route> routes = new ArrayList<>(matches.size());
        boolean persistent = false;
        for (String key : shares) {
            persistent |= state.persistent(state.sharedGroup(key));
        }
        for (Map.Entry<String, Match> e : matches.entrySet()) {
            String clientId = e.getKey();
            Match match = e.getValue();
            int qos = Math.min(m.qos(), match.qos);
            SessionState s = state.session(clientId);
            if (s == null) {
                continue;
            }
            boolean isOnline = online.contains(clientId);
            if (qos == 0 && !isOnline && !queueQos0) {
                continue;
            }
            routes.add(new Command.Route(clientId, qos, match.retainAsPublished && m.retain(), match.ids));
            persistent |= s.persistent();
        }
        return new Result(routes, persistent, shares);
    }

    /**
     * The shared subscriptions matching the topic: each gets the message once, in its own queue. A
     * QoS 0 message goes only to groups with a member online, unless offline sessions queue QoS 0.
     */
    private List<String> shares(Message m, Set<String> online, boolean queueQos0) {
        if (state.shared().isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>(2);
        state.sharedIndex().match(m.topic(), (key, filter, group) -> {
            if (m.qos() > 0 || queueQos0 || anyOnline(group, online)) {
                out.add(key);
            }
        });
        return out;
    }

    private static boolean anyOnline(io.cairn.state.SharedGroup g, Set<String> online) {
        for (String member : g.members().keySet()) {
            if (online.contains(member)) {
                return true;
            }
        }
        return false;
    }

    private void collect(String clientId, SubscriptionOptions options, String publisherId) {
        if (options.noLocal() && clientId.equals(publisherId)) {
            return; // [MQTT-3.8.3-3]
        }
        Match match = matches.computeIfAbsent(clientId, k -> new Match());
        match.qos = Math.max(match.qos, options.qos());
        match.retainAsPublished |= options.retainAsPublished();
        if (options.subscriptionId() != 0) {
            match.ids = Arrays.copyOf(match.ids, match.ids.length + 1);
            match.ids[match.ids.length - 1] = options.subscriptionId();
        }
    }
}
