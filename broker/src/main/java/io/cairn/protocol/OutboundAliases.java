package io.cairn.protocol;

import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The MQTT 5 topic aliases the broker defines towards one client, on one connection [MQTT-3.3.2-7]:
 * the first PUBLISH of a topic carries the topic and a new alias, later ones an empty topic and the
 * alias. Aliases run from 1 to the client's Topic Alias Maximum [MQTT-3.3.2-8], [MQTT-3.1.2-26]; when
 * all are in use the least recently used one is redefined. A client that announced no maximum (or 0)
 * gets no aliases [MQTT-3.1.2-27]. A new connection gets a new, empty instance, so a re-sent PUBLISH
 * (DUP) after a reconnect carries its topic again.
 *
 * <p>Threading: one instance per connection, used only on its event loop (by {@link ChannelOutput}).
 */
final class OutboundAliases {

    /**
     * The most an alias adds to a PUBLISH with its topic: the property (1 + 2 bytes), plus one byte each
     * if the property length and the Remaining Length need a longer Variable Byte Integer.
     */
    static final int MAX_EXTRA_BYTES = 5;

    private final int maximum;
    /** Topic to alias, in access order: the eldest entry is the least recently used alias. */
    private final LinkedHashMap<String, Integer> byTopic = new LinkedHashMap<>(16, 0.75f, true);

    OutboundAliases(int maximum) {
        this.maximum = maximum;
    }

    /** The client's Topic Alias Maximum from its CONNECT; 3.x clients have none. */
    static OutboundAliases forConnect(MqttConnectMessage connect) {
        if (connect.variableHeader().version() < Packets.V5) {
            return NONE;
        }
        MqttProperties props = connect.variableHeader().properties();
        int maximum = (int) PropertyValues.unsigned(props, MqttPropertyType.TOPIC_ALIAS_MAXIMUM, 0);
        return maximum == 0 ? NONE : new OutboundAliases(maximum);
    }

    /** A client without aliases: one shared instance that never holds any (an idle connection costs less). */
    private static final OutboundAliases NONE = new OutboundAliases(0);

    boolean enabled() {
        return maximum > 0;
    }

    /** {@code publish} as sent to this client: with an alias, and without its topic if the alias is known. */
    MqttPublishMessage apply(MqttPublishMessage publish) {
        if (!enabled()) {
            return publish;
        }
        String topic = publish.variableHeader().topicName();
        Integer known = byTopic.get(topic); // a hit also makes it the most recently used
        if (known != null) {
            return rewrite(publish, "", known);
        }
        return rewrite(publish, topic, define(topic));
    }

    /** A new alias for {@code topic}: the next unused one, or the least recently used one. */
    private int define(String topic) {
        int alias;
        if (byTopic.size() < maximum) {
            alias = byTopic.size() + 1;
        } else {
            Iterator<Map.Entry<String, Integer>> eldest = byTopic.entrySet().iterator();
            alias = eldest.next().getValue();
            eldest.remove();
        }
        byTopic.put(topic, alias);
        return alias;
    }

    private static MqttPublishMessage rewrite(MqttPublishMessage publish, String topic, int alias) {
        MqttPublishVariableHeader h = publish.variableHeader();
        // the packet's properties may be the shared, immutable NO_PROPERTIES: copy
        MqttProperties props = new MqttProperties();
        for (MqttProperties.MqttProperty<?> p : h.properties().listAll()) {
            props.add(p);
        }
        props.add(new MqttProperties.IntegerProperty(MqttPropertyType.TOPIC_ALIAS.value(), alias));
        return new MqttPublishMessage(publish.fixedHeader(), new MqttPublishVariableHeader(topic, h.packetId(), props),
                publish.payload());
    }
}
