package io.cairn.protocol;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;

/**
 * The Reason Strings one 5.0 connection may be sent: a short text for a negative acknowledgement or a
 * server DISCONNECT. None when the client set Request Problem Information = 0 [MQTT-3.1.2-29] (except
 * on CONNACK and DISCONNECT, which the statement leaves allowed), and none when it would make the
 * packet larger than the client's Maximum Packet Size [MQTT-3.2.2-19], [MQTT-3.4.2-2],
 * [MQTT-3.5.2-2], [MQTT-3.9.2-1], [MQTT-3.14.2-3]. 3.x packets have no properties at all.
 *
 * <p>Threading: immutable, safe from any thread.
 */
final class ReasonStrings {

    /** For 3.x connections, and wherever nothing is known of the client: never a Reason String. */
    static final ReasonStrings NONE = new ReasonStrings(false, false, 0);

    private final boolean v5;
    private final boolean requested;
    private final long maxPacketSize;

    ReasonStrings(boolean v5, boolean requested, long maxPacketSize) {
        this.v5 = v5;
        this.requested = requested;
        this.maxPacketSize = maxPacketSize;
    }

    /** What a CONNECT asked for: Request Problem Information (absent = 1) and Maximum Packet Size. */
    static ReasonStrings of(int version, MqttProperties connect) {
        if (version < Packets.V5) {
            return NONE;
        }
        boolean requested = PropertyValues.unsigned(connect, MqttPropertyType.REQUEST_PROBLEM_INFORMATION, 1) != 0;
        long max = PropertyValues.unsigned(connect, MqttPropertyType.MAXIMUM_PACKET_SIZE, Long.MAX_VALUE);
        return new ReasonStrings(true, requested, max);
    }

    /**
     * The properties of an acknowledgement (PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK):
     * {@code reason} as Reason String if the client asked for problem information and it fits.
     * {@code rest}: the packet's remaining length without its property section.
     */
    MqttProperties forAck(String reason, long rest) {
        return requested ? fitting(reason, rest, MqttProperties.NO_PROPERTIES) : MqttProperties.NO_PROPERTIES;
    }

    /**
     * The properties of an AUTH: {@code others} plus {@code reason} if the client asked for problem
     * information [MQTT-3.1.2-29] and it fits [MQTT-3.15.2-2].
     */
    MqttProperties forAuth(String reason, long rest, MqttProperties others) {
        return requested ? fitting(reason, rest, others) : others;
    }

    /** The properties of a CONNACK or DISCONNECT: {@code others} plus {@code reason} if it fits. */
    MqttProperties forConnackOrDisconnect(String reason, long rest, MqttProperties others) {
        return fitting(reason, rest, others);
    }

    private MqttProperties fitting(String reason, long rest, MqttProperties others) {
        if (!v5 || reason == null) {
            return others;
        }
        MqttProperties with = new MqttProperties();
        for (MqttProperties.MqttProperty<?> p : others.listAll()) {
            with.add(p);
        }
        with.add(new MqttProperties.StringProperty(MqttPropertyType.REASON_STRING.value(), reason));
        return size(rest, with) <= maxPacketSize ? with : others;
    }

    /** The encoded size of a packet whose remaining length is {@code rest} plus {@code props}. */
    static long size(long rest, MqttProperties props) {
        long length = Packets.propertiesLength(props);
        long remaining = rest + Packets.varIntSize(length) + length;
        return 1 + Packets.varIntSize(remaining) + remaining;
    }
}
