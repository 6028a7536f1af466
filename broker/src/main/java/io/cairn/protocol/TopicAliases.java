package io.cairn.protocol;

import io.netty.handler.codec.mqtt.MqttProperties;

import java.util.HashMap;
import java.util.Map;

/**
 * The MQTT 5 topic aliases a client defined on one connection [MQTT-3.3.2-7]: a PUBLISH with a topic
 * and an alias defines it, a PUBLISH with an empty topic and an alias uses it. Aliases never outlive
 * the connection.
 *
 * <p>Threading: one instance per connection, on its event loop.
 */
final class TopicAliases {

    private final int maximum;
    /** Made on the first alias the client defines (most clients define none). */
    private Map<Integer, String> aliases;

    TopicAliases(int maximum) {
        this.maximum = maximum;
    }

    /** The topic the PUBLISH is for; throws {@link ProtocolViolation} (0x94 or 0x82) when it has none. */
    String resolve(String topic, MqttProperties props) {
        MqttProperties.MqttProperty<?> aliasProp = props.getProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS.value());
        if (aliasProp == null) {
            if (topic.isEmpty()) {
                throw new ProtocolViolation(ReasonCodes.PROTOCOL_ERROR, "empty topic without alias");
            }
            return topic;
        }
        int alias = (Integer) aliasProp.value();
        if (alias == 0 || alias > maximum) {
            throw new ProtocolViolation(ReasonCodes.TOPIC_ALIAS_INVALID, "topic alias out of range"); // [MQTT-3.3.2-9]
        }
        if (topic.isEmpty()) {
            String mapped = aliases == null ? null : aliases.get(alias);
            if (mapped == null) {
                throw new ProtocolViolation(ReasonCodes.PROTOCOL_ERROR, "unknown topic alias");
            }
            return mapped;
        }
        if (aliases == null) {
            aliases = new HashMap<>();
        }
        aliases.put(alias, topic);
        return topic;
    }
}
