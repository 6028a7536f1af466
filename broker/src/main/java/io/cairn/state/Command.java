package io.cairn.state;

import java.util.List;

/**
 * A change of broker state. Commands are the only way {@link BrokerState} changes, and carry every
 * decision that depends on time, randomness or live connections (routing, packet ids, which retained
 * messages a new subscription gets), so that applying the same commands in the same order always
 * gives the same state: live, on recovery from the journal, and later on every Raft replica.
 *
 * <p>Threading: immutable values.
 */
public sealed interface Command {

    /** The client id of the session the command belongs to (null for none). */
    String clientId();

    /** Calls the visitor's method for this kind of command. */
    <R> R accept(Visitor<R> visitor);

    /**
     * One method per kind of command: whoever walks commands (the state machine, the journal codec)
     * implements this, so a new kind of command does not compile until every walk handles it.
     */
    interface Visitor<R> {
        R openSession(OpenSession c);

        R setExpiry(SetExpiry c);

        R clearWill(ClearWill c);

        R detach(Detach c);

        R endSession(EndSession c);

        R subscribe(Subscribe c);

        R unsubscribe(Unsubscribe c);

        R publish(Publish c);

        R releaseInbound(ReleaseInbound c);

        R assignOutbound(AssignOutbound c);

        R receivedOutbound(ReceivedOutbound c);

        R completeOutbound(CompleteOutbound c);

        R dequeue(Dequeue c);

        R shareDispatch(ShareDispatch c);

        R shareReturn(ShareReturn c);
    }

    /** Creates a session, or resumes the stored one; {@code cleanStart} discards any stored one first. */
    record OpenSession(String clientId, boolean cleanStart, long expiryInterval, Will will) implements Command {
        @Override
        public <R> R accept(Visitor<R> v) {
            return v.openSession(this);
        }
    }

    /** The session's expiry interval changed (5.0 DISCONNECT). */
    record SetExpiry(String clientId, long expiryInterval) implements Command {
        @Override
        public <R> R accept(Visitor<R> v) {
            return v.setExpiry(this);
        }
    }

    /** The session's Will was published or cancelled. */
    record ClearWill(String clientId) implements Command {
        @Override
        public <R> R accept(Visitor<R> v) {
            return v.clearWill(this);
        }
    }

    /**
     * The session's connection ended and the session lives on: its clocks, as wall-clock deadlines
     * (milliseconds since the epoch) so that a restart neither restarts nor forgets them.
     * {@code expiresAtMillis} is {@link SessionState#NEVER} for a session that never expires;
     * {@code willAtMillis} is 0 when no Will is waiting.
     */
    record Detach(String clientId, long expiresAtMillis, long willAtMillis) implements Command {
        @Override
        public <R> R accept(Visitor<R> v) {
            return v.detach(this);
        }
    }

    /** The session ends: its state is discarded, its subscriptions removed. */
    record EndSession(String clientId) implements Command {
        @Override
        public <R> R accept(Visitor<R> v) {
            return v.endSession(this);
        }
    }

    /**
     * A subscription is added or replaced; {@code retainedTopics} are the topics whose retained
     * messages are queued for it (chosen by Retain Handling and expiry at the time of the SUBSCRIBE).
     */
    record Subscribe(String clientId, String filter, SubscriptionOptions options, List<String> retainedTopics)
            implements Command {
        @Override
        public <R> R accept(Visitor<R> v) {
            return v.subscribe(this);
        }
    }

    /** A subscription is removed. */
    record Unsubscribe(String clientId, String filter) implements Command {
        @Override
        public <R> R accept(Visitor<R> v) {
            return v.unsubscribe(this);
        }
    }

    /**
     * A message is accepted from a client (or a Will is published, then {@code clientId} is the
     * will's owner and {@code inboundPacketId} 0): it becomes the retained message if its RETAIN flag
     * is set, it is queued to every route, and for an inbound QoS 2 PUBLISH its packet id is held
     * until PUBREL so that a re-sent PUBLISH is not routed twice. {@code shares} are the shared
     * subscriptions ({@code $share/...}) whose group queues get it once each.
     */
    record Publish(String clientId, int inboundPacketId, Message message, List<Route> routes, List<String> shares)
            implements Command {
        public Publish(String clientId, int inboundPacketId, Message message, List<Route> routes) {
            this(clientId, inboundPacketId, message, routes, List.of());
        }

        @Override
        public <R> R accept(Visitor<R> v) {
            return v.publish(this);
        }
    }

    /** One subscriber's share of a published message: its QoS, RETAIN flag and Subscription Ids. */
    record Route(String clientId, int qos, boolean retain, int[] subscriptionIds) {}

    /** An inbound QoS 2 packet id is released (PUBREL received). */
    record ReleaseInbound(String clientId, int packetId) implements Command {
        @Override
        public <R> R accept(Visitor<R> v) {
            return v.releaseInbound(this);
        }
    }

    /** The queued delivery of message {@code messageId} is sent with packet id {@code packetId}. */
    record AssignOutbound(String clientId, int packetId, long messageId) implements Command {
        @Override
        public <R> R accept(Visitor<R> v) {
            return v.assignOutbound(this);
        }
    }

    /** PUBREC received for an outbound QoS 2 delivery: from now on PUBREL is what is re-sent. */
    record ReceivedOutbound(String clientId, int packetId) implements Command {
        @Override
        public <R> R accept(Visitor<R> v) {
            return v.receivedOutbound(this);
        }
    }

    /** An outbound delivery ended: PUBACK, PUBCOMP, or a negative PUBACK/PUBREC. */
    record CompleteOutbound(String clientId, int packetId) implements Command {
        @Override
        public <R> R accept(Visitor<R> v) {
            return v.completeOutbound(this);
        }
    }

    /** A queued delivery is removed without a packet id: QoS 0 sent, expired, or too large. */
    record Dequeue(String clientId, long messageId) implements Command {
        @Override
        public <R> R accept(Visitor<R> v) {
            return v.dequeue(this);
        }
    }

    /**
     * The message {@code messageId} queued in shared subscription {@code share} goes to member
     * {@code clientId}: in flight with {@code packetId}, or, with packet id 0, sent at QoS 0 or
     * discarded (expired, too large, not readable by that member).
     */
    record ShareDispatch(String clientId, String share, long messageId, int packetId) implements Command {
        @Override
        public <R> R accept(Visitor<R> v) {
            return v.shareDispatch(this);
        }
    }

    /**
     * The member no longer holds the shared delivery in flight with {@code packetId}: its connection
     * ended (QoS 1: the message goes back to the front of the group's queue) or, for an orphan of a
     * member whose session ended, QoS 2 is discarded [MQTT-4.8.2-5].
     */
    record ShareReturn(String clientId, String share, int packetId) implements Command {
        @Override
        public <R> R accept(Visitor<R> v) {
            return v.shareReturn(this);
        }
    }
}
