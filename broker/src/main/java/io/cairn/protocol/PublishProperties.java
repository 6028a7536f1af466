package io.cairn.protocol;

import io.cairn.state.MessageProperties;
import io.netty.handler.codec.mqtt.MqttProperties;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the PUBLISH (and Will) properties that travel with a message out of Netty's property bag.
 *
 * <p>Threading: stateless.
 */
final class PublishProperties {

    private PublishProperties() {
    }

    static MessageProperties from(MqttProperties props) {
        if (props == null || props.isEmpty()) {
            return MessageProperties.NONE;
        }
        int format = (int) PropertyValues.unsigned(props, MqttProperties.MqttPropertyType.PAYLOAD_FORMAT_INDICATOR, -1);
        long expiry = PropertyValues.unsigned(props, MqttProperties.MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL, -1);
        String contentType = string(props, MqttProperties.MqttPropertyType.CONTENT_TYPE);
        String responseTopic = string(props, MqttProperties.MqttPropertyType.RESPONSE_TOPIC);
        MqttProperties.MqttProperty<?> corr = props.getProperty(MqttProperties.MqttPropertyType.CORRELATION_DATA.value());
        byte[] correlation = corr == null ? null : (byte[]) corr.value();
        List<MessageProperties.UserProperty> users = new ArrayList<>();
        for (MqttProperties.MqttProperty<?> p : props.getProperties(MqttProperties.MqttPropertyType.USER_PROPERTY.value())) {
            if (p instanceof MqttProperties.UserProperties up) {
                for (MqttProperties.StringPair pair : up.value()) {
                    users.add(new MessageProperties.UserProperty(pair.key, pair.value));
                }
            } else if (p instanceof MqttProperties.UserProperty single) {
                users.add(new MessageProperties.UserProperty(single.value().key, single.value().value));
            }
        }
        MessageProperties m = new MessageProperties(format, contentType, responseTopic, correlation, List.copyOf(users), expiry);
        return m.isEmpty() ? MessageProperties.NONE : m;
    }

    private static String string(MqttProperties props, MqttProperties.MqttPropertyType type) {
        MqttProperties.MqttProperty<?> p = props.getProperty(type.value());
        return p == null ? null : (String) p.value();
    }
}
