package io.cairn.engine;

import io.cairn.engine.Outbound.Ack;
import io.cairn.engine.Outbound.AckResult;
import io.cairn.engine.Outbound.AckType;
import io.cairn.fault.RepeatedWarning;
import io.cairn.routing.QueueLimits;
import io.cairn.routing.Router;
import io.cairn.state.BrokerState;
import io.cairn.state.Command;
import io.cairn.state.Message;
import io.cairn.state.MessageProperties;
import io.cairn.state.SessionState;
import io.cairn.state.Will;
import io.cairn.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Messages from publishers (and Wills): routes them, queues them for every subscriber in one
 * journaled command, and acknowledges by QoS; holds an inbound QoS 2 packet id until PUBREL so that a
 * re-sent PUBLISH is acknowledged again and never routed twice.
 *
 * <p>Threading: engine thread only.
 */
final class InboundFlow {

    private static final Logger log = LoggerFactory.getLogger(InboundFlow.class);

    private final BrokerState state;
    private final Batch batch;
    private final Router router;
    private final Map<String, Connection> connected;
    private final OutboundFlow outbound;
    private final Store store;
    private final QueueLimits limits;
    /** One line per 10 s at most: a stalled subscriber would otherwise cause one line per message. */
    private final RepeatedWarning queueFull = new RepeatedWarning(log, 10, TimeUnit.SECONDS);

    InboundFlow(BrokerState state, Batch batch, Map<String, Connection> connected, OutboundFlow outbound,
                Store store, QueueLimits limits) {
        this.state = state;
        this.batch = batch;
        this.router = new Router(state);
        this.connected = connected;
        this.outbound = outbound;
        this.store = store;
        this.limits = limits;
    }

    void publish(Connection c, InboundPublish p) {
        SessionState s = c.session;
        if (p.qos() == 2 && s.holdsInbound(p.packetId())) {
            // a re-sent PUBLISH before PUBREL: acknowledge again, never route twice [MQTT-4.3.3-10]
            batch.send(c, new Ack(AckType.PUBREC, p.packetId(), AckResult.SUCCESS));
            return;
        }
        if (p.qos() > 0 && c.reasonCodes && !store.healthy()) {
            refuseWhileTheDiskFails(c, p);
            return;
        }
        Message m = newMessage(p.topic(), p.qos(), p.retain(), p.payload(), p.properties());
        Router.Result routed = router.route(m, c.clientId, connected.keySet(), limits);
        if (routed.overQuota()) {
            if (c.reasonCodes && p.qos() > 0) {
                acknowledge(c, p, AckResult.QUOTA_EXCEEDED);
                return;
            }
            queueFull.warn("queue full for a subscriber of '{}': message from {} not queued for it", p.topic(), c.clientId);
        }
        boolean holds = p.qos() == 2;
        boolean durable = m.retain() || (p.qos() > 0 && (routed.anyPersistent() || (holds && s.persistent())));
        batch.execute(new Command.Publish(c.clientId, holds ? p.packetId() : 0, m, routed.routes()), durable);
        acknowledge(c, p, AckResult.SUCCESS);
        outbound.pumpRoutes(routed.routes());
    }

    /**
     * The journal cannot write: an MQTT 5 publisher is refused at once (3.x has no negative
     * acknowledgement: its publishers wait for the disk), but never ahead of an earlier
     * acknowledgement of the same client [MQTT-4.6.0-2]: if one still waits for the disk, the
     * refusal queues behind it.
     */
    private void refuseWhileTheDiskFails(Connection c, InboundPublish p) {
        AckType type = p.qos() == 1 ? AckType.PUBACK : AckType.PUBREC;
        Ack refusal = new Ack(type, p.packetId(), AckResult.NOT_ACCEPTED);
        if (c.outbox.isEmpty() && c.unreleasedBatches.get() == 0) {
            c.output.deliver(List.of(refusal), false);
        } else {
            batch.send(c, refusal);
        }
    }

    private void acknowledge(Connection c, InboundPublish p, AckResult result) {
        if (p.qos() == 1) {
            batch.send(c, new Ack(AckType.PUBACK, p.packetId(), result));
        } else if (p.qos() == 2) {
            batch.send(c, new Ack(AckType.PUBREC, p.packetId(), result));
        }
    }

    void pubrel(Connection c, int packetId) {
        SessionState s = c.session;
        AckResult result = AckResult.SUCCESS;
        if (s.holdsInbound(packetId)) {
            batch.execute(new Command.ReleaseInbound(c.clientId, packetId), s.persistent());
        } else if (c.reasonCodes) {
            result = AckResult.PACKET_ID_NOT_FOUND;
        }
        batch.send(c, new Ack(AckType.PUBCOMP, packetId, result));
    }

    /** A retained QoS 0 broker message ($SYS): applied and delivered, not journaled. */
    void publishSystem(String topic, byte[] payload) {
        Message m = newMessage(topic, 0, true, payload, MessageProperties.NONE);
        Router.Result routed = router.route(m, "", connected.keySet(), limits);
        batch.execute(new Command.Publish("", 0, m, routed.routes()), false);
        outbound.pumpRoutes(routed.routes());
    }

    /** Publishes the session's Will now and clears it. */
    void publishWill(SessionState s) {
        Will w = s.will();
        Message m = newMessage(w.topic(), w.qos(), w.retain(), w.payload(), w.properties());
        Router.Result routed = router.route(m, s.clientId(), connected.keySet(), limits);
        boolean durable = m.retain() || (m.qos() > 0 && routed.anyPersistent());
        batch.execute(new Command.Publish(s.clientId(), 0, m, routed.routes()), durable);
        batch.execute(new Command.ClearWill(s.clientId()), s.persistent());
        outbound.pumpRoutes(routed.routes());
    }

    private Message newMessage(String topic, int qos, boolean retain, byte[] payload, MessageProperties props) {
        long now = batch.now();
        long expiresAt = props.expiryInterval() >= 0 ? now + props.expiryInterval() * 1000L : 0;
        return new Message(state.nextMessageId(), topic, qos, retain, payload, props, expiresAt);
    }
}
