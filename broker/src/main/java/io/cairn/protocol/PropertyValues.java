package io.cairn.protocol;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;

/**
 * Reads single values out of decoded MQTT 5 properties.
 *
 * <p>Threading: stateless.
 */
final class PropertyValues {

    private PropertyValues() {
    }

    /** An integer property as an unsigned value (Four Byte Integers go up to 2^32 - 1), or {@code absent}. */
    static long unsigned(MqttProperties props, MqttPropertyType type, long absent) {
        MqttProperties.MqttProperty<?> p = props.getProperty(type.value());
        if (p == null) {
            return absent;
        }
        return Integer.toUnsignedLong((Integer) p.value());
    }

    /** A UTF-8 string property, or null when absent. */
    static String string(MqttProperties props, MqttPropertyType type) {
        MqttProperties.MqttProperty<?> p = props.getProperty(type.value());
        return p == null ? null : (String) p.value();
    }

    /** A binary data property, or null when absent. */
    static byte[] binary(MqttProperties props, MqttPropertyType type) {
        MqttProperties.MqttProperty<?> p = props.getProperty(type.value());
        return p == null ? null : (byte[]) p.value();
    }
}
