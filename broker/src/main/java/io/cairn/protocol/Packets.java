package io.cairn.protocol;

import io.cairn.state.Delivery;
import io.cairn.state.Message;
import io.cairn.state.MessageProperties;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;


/**
 * Builds the packets the broker sends, per protocol version, as Netty messages for Netty's
 * {@code MqttEncoder}. Reserved flag bits are set as the specification tabulates [MQTT-2.2.2-1].
 *
 * <p>Threading: stateless, safe from any thread.
 */
final class Packets {

    static final int V31 = 3;
    static final int V311 = 4;
    static final int V5 = 5;

    private static final MqttMessage PINGRESP =
            new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0));

    private Packets() {
    }

    static MqttMessage pingresp() {
        return PINGRESP;
    }

    static MqttConnAckMessage connack(int code, boolean sessionPresent, MqttProperties properties) {
        return new MqttConnAckMessage(
                new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttConnAckVariableHeader(MqttConnectReturnCode.valueOf((byte) code), sessionPresent,
                        properties == null ? MqttProperties.NO_PROPERTIES : properties));
    }

    /** PUBACK, PUBREC or PUBCOMP (flags 0000), or PUBREL (flags 0010). 3.x ignores the reason code. */
    static MqttMessage pubReply(MqttMessageType type, int packetId, int reasonCode) {
        return pubReply(type, packetId, reasonCode, MqttProperties.NO_PROPERTIES);
    }

    /** As {@link #pubReply(MqttMessageType, int, int)}, with 5.0 properties (a Reason String). */
    static MqttMessage pubReply(MqttMessageType type, int packetId, int reasonCode, MqttProperties properties) {
        MqttQoS flags = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        return new MqttMessage(new MqttFixedHeader(type, false, flags, false, 0),
                new MqttPubReplyMessageVariableHeader(packetId, (byte) reasonCode, properties));
    }

    static MqttSubAckMessage suback(int packetId, int[] codes) {
        return suback(packetId, codes, MqttProperties.NO_PROPERTIES);
    }

    static MqttSubAckMessage suback(int packetId, int[] codes, MqttProperties properties) {
        return new MqttSubAckMessage(
                new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(packetId, properties),
                new MqttSubAckPayload(codes));
    }

    /** 3.x UNSUBACK is the packet id alone; 5.0 carries one reason code per filter. */
    static MqttUnsubAckMessage unsuback(int version, int packetId, short[] codes) {
        MqttFixedHeader fixed = new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0);
        if (version < V5) {
            return new MqttUnsubAckMessage(fixed, MqttMessageIdVariableHeader.from(packetId));
        }
        return new MqttUnsubAckMessage(fixed,
                new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES),
                new MqttUnsubAckPayload(codes));
    }

    /** 5.0 only: a server-sent DISCONNECT with a reason code. */
    static MqttMessage disconnect(int reasonCode) {
        return disconnect(reasonCode, MqttProperties.NO_PROPERTIES);
    }

    /** 5.0 only: a server-sent DISCONNECT with a reason code and properties (a Reason String). */
    static MqttMessage disconnect(int reasonCode, MqttProperties properties) {
        return new MqttMessage(
                new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttReasonCodeAndPropertiesVariableHeader((byte) reasonCode, properties));
    }

    /** 5.0 only: AUTH with a reason code (0x00 or 0x18 from a server [MQTT-3.15.2-1]) and properties. */
    static MqttMessage auth(int reasonCode, MqttProperties properties) {
        return new MqttMessage(
                new MqttFixedHeader(MqttMessageType.AUTH, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttReasonCodeAndPropertiesVariableHeader((byte) reasonCode, properties));
    }

    /**
     * An outbound PUBLISH of a delivery. DUP is set only for a re-transmission [MQTT-3.3.1-3]; the
     * forwarded Message Expiry Interval is what is left of it [MQTT-3.3.2-6].
     */
    static MqttPublishMessage publish(int version, Delivery d, int packetId, boolean dup, long nowMillis) {
        Message m = d.message();
        MqttProperties props = version >= V5 ? publishProperties(d, nowMillis) : MqttProperties.NO_PROPERTIES;
        MqttFixedHeader fixed = new MqttFixedHeader(MqttMessageType.PUBLISH, dup && d.qos() > 0,
                MqttQoS.valueOf(d.qos()), d.retain(), 0);
        return new MqttPublishMessage(fixed, new MqttPublishVariableHeader(m.topic(), packetId, props),
                Unpooled.wrappedBuffer(m.payload()));
    }

    private static MqttProperties publishProperties(Delivery d, long nowMillis) {
        Message m = d.message();
        MessageProperties p = m.properties();
        if (p.isEmpty() && d.subscriptionIds().length == 0 && m.expiresAtMillis() == 0) {
            return MqttProperties.NO_PROPERTIES;
        }
        MqttProperties props = new MqttProperties();
        if (p.payloadFormat() >= 0) {
            props.add(new MqttProperties.IntegerProperty(
                    MqttProperties.MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value(), p.payloadFormat()));
        }
        if (m.expiresAtMillis() != 0) {
            props.add(new MqttProperties.IntegerProperty(
                    MqttProperties.MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value(),
                    (int) m.remainingExpirySeconds(nowMillis)));
        }
        if (p.contentType() != null) {
            props.add(new MqttProperties.StringProperty(
                    MqttProperties.MqttPropertyType.CONTENT_TYPE.value(), p.contentType()));
        }
        if (p.responseTopic() != null) {
            props.add(new MqttProperties.StringProperty(
                    MqttProperties.MqttPropertyType.RESPONSE_TOPIC.value(), p.responseTopic()));
        }
        if (p.correlationData() != null) {
            props.add(new MqttProperties.BinaryProperty(
                    MqttProperties.MqttPropertyType.CORRELATION_DATA.value(), p.correlationData()));
        }
        if (!p.userProperties().isEmpty()) {
            MqttProperties.UserProperties users = new MqttProperties.UserProperties();
            for (MessageProperties.UserProperty u : p.userProperties()) {
                users.add(u.name(), u.value());
            }
            props.add(users);
        }
        for (int id : d.subscriptionIds()) {
            props.add(new MqttProperties.IntegerProperty(
                    MqttProperties.MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value(), id));
        }
        return props;
    }

    /**
     * The exact encoded size of {@link #publish} for the client's Maximum Packet Size
     * [MQTT-3.1.2-24], computed from the same properties that {@link #publish} sends.
     */
    static long publishSize(int version, Delivery d, long nowMillis) {
        Message m = d.message();
        long remaining = 2L + utf8Length(m.topic()) + (d.qos() > 0 ? 2 : 0) + m.payload().length;
        if (version >= V5) {
            long props = propertiesLength(publishProperties(d, nowMillis));
            remaining += varIntSize(props) + props;
        }
        return 1 + varIntSize(remaining) + remaining;
    }

    /** The encoded length of a property list (without its own length prefix). */
    static long propertiesLength(MqttProperties props) {
        long n = 0;
        for (MqttProperties.MqttProperty<?> p : props.listAll()) {
            if (p instanceof MqttProperties.UserProperties users) {
                for (MqttProperties.StringPair pair : users.value()) {
                    n += 1 + 2 + utf8Length(pair.key) + 2 + utf8Length(pair.value);
                }
                continue;
            }
            n += varIntSize(p.propertyId()) + valueLength(p);
        }
        return n;
    }

    private static long valueLength(MqttProperties.MqttProperty<?> p) {
        if (p instanceof MqttProperties.StringProperty sp) {
            return 2 + utf8Length(sp.value());
        }
        if (p instanceof MqttProperties.BinaryProperty bp) {
            return 2 + bp.value().length;
        }
        MqttProperties.MqttPropertyType type = MqttProperties.MqttPropertyType.valueOf(p.propertyId());
        return switch (type) {
            case PAYLOAD_FORMAT_INDICATOR, REQUEST_PROBLEM_INFORMATION, REQUEST_RESPONSE_INFORMATION, MAXIMUM_QOS,
                    RETAIN_AVAILABLE, WILDCARD_SUBSCRIPTION_AVAILABLE, SUBSCRIPTION_IDENTIFIER_AVAILABLE,
                    SHARED_SUBSCRIPTION_AVAILABLE -> 1;
            case SERVER_KEEP_ALIVE, RECEIVE_MAXIMUM, TOPIC_ALIAS_MAXIMUM, TOPIC_ALIAS -> 2;
            case SUBSCRIPTION_IDENTIFIER -> varIntSize((Integer) p.value());
            default -> 4;
        };
    }

    static int varIntSize(long value) {
        if (value < 128) {
            return 1;
        } else if (value < 16384) {
            return 2;
        } else if (value < 2097152) {
            return 3;
        }
        return 4;
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
