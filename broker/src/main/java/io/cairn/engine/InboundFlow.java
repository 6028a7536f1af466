package io.cairn.engine;

import io.cairn.engine.Outbound.Ack;
import io.cairn.engine.Outbound.AckResult;
import io.cairn.engine.Outbound.AckType;
import io.cairn.fault.RepeatedWarning;
import io.cairn.routing.Admission;
import io.cairn.routing.Router;
import io.cairn.security.Authorizer;
import io.cairn.state.BrokerState;
import io.cairn.state.Command;
import io.cairn.state.Message;
import io.cairn.state.MessageProperties;
import io.cairn.state.SessionState;
import io.cairn.state.Will;
import io.cairn.stats.BrokerStats;
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
    private final Admission admission;
    private final Map<String, Connection> connected;
    private final OutboundFlow outbound;
    private final Store store;
    private final boolean queueQos0;
    private final BrokerStats stats;
    private final Authorizer authorizer;
    /** overflow = "drop-oldest": makes room before a refusal; null under "reject". */
    private final DropOldest dropOldest;
    /** One line per 10 s at most: a full budget would otherwise cause one line per message. */
    private final RepeatedWarning refused = new RepeatedWarning(log, 10, TimeUnit.SECONDS);
    private final RepeatedWarning dropped = new RepeatedWarning(log, 10, TimeUnit.SECONDS);
    private final RepeatedWarning aclRefused = new RepeatedWarning(log, 10, TimeUnit.SECONDS);

    InboundFlow(BrokerState state, Batch batch, Map<String, Connection> connected, OutboundFlow outbound,
                Store store, Admission admission, boolean queueQos0, BrokerStats stats, Authorizer authorizer) {
        this.authorizer = authorizer;
        this.state = state;
        this.batch = batch;
        this.router = new Router(state);
        this.admission = admission;
        this.connected = connected;
        this.outbound = outbound;
        this.store = store;
        this.queueQos0 = queueQos0;
        this.stats = stats;
        this.dropOldest = admission.budgets().dropOldest() ? new DropOldest(state, batch, admission, stats) : null;
    }

    /**
     * A PUBLISH from a client: routed, admitted against the budgets, journaled and acknowledged.
     * Returns false, having done nothing, when it does not fit and the client cannot be told (MQTT
     * 3.x): the caller holds the client until there is room.
     */
    boolean publish(Connection c, InboundPublish p) {
        SessionState s = c.session;
        if (p.qos() == 2 && s.holdsInbound(p.packetId())) {
            // a re-sent PUBLISH before PUBREL: acknowledge again, never route twice [MQTT-4.3.3-10]
            batch.send(c, new Ack(AckType.PUBREC, p.packetId(), AckResult.SUCCESS));
            return true;
        }
        if (p.qos() > 0 && c.reasonCodes && !store.healthy()) {
            refuseWhileTheDiskFails(c, p);
            return true;
        }
        if (!authorizer.mayWrite(c.clientId, c.username, p.topic())) {
            refuseByAcl(c, p); // before admission: a refused message takes no budget and is never held
            return true;
        }
        Message m = newMessage(p.topic(), p.qos(), p.retain(), p.payload(), p.properties());
        Router.Result routed = router.route(m, c.clientId, connected.keySet(), queueQos0);
        Admission.Verdict verdict = admission.admit(m, routed.routes(), routed.shares());
        if (verdict.refused() && dropOldest != null && dropOldest.makeRoom(m, routed.routes())) {
            verdict = admission.admit(m, routed.routes(), routed.shares());
        }
        if (verdict.refused()) {
            if (!c.reasonCodes) {
                return false;
            }
            stats.publishesRefused.increment();
            refused.warn("a budget is full: PUBLISH to '{}' from {} refused with 0x97 (quota exceeded)", p.topic(), c.clientId);
            acknowledge(c, p, AckResult.QUOTA_EXCEEDED); // before anything is acknowledged or queued
            return true;
        }
        countDropped(verdict, p.topic());
        boolean holds = p.qos() == 2;
        boolean durable = m.retain() || (p.qos() > 0 && (routed.anyPersistent() || (holds && s.persistent())));
        batch.execute(new Command.Publish(c.clientId, holds ? p.packetId() : 0, m, verdict.routes(), verdict.shares()),
                durable);
        stats.messagesIn[p.qos()].increment();
        stats.bytesIn.add(p.payload().length);
        acknowledge(c, p, AckResult.SUCCESS);
        outbound.pumpRoutes(verdict.routes());
        outbound.dispatchShares(verdict.shares());
        return true;
    }

    /**
     * The ACL denies the publisher this topic: 5.0 gets PUBACK/PUBREC 0x87; 3.x, which has no
     * negative acknowledgement, gets a plain acknowledgement and the message is discarded (3.1.1
     * section 4.9 allows this). Nothing is routed, retained or journaled.
     */
    private void refuseByAcl(Connection c, InboundPublish p) {
        stats.aclRefusals.increment();
        aclRefused.warn("ACL: PUBLISH to '{}' from {} (user {}) refused", p.topic(), c.clientId, c.username);
        acknowledge(c, p, c.reasonCodes ? AckResult.NOT_AUTHORIZED : AckResult.SUCCESS);
    }

    private void countDropped(Admission.Verdict verdict, String topic) {
        if (verdict.dropped() > 0) {
            stats.qos0Dropped.add(verdict.dropped());
            dropped.warn("a budget is full: QoS 0 message to '{}' not queued for {} subscriber(s)", topic,
                    verdict.dropped());
        }
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
        Router.Result routed = router.route(m, "", connected.keySet(), queueQos0);
        Admission.Verdict verdict = admitOrDrop(m, routed, topic);
        batch.execute(new Command.Publish("", 0, m, verdict.routes(), verdict.shares()), false);
        outbound.pumpRoutes(verdict.routes());
        outbound.dispatchShares(verdict.shares());
    }

    /** Publishes the session's Will now and clears it. */
    void publishWill(SessionState s) {
        Will w = s.will();
        ClientLog.willPublished(s.clientId(), w.topic(), w.qos(), w.retain());
        Message m = newMessage(w.topic(), w.qos(), w.retain(), w.payload(), w.properties());
        Router.Result routed = router.route(m, s.clientId(), connected.keySet(), queueQos0);
        Admission.Verdict verdict = admitOrDrop(m, routed, "Will of " + s.clientId());
        boolean durable = m.retain() || (m.qos() > 0 && routed.anyPersistent());
        batch.execute(new Command.Publish(s.clientId(), 0, m, verdict.routes(), verdict.shares()), durable);
        batch.execute(new Command.ClearWill(s.clientId()), s.persistent());
        outbound.pumpRoutes(verdict.routes());
        outbound.dispatchShares(verdict.shares());
    }

    /**
     * A message the broker publishes itself (a Will, $SYS) has no publisher to refuse: the routes
     * that fit are kept, the others are dropped, counted and logged.
     */
    private Admission.Verdict admitOrDrop(Message m, Router.Result routed, String what) {
        Admission.Verdict verdict = admission.admitWhatFits(m, routed.routes(), routed.shares());
        if (verdict.dropped() > 0) {
            stats.brokerMessagesDropped.add(verdict.dropped());
            dropped.warn("a budget is full: {} to '{}' not queued for {} subscriber(s)", what, m.topic(), verdict.dropped());
        }
        return verdict;
    }

    private Message newMessage(String topic, int qos, boolean retain, byte[] payload, MessageProperties props) {
        long now = batch.now();
        long expiresAt = props.expiryInterval() >= 0 ? now + props.expiryInterval() * 1000L : 0;
        return new Message(state.nextMessageId(), topic, qos, retain, payload, props, expiresAt);
    }
}
