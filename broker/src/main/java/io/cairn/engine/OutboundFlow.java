package io.cairn.engine;

import io.cairn.engine.Outbound.Ack;
import io.cairn.engine.Outbound.AckResult;
import io.cairn.engine.Outbound.AckType;
import io.cairn.security.Authorizer;
import io.cairn.state.Command;
import io.cairn.state.Delivery;
import io.cairn.state.SessionState;
import io.cairn.stats.BrokerStats;

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

    private final Batch batch;
    private final Map<String, Connection> connected;
    private final BrokerStats stats;
    private final Authorizer authorizer;

    OutboundFlow(Batch batch, Map<String, Connection> connected, BrokerStats stats, Authorizer authorizer) {
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
            Delivery d = s.queue().peekFirst();
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
            batch.execute(new Command.ReceivedOutbound(c.clientId, packetId), s.persistent());
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
        batch.execute(new Command.CompleteOutbound(c.clientId, packetId), c.session.persistent());
        pump(c);
    }
}
