package io.cairn.engine;

import io.cairn.state.Delivery;

/**
 * What the engine sends to a client, in protocol-neutral form: the engine decides what happens, the
 * protocol layer ({@code io.cairn.protocol}) turns each event into the packet of the client's
 * protocol version. The engine never builds bytes.
 *
 * <p>Threading: immutable values (arrays are never written after construction).
 */
public sealed interface Outbound {

    /** CONNACK for an accepted connection. */
    record ConnAck(boolean sessionPresent) implements Outbound {}

    /** The four acknowledgements of the QoS 1 and 2 flows. */
    enum AckType { PUBACK, PUBREC, PUBREL, PUBCOMP }

    /** How an acknowledgement ends: success, or why not (clients that cannot be told are never sent a refusal). */
    enum AckResult { SUCCESS, PACKET_ID_NOT_FOUND, NOT_ACCEPTED, QUOTA_EXCEEDED, NOT_AUTHORIZED }

    /** PUBACK, PUBREC, PUBREL or PUBCOMP. */
    record Ack(AckType type, int packetId, AckResult result) implements Outbound {}

    /** A filter refused because it is not a valid filter (or deeper than the broker allows). */
    int FILTER_INVALID = -1;
    /** A filter refused because the retained messages it would get do not fit the budgets. */
    int QUOTA_EXCEEDED = -3;

    /** A filter refused because the ACL does not let the client read it. */
    int NOT_AUTHORIZED = -4;

    /**
     * SUBACK: per filter, the granted QoS (0..2) or a refusal ({@link #FILTER_INVALID},
     * {@link #QUOTA_EXCEEDED}, {@link #NOT_AUTHORIZED}).
     */
    record SubAck(int packetId, int[] results) implements Outbound {}

    /** UNSUBACK: per filter, whether a subscription existed. */
    record UnsubAck(int packetId, boolean[] existed) implements Outbound {}

    /** A PUBLISH of a delivery; {@code packetId} 0 for QoS 0; DUP on re-transmission only. */
    record Publish(Delivery delivery, int packetId, boolean dup, long nowMillis) implements Outbound {}

    /** Why the server ends a connection. */
    enum DisconnectReason { SESSION_TAKEN_OVER, SERVER_SHUTTING_DOWN }

    /** A server DISCONNECT (clients of versions without one are simply closed). */
    record Disconnect(DisconnectReason reason) implements Outbound {}
}
