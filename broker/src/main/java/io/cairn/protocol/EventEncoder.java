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
        return encode(event, version, connackProperties, ReasonStrings.NONE);
    }

    /** As above; refusals carry the Reason String {@code reasons} allows for this connection. */
    static Object encode(Outbound event, int version, MqttProperties connackProperties, ReasonStrings reasons) {
        if (event instanceof Outbound.Publish p) {
            return Packets.publish(version, p.delivery(), p.packetId(), p.dup(), p.nowMillis());
        } else if (event instanceof Outbound.Ack a) {
            int code = reasonCode(a.result());
            // packet id, reason code: 3 bytes before the properties
            MqttProperties props = code >= 0x80 ? reasons.forAck(why(a.result()), 3) : MqttProperties.NO_PROPERTIES;
            return Packets.pubReply(type(a.type()), a.packetId(), code, props);
        } else if (event instanceof Outbound.ConnAck c) {
            // 3.1 has no Session Present flag
            return Packets.connack(ReasonCodes.SUCCESS, c.sessionPresent() && version > Packets.V31, connackProperties);
        } else if (event instanceof Outbound.SubAck s) {
            int[] codes = subackCodes(s.results(), version);
            String why = version >= Packets.V5 ? subackWhy(codes) : null;
            // packet id, then one code per filter after the properties
            MqttProperties props = why == null ? MqttProperties.NO_PROPERTIES : reasons.forAck(why, 2 + codes.length);
            return Packets.suback(s.packetId(), codes, props);
        } else if (event instanceof Outbound.UnsubAck u) {
            return Packets.unsuback(version, u.packetId(), unsubackCodes(u.existed()));
        } else if (event instanceof Outbound.Disconnect d) {
            // the reason code alone precedes the properties
            return version >= Packets.V5 ? Packets.disconnect(reasonCode(d.reason()),
                    reasons.forConnackOrDisconnect(why(d.reason()), 1, MqttProperties.NO_PROPERTIES)) : null;
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

    /** The Reason String of a refused acknowledgement: what the engine's result means, no more. */
    private static String why(Outbound.AckResult r) {
        return switch (r) {
            case SUCCESS -> null;
            case PACKET_ID_NOT_FOUND -> "packet identifier not found";
            case NOT_ACCEPTED -> "not accepted: the broker cannot store messages now";
            case QUOTA_EXCEEDED -> "quota exceeded: a queue budget is full";
            case NOT_AUTHORIZED -> "not authorized to publish to this topic";
        };
    }

    private static String why(Outbound.DisconnectReason r) {
        return switch (r) {
            case SESSION_TAKEN_OVER -> "session taken over by another connection";
            case SERVER_SHUTTING_DOWN -> "server shutting down";
        };
    }

    /** One Reason String for a SUBACK: the first refused filter's reason, or null when none was. */
    private static String subackWhy(int[] codes) {
        for (int i = 0; i < codes.length; i++) {
            String why = switch (codes[i]) {
                case ReasonCodes.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED -> "shared subscriptions not supported";
                case ReasonCodes.QUOTA_EXCEEDED -> "quota exceeded: the retained messages do not fit the budgets";
                case ReasonCodes.NOT_AUTHORIZED -> "not authorized to subscribe to this filter";
                case ReasonCodes.TOPIC_FILTER_INVALID -> "invalid topic filter";
                default -> null;
            };
            if (why != null) {
                return "filter " + (i + 1) + ": " + why;
            }
        }
        return null;
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
