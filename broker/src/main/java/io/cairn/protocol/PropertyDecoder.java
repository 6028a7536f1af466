package io.cairn.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.cairn.protocol.PropertyDecoder.Where.*;
import static io.cairn.protocol.PropertyDecoder.Wire.*;
import static io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType.*;

/**
 * The MQTT 5 properties of the packets a client sends (section 2.2.2 of the 5.0 specification),
 * read by one table keyed by Netty's {@link MqttPropertyType}: per property its wire form, the range
 * of values the spec allows and the reason code for a value outside it, the packets it may appear in
 * and the packets it may repeat in.
 *
 * <p>Refusals, each a {@link Malformed}: an identifier that is unknown or not allowed in the packet,
 * 0x81 Malformed Packet (§2.2.2.2); a property more than once where it may not repeat, 0x82
 * Protocol Error (§2.2.2.2 and each property's "It is a Protocol Error to include ... more than
 * once"); a value out of range, the code in that property's row. Rules that need more than one
 * property or the connection's state (Authentication Data without Method, Topic Alias 0 or above
 * the maximum, Subscription Identifier sent by a client) are left to the decoder and the handler.
 *
 * <p>Threading: stateless; the table is filled once in the static initializer and only read after,
 * so any thread may call {@link #decode}. {@link MqttPacketDecoder} calls it on its channel's event loop.
 */
final class PropertyDecoder {

    /** The packets, and the Will inside CONNECT, that carry properties when a client sends them. */
    enum Where { CONNECT, WILL, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, UNSUBSCRIBE, DISCONNECT, AUTH }

    /** A property value's data representation (section 1.5 of 5.0); numbers carry their largest value. */
    enum Wire {
        BYTE(0xFF), TWO_BYTE_INT(0xFFFF), FOUR_BYTE_INT(0xFFFF_FFFFL), VARIABLE_BYTE_INT(Fields.MAX_VARIABLE_BYTE_INT),
        UTF8_STRING(-1), BINARY_DATA(-1), UTF8_STRING_PAIR(-1);

        final long max;

        Wire(long max) {
            this.max = max;
        }

        long readNumber(ByteBuf b) {
            return switch (this) {
                case BYTE -> b.readUnsignedByte();
                case TWO_BYTE_INT -> b.readUnsignedShort();
                case FOUR_BYTE_INT -> b.readUnsignedInt();
                case VARIABLE_BYTE_INT -> Fields.varInt(b);
                default -> throw new IllegalStateException(this + " is not a number");
            };
        }
    }

    /**
     * One row: a value outside {@code min..max} is refused with {@code outOfRange}; the property may
     * appear in {@code allowedIn} (empty: sent by servers only) and more than once in {@code repeatsIn}.
     */
    record Rule(Wire wire, long min, long max, int outOfRange, Set<Where> allowedIn, Set<Where> repeatsIn) {

        Rule range(long low, long high, int code) {
            return new Rule(wire, low, high, code, allowedIn, repeatsIn);
        }

        Rule repeating(Where... where) {
            return new Rule(wire, min, max, outOfRange, allowedIn, setOf(where));
        }

        long check(MqttPropertyType type, long value) {
            if (value < min || value > max) {
                throw new Malformed(outOfRange, type + " " + value + " outside " + min + ".." + max);
            }
            return value;
        }
    }

    private static final Map<MqttPropertyType, Rule> TABLE = new EnumMap<>(MqttPropertyType.class);

    static {
        // The spec gives Payload Format Indicator only the values 0 and 1 (§3.1.3.2.3, §3.3.2.3.2) and names
        // no Protocol Error for another value: any other byte is not a value of this property, Malformed
        // Packet (§2.2.2.2, §4.13). Request Problem / Response Information say "It is a Protocol Error ... to
        // have a value other than 0 or 1" (§3.1.2.11.6, §3.1.2.11.7): 0x82.
        put(PAYLOAD_FORMAT_INDICATOR, row(BYTE, WILL, PUBLISH).range(0, 1, ReasonCodes.MALFORMED_PACKET));
        put(REQUEST_PROBLEM_INFORMATION, row(BYTE, CONNECT).range(0, 1, ReasonCodes.PROTOCOL_ERROR));
        put(REQUEST_RESPONSE_INFORMATION, row(BYTE, CONNECT).range(0, 1, ReasonCodes.PROTOCOL_ERROR));
        // "It is a Protocol Error to include the Receive Maximum value of 0" (§3.1.2.11.3), likewise
        // Maximum Packet Size 0 (§3.1.2.11.4) and Subscription Identifier 0 (§3.8.2.1.2).
        put(RECEIVE_MAXIMUM, row(TWO_BYTE_INT, CONNECT).range(1, TWO_BYTE_INT.max, ReasonCodes.PROTOCOL_ERROR));
        put(MAXIMUM_PACKET_SIZE, row(FOUR_BYTE_INT, CONNECT).range(1, FOUR_BYTE_INT.max, ReasonCodes.PROTOCOL_ERROR));
        put(SUBSCRIPTION_IDENTIFIER, row(VARIABLE_BYTE_INT, PUBLISH, SUBSCRIBE)
                .range(1, VARIABLE_BYTE_INT.max, ReasonCodes.PROTOCOL_ERROR).repeating(PUBLISH)); // §3.3.2.3.8
        put(PUBLICATION_EXPIRY_INTERVAL, row(FOUR_BYTE_INT, WILL, PUBLISH));
        put(CONTENT_TYPE, row(UTF8_STRING, WILL, PUBLISH));
        put(RESPONSE_TOPIC, row(UTF8_STRING, WILL, PUBLISH));
        put(CORRELATION_DATA, row(BINARY_DATA, WILL, PUBLISH));
        put(WILL_DELAY_INTERVAL, row(FOUR_BYTE_INT, WILL));
        put(SESSION_EXPIRY_INTERVAL, row(FOUR_BYTE_INT, CONNECT, DISCONNECT));
        put(TOPIC_ALIAS_MAXIMUM, row(TWO_BYTE_INT, CONNECT));
        put(TOPIC_ALIAS, row(TWO_BYTE_INT, PUBLISH)); // 0 or above the maximum: the handler, 0x94
        put(AUTHENTICATION_METHOD, row(UTF8_STRING, CONNECT, AUTH));
        put(AUTHENTICATION_DATA, row(BINARY_DATA, CONNECT, AUTH));
        put(SERVER_REFERENCE, row(UTF8_STRING, DISCONNECT));
        put(REASON_STRING, row(UTF8_STRING, PUBACK, PUBREC, PUBREL, PUBCOMP, DISCONNECT, AUTH));
        put(USER_PROPERTY, row(UTF8_STRING_PAIR, Where.values()).repeating(Where.values())); // §3.1.2.11.8 and alike
        // sent by servers only (CONNACK): never allowed from a client
        put(ASSIGNED_CLIENT_IDENTIFIER, row(UTF8_STRING));
        put(SERVER_KEEP_ALIVE, row(TWO_BYTE_INT));
        put(RESPONSE_INFORMATION, row(UTF8_STRING));
        put(MAXIMUM_QOS, row(BYTE));
        put(RETAIN_AVAILABLE, row(BYTE));
        put(WILDCARD_SUBSCRIPTION_AVAILABLE, row(BYTE));
        put(SUBSCRIPTION_IDENTIFIER_AVAILABLE, row(BYTE));
        put(SHARED_SUBSCRIPTION_AVAILABLE, row(BYTE));
    }

    private PropertyDecoder() {
    }

    private static Rule row(Wire wire, Where... allowedIn) {
        return new Rule(wire, 0, wire.max, 0, setOf(allowedIn), setOf());
    }

    private static Set<Where> setOf(Where... where) {
        Set<Where> set = EnumSet.noneOf(Where.class);
        set.addAll(List.of(where));
        return Collections.unmodifiableSet(set);
    }

    private static void put(MqttPropertyType type, Rule rule) {
        if (TABLE.put(type, rule) != null) {
            throw new IllegalStateException(type + " twice in the table");
        }
    }

    /** The row of {@code type}; every {@link MqttPropertyType} has one. */
    static Rule rule(MqttPropertyType type) {
        return TABLE.get(type);
    }

    /** Reads a Property Length and the properties it covers, as allowed in {@code where}. */
    static MqttProperties decode(ByteBuf b, Where where) {
        ByteBuf p = b.readSlice(Fields.varInt(b));
        MqttProperties props = new MqttProperties();
        Set<MqttPropertyType> seen = EnumSet.noneOf(MqttPropertyType.class);
        while (p.isReadable()) {
            MqttPropertyType type = identifier(p, where);
            Rule rule = TABLE.get(type);
            if (!seen.add(type) && !rule.repeatsIn().contains(where)) {
                throw new Malformed(ReasonCodes.PROTOCOL_ERROR, type + " more than once in " + where);
            }
            props.add(value(type, rule, p));
        }
        return props;
    }

    private static MqttPropertyType identifier(ByteBuf p, Where where) {
        int id = Fields.varInt(p);
        MqttPropertyType type;
        try {
            type = MqttPropertyType.valueOf(id);
        } catch (IllegalArgumentException unknown) {
            type = null;
        }
        Rule rule = type == null ? null : TABLE.get(type);
        if (rule == null || !rule.allowedIn().contains(where)) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, "property 0x" + Integer.toHexString(id) + " not allowed in " + where);
        }
        return type;
    }

    private static MqttProperties.MqttProperty<?> value(MqttPropertyType type, Rule rule, ByteBuf p) {
        int id = type.value();
        return switch (rule.wire()) {
            case UTF8_STRING -> new MqttProperties.StringProperty(id, Fields.string(p));
            case BINARY_DATA -> new MqttProperties.BinaryProperty(id, Fields.binary(p));
            case UTF8_STRING_PAIR -> new MqttProperties.UserProperty(Fields.string(p), Fields.string(p)); // [MQTT-1.5.7-1]
            case BYTE, TWO_BYTE_INT, FOUR_BYTE_INT, VARIABLE_BYTE_INT ->
                    new MqttProperties.IntegerProperty(id, (int) rule.check(type, rule.wire().readNumber(p)));
        };
    }
}
