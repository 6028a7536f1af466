package io.cairn.engine;

import io.cairn.engine.Outbound.Ack;
import io.cairn.engine.Outbound.AckResult;
import io.cairn.engine.Outbound.AckType;
import io.cairn.security.Authorizer;
import io.cairn.state.BrokerState;
import io.cairn.state.Message;
import io.cairn.state.SharedGroup;
import io.cairn.state.SubscriptionOptions;
import io.cairn.topic.Topics;
import io.cairn.state.Command;
import io.cairn.state.Delivery;
import io.cairn.state.SessionState;
import io.cairn.stats.BrokerStats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Messages on their way to subscribers: moves queued deliveries into the client's window with a
 * packet id, sends QoS 0 at once, drops expired and too-large messages and those the ACL does not let the client read, re-sends what is in flight
 * on resume, and follows the PUBACK and PUBREC/PUBREL/PUBCOMP flows to their end.
 *
 * <p>Threading: engine thread only.
 */
final class OutboundFlow {

    private static final int[] NO_IDS = new int[0];

    private final BrokerState state;
    private final Batch batch;
    private final Map<String, Connection> connected;
    private final BrokerStats stats;
    private final Authorizer authorizer;

    OutboundFlow(BrokerState state, Batch batch, Map<String, Connection> connected, BrokerStats stats,
                 Authorizer authorizer) {
        this.state = state;
        this.authorizer = authorizer;
        this.batch = batch;
        this.connected = connected;
        this.stats = stats;
    }

    /**
     * Sends queued deliveries while the client's window has room [MQTT-3.3.4-9] and its socket takes
     * more (a consumer that does not read stops its own pump; what waits stays queued and counted).
     */
    void pump(Connection c) {
        SessionState s = c.session;
        long now = batch.now();
        while (c.current && c.writable && !s.queue().isEmpty()) {
            Delivery d = s.firstQueued();
            long id = d.message().id();
            if (d.message().expired(now) || tooLarge(c, d)) {
                // [MQTT-3.3.2-5]; [MQTT-3.1.2-25]: too large is dropped as if delivered
                batch.execute(new Command.Dequeue(c.clientId, id), journaled(s, d));
                continue;
            }
            if (!authorizer.mayRead(c.clientId, c.username, d.message().topic())) {
                // checked when sent, not when subscribed: a deny under a granted wildcard holds, and so
                // does an ACL reloaded since the subscription
                stats.aclDeliveriesDropped.increment();
                batch.execute(new Command.Dequeue(c.clientId, id), journaled(s, d));
                continue;
            }
            if (d.qos() == 0) {
                batch.execute(new Command.Dequeue(c.clientId, id), journaled(s, d));
                send(c, d, 0);
                continue;
            }
            if (s.inflight().size() >= c.sendWindow) {
                return;
            }
            int packetId = s.nextFreePacketId();
            if (packetId == 0) {
                return;
            }
            batch.execute(new Command.AssignOutbound(c.clientId, packetId, id), s.persistent());
            send(c, d, packetId);
        }
        if (s.queue().isEmpty()) {
            pullShared(c);
        }
    }

    // ---------------------------------------------------------------- shared subscriptions

    /**
     * A member with room takes the next messages of its groups (after its own queue: what it
     * subscribed to alone comes first). This is how a window freed by an acknowledgement is refilled.
     */
    private void pullShared(Connection c) {
        if (state.shared().isEmpty()) {
            return;
        }
        for (String filter : c.session.subscriptions().keySet()) {
            if (Topics.isShared(filter)) {
                SharedGroup g = state.sharedGroup(filter);
                while (g != null && !g.queue().isEmpty() && canTake(c, g)) {
                    dispatchHead(c, g);
                }
            }
        }
    }

    /**
     * Hands a group's queued messages to its members, each to one: round robin over the members
     * that are connected and have room in their window, so that a slow member is passed over
     * instead of holding the others up; what nobody can take now waits in the group's queue.
     */
    void dispatch(SharedGroup g) {
        List<String> members = new ArrayList<>(g.members().keySet());
        int n = members.size();
        while (!g.queue().isEmpty() && n > 0) {
            Connection taker = null;
            int at = 0;
            for (int i = 0; i < n && taker == null; i++) {
                at = (g.cursor() + i) % n;
                Connection c = connected.get(members.get(at));
                if (c != null && canTake(c, g)) {
                    taker = c;
                }
            }
            if (taker == null) {
                return;
            }
            g.cursor(at + 1);
            dispatchHead(taker, g);
        }
    }

    /** Dispatches the messages of every group named (after a publish routed to them). */
    void dispatchShares(List<String> shares) {
        for (String key : shares) {
            SharedGroup g = state.sharedGroup(key);
            if (g != null) {
                dispatch(g);
            }
        }
    }

    /** Whether a member can take the head of a group's queue now. */
    private boolean canTake(Connection c, SharedGroup g) {
        if (!c.current || !c.writable) {
            return false;
        }
        SubscriptionOptions o = c.session.subscriptions().get(g.key());
        if (o == null) {
            return false;
        }
        Delivery head = g.queue().peekFirst();
        boolean qos0 = Math.min(head.qos(), o.qos()) == 0;
        return qos0 || (c.session.inflight().size() < c.sendWindow && c.session.nextFreePacketId() != 0);
    }

    /** The head of a group's queue goes to member {@code c} (which {@link #canTake} it). */
    private void dispatchHead(Connection c, SharedGroup g) {
        Delivery head = g.queue().peekFirst();
        Message m = head.message();
        SubscriptionOptions o = c.session.subscriptions().get(g.key());
        boolean durable = (state.persistent(g) || c.session.persistent()) && (m.retain() || m.qos() > 0);
        Delivery mine = new Delivery(m, Math.min(m.qos(), o.qos()), o.retainAsPublished() && m.retain(),
                o.subscriptionId() == 0 ? NO_IDS : new int[] {o.subscriptionId()}, g.key());
        if (m.expired(batch.now()) || tooLarge(c, mine) || !authorizer.mayRead(c.clientId, c.username, m.topic())) {
            // [MQTT-3.3.2-5]; [MQTT-3.1.2-25]; an ACL denial as for any delivery
            batch.execute(new Command.ShareDispatch(c.clientId, g.key(), m.id(), 0), durable);
            return;
        }
        if (mine.qos() == 0) {
            batch.execute(new Command.ShareDispatch(c.clientId, g.key(), m.id(), 0), durable);
            send(c, mine, 0);
            return;
        }
        int packetId = c.session.nextFreePacketId();
        batch.execute(new Command.ShareDispatch(c.clientId, g.key(), m.id(), packetId), durable);
        send(c, c.session.inflight().get(packetId).delivery, packetId);
    }

    /**
     * The member's connection ended: its QoS 1 shared deliveries in flight go back to their groups
     * and on to other members (5.0 section 4.8.2 allows it as soon as the connection is lost). QoS 2
     * stays with the member, to be completed when it returns [MQTT-4.8.2-4], unless
     * {@code sessionEnds}: then it is discarded [MQTT-4.8.2-5], by a journaled command so that replay
     * does not find it in flight to a session that is gone.
     */
    void returnShared(SessionState s, boolean sessionEnds) {
        List<SharedGroup> touched = null;
        for (SessionState.Inflight f : List.copyOf(s.inflight().values())) {
            String share = f.delivery.share();
            if (share == null || (f.delivery.qos() == 2 && !sessionEnds)) {
                continue;
            }
            SharedGroup g = state.sharedGroup(share);
            batch.execute(new Command.ShareReturn(s.clientId(), share, f.packetId), durable(s, f.delivery));
            if (g != null) {
                touched = touched == null ? new ArrayList<>() : touched;
                touched.add(g);
            }
        }
        if (touched != null) {
            touched.forEach(this::dispatch);
        }
    }

    /**
     * After recovery: deliveries in flight to members whose session ended with a crash (the journal
     * never held those sessions) go back to their groups, QoS 2 ones are discarded [MQTT-4.8.2-5].
     */
    void returnOrphans() {
        for (SharedGroup g : List.copyOf(state.shared().values())) {
            for (String key : List.copyOf(g.orphans().keySet())) {
                int split = key.indexOf('\u0000');
                batch.execute(new Command.ShareReturn(key.substring(0, split), g.key(),
                        Integer.parseInt(key.substring(split + 1))), state.persistent(g));
            }
        }
    }

    /** Whether a change of {@code s}'s delivery {@code d} must be journaled: the session's, or its group's. */
    private boolean durable(SessionState s, Delivery d) {
        if (s.persistent()) {
            return true;
        }
        SharedGroup g = d.share() == null ? null : state.sharedGroup(d.share());
        return g != null && state.persistent(g);
    }

    private void send(Connection c, Delivery d, int packetId) {
        batch.send(c, new Outbound.Publish(d, packetId, false, batch.now()));
        stats.messagesOut[d.qos()].increment();
        stats.bytesOut.add(d.message().payload().length);
    }

    /** The client's socket stopped taking writes, or takes them again. */
    void writable(Connection c, boolean writable) {
        if (c.writable == writable) {
            return;
        }
        c.writable = writable;
        if (writable) {
            pump(c);
        } else {
            stats.writePauses.increment();
        }
    }

    private static boolean tooLarge(Connection c, Delivery d) {
        return c.maxPacketSize != Long.MAX_VALUE && c.output.publishSize(d) > c.maxPacketSize;
    }

    /** Pumps every connected session a message was just routed to. */
    void pumpRoutes(List<Command.Route> routes) {
        for (Command.Route r : routes) {
            Connection target = connected.get(r.clientId());
            if (target != null) {
                pump(target);
            }
        }
    }

    /**
     * Whether the record that queued {@code d} for {@code s} was journaled, so that its removal must
     * be too: a Publish reaching a persistent session is journaled when the message is retained or
     * of QoS 1/2 (even where this subscriber gets it at QoS 0), and so is a Subscribe that queues
     * retained messages. Otherwise a QoS 0 delivery sent before a crash would be queued again by
     * replay and sent twice.
     */
    static boolean journaled(SessionState s, Delivery d) {
        return s.persistent() && (d.message().retain() || d.message().qos() > 0);
    }

    /** On resuming a session: every unacknowledged PUBLISH (DUP=1) and PUBREL, in order [MQTT-4.4.0-1]. */
    void resendInflight(Connection c) {
        for (SessionState.Inflight f : c.session.inflight().values()) {
            if (f.released) {
                batch.send(c, new Ack(AckType.PUBREL, f.packetId, AckResult.SUCCESS));
            } else {
                batch.send(c, new Outbound.Publish(f.delivery, f.packetId, true, batch.now()));
            }
        }
    }

    void puback(Connection c, int packetId) {
        SessionState.Inflight f = c.session.inflight().get(packetId);
        if (f != null && f.delivery.qos() == 1) {
            complete(c, packetId);
        }
    }

    void pubrec(Connection c, int packetId, int reason) {
        SessionState s = c.session;
        SessionState.Inflight f = s.inflight().get(packetId);
        if (f == null || f.delivery.qos() != 2) {
            AckResult result = c.reasonCodes ? AckResult.PACKET_ID_NOT_FOUND : AckResult.SUCCESS;
            batch.send(c, new Ack(AckType.PUBREL, packetId, result));
            return;
        }
        if (reason >= 0x80) {
            complete(c, packetId); // a negative PUBREC ends the delivery [MQTT-4.4.0-2]
            return;
        }
        if (!f.released) {
            batch.execute(new Command.ReceivedOutbound(c.clientId, packetId), durable(s, f.delivery));
        }
        batch.send(c, new Ack(AckType.PUBREL, packetId, AckResult.SUCCESS));
    }

    void pubcomp(Connection c, int packetId) {
        SessionState.Inflight f = c.session.inflight().get(packetId);
        if (f != null && f.released) {
            complete(c, packetId);
        }
    }

    private void complete(Connection c, int packetId) {
        SessionState.Inflight f = c.session.inflight().get(packetId);
        batch.execute(new Command.CompleteOutbound(c.clientId, packetId), durable(c.session, f.delivery));
        pump(c);
    }
}
