package io.cairn.routing;

import io.cairn.state.BrokerState;
import io.cairn.state.Command;
import io.cairn.state.HeldAccount;
import io.cairn.state.Holdings;
import io.cairn.state.Message;
import io.cairn.state.SessionState;
import io.cairn.state.SharedGroup;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * Decides, before anything is acknowledged, whether a routed message fits the {@link Budgets}: each
 * target session's bounds, the account of every filter it would be held through, and the ceiling
 * on everything held. A message counts once per filter account however many of its routes go
 * through that account. A QoS 1/2 route that does not fit refuses the whole message (no subscriber
 * gets it, so the publisher can send it again without duplicating it to the others); a QoS 0 route
 * that does not fit is left out and counted.
 *
 * <p>Threading: engine thread only (it reuses one map).
 */
public final class Admission {

    /**
     * The routes and shared subscriptions that fit, whether the message is refused, and how many
     * routes and shared subscriptions were left out.
     */
    public record Verdict(List<Command.Route> routes, boolean refused, int dropped, List<String> shares) {
        Verdict(List<Command.Route> routes, boolean refused, int dropped) {
            this(routes, refused, dropped, List.of());
        }
    }

    private static final Verdict REFUSED = new Verdict(List.of(), true, 0);

    private final BrokerState state;
    private final Budgets budgets;
    /** Bytes this message would add to each account, over the routes admitted so far. */
    private final IdentityHashMap<HeldAccount, Long> adding = new IdentityHashMap<>();
    /** The account added to last, and its addition: routes mostly share one filter's account. */
    private HeldAccount lastAccount;
    private long lastAdded;

    public Admission(BrokerState state, Budgets budgets) {
        this.state = state;
        this.budgets = budgets;
    }

    public Budgets budgets() {
        return budgets;
    }

    /** Admits a client's message: a QoS 1/2 route that does not fit refuses all of it. */
    public Verdict admit(Message m, List<Command.Route> routes) {
        return admit(m, routes, List.of(), true);
    }

    /** Admits a client's message routed to sessions and to shared subscriptions. */
    public Verdict admit(Message m, List<Command.Route> routes, List<String> shares) {
        return admit(m, routes, shares, true);
    }

    /** As {@link #admitWhatFits(Message, List)}, with shared subscriptions. */
    public Verdict admitWhatFits(Message m, List<Command.Route> routes, List<String> shares) {
        return admit(m, routes, shares, false);
    }

    /**
     * Admits a message the broker publishes itself (a Will, $SYS): there is nobody to refuse, so
     * every route that does not fit is left out.
     */
    public Verdict admitWhatFits(Message m, List<Command.Route> routes) {
        return admit(m, routes, List.of(), false);
    }

    private Verdict admit(Message m, List<Command.Route> routes, List<String> shares, boolean mayRefuse) {
        if (!adding.isEmpty()) {
            adding.clear(); // IdentityHashMap.clear() fills its whole table: only when used
        }
        lastAccount = null;
        long total = 0;
        List<Command.Route> admitted = null; // a copy only once a route is left out
        for (int i = 0; i < routes.size(); i++) {
            Command.Route r = routes.get(i);
            SessionState s = state.session(r.clientId());
            boolean fits = s == null; // a route to a session that is gone costs nothing (apply skips it)
            if (s != null) {
                HeldAccount[] via = state.holdings().accountsFor(s, m.topic());
                long cost = costIn(via, m);
                fits = fitsSession(s, m) && fitsAccounts(via, m)
                        && state.holdings().bytes() + total + cost <= budgets.ceilingBytes();
                if (fits) {
                    total += cost;
                    record(via, m);
                }
            }
            if (!fits && r.qos() > 0 && mayRefuse) {
                return REFUSED;
            }
            if (!fits && admitted == null) {
                admitted = new ArrayList<>(routes.subList(0, i));
            } else if (fits && admitted != null) {
                admitted.add(r);
            }
        }
        List<Command.Route> kept = admitted == null ? routes : admitted;
        int dropped = routes.size() - kept.size();
        if (shares.isEmpty()) {
            return new Verdict(kept, false, dropped);
        }
        List<String> keptShares = new ArrayList<>(shares.size());
        for (String key : shares) {
            if (fitsShared(state.sharedGroup(key), m, total)) {
                keptShares.add(key);
                total += costIn(state.holdings().account(state.sharedGroup(key).filter()).onlyThis(), m);
                record(state.holdings().account(state.sharedGroup(key).filter()).onlyThis(), m);
            } else if (m.qos() > 0 && mayRefuse) {
                return REFUSED;
            } else {
                dropped++;
            }
        }
        return new Verdict(kept, false, dropped, keptShares);
    }

    /**
     * Whether a shared subscription's queue takes one more copy: the bounds of a session (a group's
     * queue is held like one), its filter's account and the ceiling.
     */
    private boolean fitsShared(SharedGroup g, Message m, long total) {
        HeldAccount[] via = state.holdings().account(g.filter()).onlyThis();
        QueueLimits q = budgets.session();
        return g.heldCount() < q.maxMessages()
                && g.heldBytes() + m.footprint() + Holdings.DELIVERY_OVERHEAD <= q.maxBytes()
                && fitsAccounts(via, m)
                && state.holdings().bytes() + total + costIn(via, m) <= budgets.ceilingBytes();
    }

    /**
     * Whether the retained messages a new subscription gets fit: the session's bounds, the account of
     * the subscription's filter, and the ceiling.
     */
    public boolean fitsRetained(SessionState s, String filter, List<Message> retained) {
        if (retained.isEmpty()) {
            return true;
        }
        HeldAccount a = state.holdings().account(filter);
        long sessionBytes = 0;
        long accountBytes = 0;
        for (Message m : retained) {
            sessionBytes += m.footprint() + Holdings.DELIVERY_OVERHEAD;
            accountBytes += a.costOf(m);
        }
        QueueLimits q = budgets.session();
        return s.heldCount() + retained.size() <= q.maxMessages() && s.heldBytes() + sessionBytes <= q.maxBytes()
                && a.bytes() + accountBytes <= a.capacity()
                && state.holdings().bytes() + accountBytes <= budgets.ceilingBytes();
    }

    /** Whether one more delivery of {@code m} fits the bounds of session {@code s}. */
    public boolean fitsSession(SessionState s, Message m) {
        QueueLimits q = budgets.session();
        return s.heldCount() < q.maxMessages() && s.heldBytes() + m.footprint() + Holdings.DELIVERY_OVERHEAD <= q.maxBytes();
    }

    private boolean fitsAccounts(HeldAccount[] via, Message m) {
        for (HeldAccount a : via) {
            if (a.bytes() + added(a) + cost(a, m) > a.capacity()) {
                return false;
            }
        }
        return true;
    }

    private long costIn(HeldAccount[] via, Message m) {
        long c = 0;
        for (HeldAccount a : via) {
            c += cost(a, m);
        }
        return c;
    }

    /**
     * The message's bytes count once per account: only its first holder there pays for them. The
     * message is new (admission is asked before it is held anywhere), so no account holds it yet.
     */
    private long cost(HeldAccount a, Message m) {
        return a == lastAccount || adding.containsKey(a) ? Holdings.DELIVERY_OVERHEAD : HeldAccount.firstCost(m);
    }

    private long added(HeldAccount a) {
        return a == lastAccount ? lastAdded : adding.getOrDefault(a, 0L);
    }

    private void record(HeldAccount[] via, Message m) {
        for (HeldAccount a : via) {
            long total = added(a) + cost(a, m);
            if (lastAccount != null && lastAccount != a) {
                adding.put(lastAccount, lastAdded); // the fast slot moves to a; keep the other's sum
            }
            lastAccount = a; // its sum lives in lastAdded while it is last (a value in the map is stale then)
            lastAdded = total;
        }
    }
}
