package io.cairn.protocol;

import io.cairn.engine.Outbound;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;

/**
 * Turns the engine's protocol-neutral {@link Outbound} events into the packets of one connection's
 * protocol version (Netty messages for Netty's {@code MqttEncoder}): the reason codes of 5.0, the
 * return codes of 3.1.1, and nothing where a version has no such packet.
 *
 * <p>Threading: stateless; called on the connection's event loop.
 */
final class EventEncoder {

    private EventEncoder() {
    }

    /** The packet for {@code event}, or null when the client's version has none (a 3.x server DISCONNECT). */
    static Object encode(Outbound event, int version, MqttProperties connackProperties) {
        if (event instanceof Outbound.Publish p) {
            return Packets.publish(version, p.delivery(), p.packetId(), p.dup(), p.nowMillis());
        } else if (event instanceof Outbound.Ack a) {
            return Packets.pubReply(type(a.type()), a.packetId(), reasonCode(a.result()));
        } else if (event instanceof Outbound.ConnAck c) {
            // 3.1 has no Session Present flag
            return Packets.connack(ReasonCodes.SUCCESS, c.sessionPresent() && version > Packets.V31, connackProperties);
        } else if (event instanceof Outbound.SubAck s) {
            return Packets.suback(s.packetId(), subackCodes(s.results(), version));
        } else if (event instanceof Outbound.UnsubAck u) {
            return Packets.unsuback(version, u.packetId(), unsubackCodes(u.existed()));
        } else if (event instanceof Outbound.Disconnect d) {
            return version >= Packets.V5 ? Packets.disconnect(reasonCode(d.reason())) : null;
        }
        throw new IllegalArgumentException("unknown event " + event);
    }

    private static MqttMessageType type(Outbound.AckType t) {
        return switch (t) {
            case PUBACK -> MqttMessageType.PUBACK;
            case PUBREC -> MqttMessageType.PUBREC;
            case PUBREL -> MqttMessageType.PUBREL;
            case PUBCOMP -> MqttMessageType.PUBCOMP;
        };
    }

    /** 5.0 reason code of an acknowledgement (3.x sends none). */
    static int reasonCode(Outbound.AckResult r) {
        return switch (r) {
            case SUCCESS -> ReasonCodes.SUCCESS;
            case PACKET_ID_NOT_FOUND -> ReasonCodes.PACKET_ID_NOT_FOUND;
            case NOT_ACCEPTED -> ReasonCodes.UNSPECIFIED_ERROR;
            case QUOTA_EXCEEDED -> ReasonCodes.QUOTA_EXCEEDED;
            case NOT_AUTHORIZED -> ReasonCodes.NOT_AUTHORIZED;
        };
    }

    private static int reasonCode(Outbound.DisconnectReason r) {
        return switch (r) {
            case SESSION_TAKEN_OVER -> ReasonCodes.SESSION_TAKEN_OVER;
            case SERVER_SHUTTING_DOWN -> ReasonCodes.SERVER_SHUTTING_DOWN;
        };
    }

    /** Granted QoS as is; a refusal as 5.0's specific code or 3.1.1's 0x80. */
    private static int[] subackCodes(int[] results, int version) {
        int[] codes = new int[results.length];
        for (int i = 0; i < codes.length; i++) {
            int r = results[i];
            if (r >= 0) {
                codes[i] = r;
            } else if (version < Packets.V5) {
                codes[i] = ReasonCodes.V3_SUBACK_FAILURE;
            } else {
                codes[i] = switch (r) {
                    case Outbound.SHARED_NOT_SUPPORTED -> ReasonCodes.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED;
                    case Outbound.QUOTA_EXCEEDED -> ReasonCodes.QUOTA_EXCEEDED;
                    case Outbound.NOT_AUTHORIZED -> ReasonCodes.NOT_AUTHORIZED;
                    default -> ReasonCodes.TOPIC_FILTER_INVALID;
                };
            }
        }
        return codes;
    }

    private static short[] unsubackCodes(boolean[] existed) {
        short[] codes = new short[existed.length];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = existed[i] ? (short) ReasonCodes.SUCCESS : (short) ReasonCodes.NO_SUBSCRIPTION_EXISTED;
        }
        return codes;
    }
}
