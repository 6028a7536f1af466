package io.cairn.protocol;

/**
 * A CONNECT naming "MQTT" or "MQIsdp" with a protocol level this broker does not speak; the handler
 * answers CONNACK 0x01 and closes [MQTT-3.1.2-2].
 *
 * <p>Threading: immutable.
 */
public record UnsupportedProtocolVersion(String name, int level) {
}
