package io.cairn.client;

/**
 * A PUBLISH the client received: its topic, payload, QoS, RETAIN and DUP flags, and packet identifier
 * (0 for QoS 0). Acknowledge it with {@link MqttClient#acknowledge(Message)} unless the client
 * acknowledges automatically.
 *
 * <p>Threading: immutable (the payload array is not copied: do not change it).
 */
public record Message(String topic, byte[] payload, int qos, boolean retain, boolean dup, int packetId) {
}
