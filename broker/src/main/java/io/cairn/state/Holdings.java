package io.cairn.state;

import io.cairn.topic.Topics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The bytes and messages the broker holds for subscribers, per subscription filter
 * ({@link HeldAccount}) and in total: every queued and in-flight delivery is counted from the moment
 * it is queued until it is dequeued, completed or its session ends. A delivery is counted in the
 * account of each of its session's filters that match the message's topic (a message shared by
 * many sessions through one filter counts once there). Admission control (the engine) compares
 * these counts with the budgets before it acknowledges anything.
 *
 * <p>Threading: owned by the session engine thread, like {@link BrokerState}.
 */
public final class Holdings {

    /** Heap bytes of a queued delivery beyond its message: the Delivery object and its queue slot. */
    public static final long DELIVERY_OVERHEAD = 40;
    /** Heap bytes a delivery costs more while in flight: its Inflight entry, map node and key. */
    public static final long IN_FLIGHT_OVERHEAD = 80;
    /** Heap bytes of a message's holder entry in one filter account (charged with the message). */
    public static final long HOLDER_OVERHEAD = 72;

    /** The account of deliveries whose session no longer has a filter matching their topic. */
    public static final String UNSUBSCRIBED = "(unsubscribed)";

    private final Map<String, HeldAccount> accounts = new HashMap<>();
    private Consumer<HeldAccount> budgets = a -> { };
    private long bytes;
    private long deliveries;
    private long releases;
    /** Changes whenever an answer of {@link #accountsFor} may change: subscriptions, pruned accounts. */
    private long generation;

    /** Sets how a new account gets its capacity (the engine's budgets); applied to existing accounts too. */
    public void useBudgets(Consumer<HeldAccount> budgets) {
        this.budgets = budgets;
        accounts.values().forEach(budgets);
    }

    /** Bytes held in all accounts (a message held through two filters counts in both). */
    public long bytes() {
        return bytes;
    }

    /** Deliveries held (queued or in flight) in all sessions. */
    public long deliveries() {
        return deliveries;
    }

    /** How many deliveries have been released so far: a change means there may be room again. */
    public long releases() {
        return releases;
    }

    public Collection<HeldAccount> accounts() {
        return accounts.values();
    }

    /** The account of {@code filter}, created (with its budget) if absent. */
    public HeldAccount account(String filter) {
        HeldAccount a = accounts.get(filter);
        if (a == null) {
            a = new HeldAccount(filter);
            budgets.accept(a);
            accounts.put(filter, a);
        }
        return a;
    }

    /**
     * The accounts a delivery of {@code topic} to {@code s} is held in: its filters matching the
     * topic. The answer is kept per session until the subscriptions change: a session mostly gets
     * the same topics again, and admission and apply both ask for every delivery.
     */
    public HeldAccount[] accountsFor(SessionState s, String topic) {
        if (s.viaGeneration == generation && topic.equals(s.viaTopic)) {
            return s.via;
        }
        HeldAccount[] via = match(s, topic);
        s.viaTopic = topic;
        s.via = via;
        s.viaGeneration = generation;
        return via;
    }

    /** A subscription was added or removed: answers of {@link #accountsFor} may differ now. */
    void subscriptionsChanged() {
        generation++;
    }

    private HeldAccount[] match(SessionState s, String topic) {
        Map<String, SubscriptionOptions> subs = s.subscriptions();
        if (subs.size() == 1) {
            String only = subs.keySet().iterator().next();
            if (Topics.matches(only, topic)) {
                return account(only).alone;
            }
        } else {
            List<HeldAccount> matched = new ArrayList<>(2);
            for (String filter : subs.keySet()) {
                if (Topics.matches(filter, topic)) {
                    matched.add(account(filter));
                }
            }
            if (!matched.isEmpty()) {
                return matched.toArray(new HeldAccount[0]);
            }
        }
        return account(UNSUBSCRIBED).alone;
    }

    void hold(Delivery d, HeldAccount[] via) {
        d.heldVia = via;
        for (HeldAccount a : via) {
            bytes += a.hold(d.message());
        }
        deliveries++;
    }

    /** A queued delivery moves into flight (it got a packet id). */
    void fly(Delivery d) {
        for (HeldAccount a : d.heldVia) {
            a.addBytes(IN_FLIGHT_OVERHEAD);
            bytes += IN_FLIGHT_OVERHEAD;
        }
    }

    void release(Delivery d, boolean inFlight) {
        for (HeldAccount a : d.heldVia) {
            bytes -= a.release(d.message());
            if (inFlight) {
                a.addBytes(-IN_FLIGHT_OVERHEAD);
                bytes -= IN_FLIGHT_OVERHEAD;
            }
        }
        d.heldVia = Delivery.NOT_HELD;
        deliveries--;
        releases++;
    }

    /**
     * Forgets the accounts that hold nothing (kept meanwhile so that a filter whose messages come
     * and go, as they do for online subscribers, does not create its account for every message).
     */
    public void pruneEmpty() {
        if (accounts.values().removeIf(HeldAccount::isEmpty)) {
            generation++; // a session's kept answer may name a removed account
        }
    }

    /** Forgets every count (before a recount of restored state). */
    void clear() {
        generation++;
        accounts.clear();
        bytes = 0;
        deliveries = 0;
    }
}
