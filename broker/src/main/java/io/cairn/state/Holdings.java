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

    /**
     * Heap bytes one delivery costs beyond its message: the Delivery object, its slot in the
     * session's queue or in-flight map, and its holder count in the filter account (measured, see
     * HeldBytesMeasurementTest).
     */
    public static final long DELIVERY_OVERHEAD = 96;

    /** The account of deliveries whose session no longer has a filter matching their topic. */
    public static final String UNSUBSCRIBED = "(unsubscribed)";

    private final Map<String, HeldAccount> accounts = new HashMap<>();
    private Consumer<HeldAccount> budgets = a -> { };
    private long bytes;
    private long deliveries;
    private long releases;

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

    /** The accounts a delivery of {@code topic} to {@code s} is held in: its filters matching the topic. */
    public HeldAccount[] accountsFor(SessionState s, String topic) {
        Map<String, SubscriptionOptions> subs = s.subscriptions();
        if (subs.size() == 1) {
            String only = subs.keySet().iterator().next();
            if (Topics.matches(only, topic)) {
                return new HeldAccount[] {account(only)};
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
        return new HeldAccount[] {account(UNSUBSCRIBED)};
    }

    void hold(Delivery d, HeldAccount[] via) {
        d.heldVia = via;
        for (HeldAccount a : via) {
            bytes += a.hold(d.message());
        }
        deliveries++;
    }

    void release(Delivery d) {
        for (HeldAccount a : d.heldVia) {
            bytes -= a.release(d.message());
            if (a.isEmpty()) {
                accounts.remove(a.filter());
            }
        }
        d.heldVia = Delivery.NOT_HELD;
        deliveries--;
        releases++;
    }

    /** Forgets every count (before a recount of restored state). */
    void clear() {
        accounts.clear();
        bytes = 0;
        deliveries = 0;
    }
}
