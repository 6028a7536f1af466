package io.cairn.engine;

import io.cairn.fault.RepeatedWarning;
import io.cairn.routing.Admission;
import io.cairn.state.BrokerState;
import io.cairn.state.Command;
import io.cairn.state.Delivery;
import io.cairn.state.HeldAccount;
import io.cairn.state.Message;
import io.cairn.state.SessionState;
import io.cairn.stats.BrokerStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code overflow = "drop-oldest"}, the explicit opt-in: instead of refusing a message that does not
 * fit, the oldest queued deliveries are dropped to make room: from the session whose bound is full,
 * or, for a full filter, the filter's oldest message from every session subscribed with that filter.
 * Only queued deliveries are dropped (one in flight was sent and awaits its acknowledgement). Every
 * drop is a journaled {@link Command.Dequeue}, counted and logged (at most one line per 10 s). When no
 * room can be made this way (everything is in flight, or the ceiling on all filters is reached), the
 * message is refused as under {@code reject}.
 *
 * <p>Threading: engine thread only.
 */
final class DropOldest {

    private static final Logger log = LoggerFactory.getLogger(DropOldest.class);
    /** Drops tried for one message at most: a bound on the work one PUBLISH can cause. */
    private static final int MAX_VICTIMS = 256;

    private final BrokerState state;
    private final Batch batch;
    private final Admission admission;
    private final BrokerStats stats;
    private final RepeatedWarning dropped = new RepeatedWarning(log, 10, TimeUnit.SECONDS);

    DropOldest(BrokerState state, Batch batch, Admission admission, BrokerStats stats) {
        this.state = state;
        this.batch = batch;
        this.admission = admission;
        this.stats = stats;
    }

    /** Drops old deliveries until every route of {@code m} fits; false if that cannot be done. */
    boolean makeRoom(Message m, List<Command.Route> routes) {
        for (Command.Route r : routes) {
            SessionState s = state.session(r.clientId());
            if (s != null && !makeRoomIn(s, m)) {
                return false;
            }
        }
        return true;
    }

    private boolean makeRoomIn(SessionState s, Message m) {
        for (int tries = 0; tries < MAX_VICTIMS; tries++) {
            if (!admission.fitsSession(s, m)) {
                if (!dropFirstQueued(s)) {
                    return false;
                }
                continue;
            }
            HeldAccount full = fullAccount(s, m);
            if (full == null) {
                return true;
            }
            if (!dropOldestOf(full)) {
                return false;
            }
        }
        return false;
    }

    private HeldAccount fullAccount(SessionState s, Message m) {
        for (HeldAccount a : state.holdings().accountsFor(s, m.topic())) {
            if (a.bytes() + a.costOf(m) > a.capacity()) {
                return a;
            }
        }
        return null;
    }

    private boolean dropFirstQueued(SessionState s) {
        Delivery d = s.firstQueued();
        if (d == null) {
            return false;
        }
        drop(s, d);
        return true;
    }

    /** Drops the filter's oldest message that is queued somewhere from every subscriber of the filter. */
    private boolean dropOldestOf(HeldAccount a) {
        List<Message> oldestFirst = new ArrayList<>();
        for (Message held : a.messagesOldestFirst()) {
            oldestFirst.add(held);
            if (oldestFirst.size() == 16) {
                break;
            }
        }
        for (Message victim : oldestFirst) {
            boolean any = false;
            for (String clientId : List.copyOf(state.subscriptions().subscribersOf(a.filter()))) {
                SessionState s = state.session(clientId);
                Delivery d = s == null ? null : queued(s, victim);
                if (d != null) {
                    drop(s, d);
                    any = true;
                }
            }
            if (any) {
                return true;
            }
        }
        return false;
    }

    private static Delivery queued(SessionState s, Message m) {
        for (Delivery d : s.queue()) {
            if (d.message().id() == m.id()) {
                return d;
            }
        }
        return null;
    }

    private void drop(SessionState s, Delivery d) {
        batch.execute(new Command.Dequeue(s.clientId(), d.message().id()), OutboundFlow.journaled(s, d));
        stats.droppedOldest.increment();
        dropped.warn("overflow = \"drop-oldest\": a budget is full: dropped the oldest queued message ('{}') of {} "
                + "to make room", d.message().topic(), s.clientId());
    }
}
