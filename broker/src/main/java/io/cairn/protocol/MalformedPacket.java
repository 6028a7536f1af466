package io.cairn.protocol;

/**
 * What {@link MqttPacketDecoder} emits instead of a packet it cannot accept: the MQTT 5 reason code
 * (0x81 Malformed Packet, 0x82 Protocol Error, 0x95 Packet too large), why, and whether the failing
 * packet was the CONNECT (then the connection is closed without a reply: before CONNACK only a
 * CONNACK could carry a reason).
 *
 * <p>Threading: immutable.
 */
public record MalformedPacket(int reasonCode, String reason, boolean inConnect) {
}
