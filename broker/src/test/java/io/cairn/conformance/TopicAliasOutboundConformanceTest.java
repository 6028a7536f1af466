package io.cairn.conformance;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.RawClient.Packet;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Topic aliases the broker defines towards a subscriber (checklist section 3.3.2, server side). */
class TopicAliasOutboundConformanceTest extends OneBrokerPerClass {

    private static RawClient subscriber(String id, Props connectProps, String filter) throws Exception {
        RawClient c = RawClient.connected5(broker.port(), id, connectProps);
        c.subscribe5(filter, 0, 1);
        return c;
    }

    private static void publishAll(String id, String... topics) throws Exception {
        try (RawClient pub = RawClient.connected5(broker.port(), id, true, 0)) {
            for (int i = 0; i < topics.length; i++) {
                pub.send(publish5(topics[i], 0, false, 0, "m" + i));
            }
            pub.send(0xE0, 0x00); // DISCONNECT: everything before it has been read
        }
    }

    /** The alias of a received PUBLISH, or null. */
    private static Integer alias(Packet p) {
        List<Object> a = prop(p, Props.TOPIC_ALIAS);
        assertThat(a.size()).as("at most one Topic Alias").isLessThanOrEqualTo(1);
        return a.isEmpty() ? null : (Integer) a.get(0);
    }

    @Test
    void v5_MQTT_3_1_2_26_firstPublishCarriesTopicAndAliasLaterOnesTheAliasOnly() throws Exception {
        try (RawClient sub = subscriber("tao-sub1", Props.of().topicAliasMaximum(2), "tao1/#")) {
            publishAll("tao-pub1", "tao1/a", "tao1/a", "tao1/a");
            Packet first = nextPublish(sub);
            assertThat(topicOf(first)).isEqualTo("tao1/a");
            Integer a = alias(first);
            assertThat(a).as("alias defined on first use").isNotNull().isBetween(1, 2);
            assertThat(payload5(first)).isEqualTo("m0");
            for (String payload : new String[] {"m1", "m2"}) {
                Packet p = nextPublish(sub);
                assertThat(topicOf(p)).as("empty Topic Name").isEmpty();
                assertThat(alias(p)).isEqualTo(a);
                assertThat(payload5(p)).isEqualTo(payload);
            }
        }
    }

    @Test
    void v5_MQTT_3_3_2_11_aThirdTopicReplacesTheLeastRecentlyUsedAliasWithinTheMaximum() throws Exception {
        try (RawClient sub = subscriber("tao-sub2", Props.of().topicAliasMaximum(2), "tao2/#")) {
            // a, b defined; a used again (b is now least recently used); c must take b's alias
            publishAll("tao-pub2", "tao2/a", "tao2/b", "tao2/a", "tao2/c", "tao2/a", "tao2/b");
            Packet a = nextPublish(sub);
            Packet b = nextPublish(sub);
            Packet aAgain = nextPublish(sub);
            Packet c = nextPublish(sub);
            Packet aThird = nextPublish(sub);
            Packet bAgain = nextPublish(sub);
            int aliasA = alias(a);
            int aliasB = alias(b);
            assertThat(List.of(aliasA, aliasB)).containsExactlyInAnyOrder(1, 2);
            assertThat(topicOf(aAgain)).isEmpty();
            assertThat(alias(aAgain)).isEqualTo(aliasA);
            assertThat(topicOf(c)).as("a new topic is sent in full").isEqualTo("tao2/c");
            assertThat(alias(c)).as("replaces the least recently used alias").isEqualTo(aliasB);
            assertThat(topicOf(aThird)).as("a keeps its alias").isEmpty();
            assertThat(alias(aThird)).isEqualTo(aliasA);
            assertThat(topicOf(bAgain)).as("b lost its alias: sent in full").isEqualTo("tao2/b");
            assertThat(alias(bAgain)).isBetween(1, 2);
        }
    }

    @Test
    void v5_MQTT_3_3_2_8_aliasesAreNeverZeroNorAboveTheMaximum() throws Exception {
        try (RawClient sub = subscriber("tao-sub3", Props.of().topicAliasMaximum(3), "tao3/#")) {
            String[] topics = new String[20];
            for (int i = 0; i < topics.length; i++) {
                topics[i] = "tao3/t" + (i % 7);
            }
            publishAll("tao-pub3", topics);
            String[] byAlias = new String[4];
            for (int i = 0; i < topics.length; i++) {
                Packet p = nextPublish(sub);
                Integer a = alias(p);
                assertThat(a).isNotNull().isBetween(1, 3);
                if (!topicOf(p).isEmpty()) {
                    byAlias[a] = topicOf(p);
                }
                assertThat(byAlias[a]).as("the alias resolves to the published topic").isEqualTo(topics[i]);
                assertThat(payload5(p)).isEqualTo("m" + i);
            }
        }
    }

    @Test
    void v5_MQTT_3_1_2_27_noAliasesWithoutOrWithZeroTopicAliasMaximum() throws Exception {
        try (RawClient absent = subscriber("tao-sub4", Props.none(), "tao4/#");
             RawClient zero = subscriber("tao-sub5", Props.of().topicAliasMaximum(0), "tao4/#")) {
            publishAll("tao-pub4", "tao4/a", "tao4/a", "tao4/b");
            for (RawClient c : List.of(absent, zero)) {
                for (String t : new String[] {"tao4/a", "tao4/a", "tao4/b"}) {
                    Packet p = nextPublish(c);
                    assertThat(topicOf(p)).isEqualTo(t);
                    assertThat(alias(p)).isNull();
                }
            }
        }
    }

    @Test
    void v311_noAliasesFor3xSubscribers() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "tao-sub311", true)) {
            sub.subscribe311("tao311/#", 0, 1);
            publishAll("tao-pub311", "tao311/a", "tao311/a");
            assertThat(topicOf(nextPublish(sub))).isEqualTo("tao311/a");
            Packet second = nextPublish(sub);
            assertThat(topicOf(second)).isEqualTo("tao311/a");
            assertThat(payload311(second)).isEqualTo("m1");
        }
    }

    @Test
    void v5_MQTT_3_3_2_7_aReconnectStartsWithoutAliasesAlsoForARetransmission() throws Exception {
        Props props = Props.of().topicAliasMaximum(2).sessionExpiry(60);
        byte[] resume = connect5("tao-sub6", false, 60, props);
        try (RawClient sub = RawClient.accepted(broker.port(), connect5("tao-sub6", true, 60, props))) {
            sub.subscribe5("tao6/#", 1, 1);
            try (RawClient pub = RawClient.connected5(broker.port(), "tao-pub6", true, 0)) {
                pub.send(publish5("tao6/a", 1, false, 1, "q1"));
                pub.readUntil(PUBACK);
            }
            Packet first = nextPublish(sub);
            assertThat(topicOf(first)).isEqualTo("tao6/a");
            assertThat(alias(first)).isNotNull();
            // not acknowledged: re-sent on the next connection
        }
        try (RawClient sub = RawClient.accepted(broker.port(), resume)) {
            Packet again = nextPublish(sub);
            assertThat(dup(again)).as("a retransmission").isTrue();
            assertThat(topicOf(again)).as("the alias of the old connection is gone").isEqualTo("tao6/a");
            assertThat(alias(again)).isNotNull().isBetween(1, 2);
            sub.send(puback(packetIdOf(again)));
            try (RawClient pub = RawClient.connected5(broker.port(), "tao-pub6b", true, 0)) {
                pub.send(publish5("tao6/a", 0, false, 0, "q0"));
                pub.send(0xE0, 0x00);
            }
            Packet next = nextPublish(sub);
            assertThat(topicOf(next)).as("the new connection's alias is used").isEmpty();
            assertThat(alias(next)).isEqualTo(alias(again));
            assertThat(payload5(next)).isEqualTo("q0");
        }
    }

    @Test
    void v5_MQTT_3_1_2_24_anAliasNeverPushesAPublishOverTheMaximumPacketSize() throws Exception {
        int limit = 60;
        try (RawClient sub = subscriber("tao-sub7", Props.of().topicAliasMaximum(2).maximumPacketSize(limit), "tao7/#");
             RawClient pub = RawClient.connected5(broker.port(), "tao-pub7", true, 0)) {
            // payload sizes around the limit, each on a new topic, so each PUBLISH carries topic and alias
            for (int n = 20; n <= 50; n++) {
                pub.send(publish5("tao7/t" + n, 0, false, false, 0, Props.none(), new byte[n]));
            }
            pub.send(publish5("tao7/end", 0, false, 0, "end"));
            int delivered = 0;
            while (true) {
                Packet p = nextPublish(sub);
                int size = 1 + varIntSize(p.body().length) + p.body().length;
                assertThat(size).as("whole PUBLISH within Maximum Packet Size").isLessThanOrEqualTo(limit);
                if ("tao7/end".equals(topicOf(p))) {
                    break;
                }
                assertThat(alias(p)).isNotNull();
                delivered++;
            }
            assertThat(delivered).as("the small ones are delivered").isGreaterThan(0);
        }
    }

    private static int varIntSize(int n) {
        return n < 128 ? 1 : n < 16384 ? 2 : 3;
    }

    @Test
    void v5_MQTT_3_3_2_11_hiveMqClientWithTopicAliasMaximumReceivesTheRightTopics() throws Exception {
        Mqtt5BlockingClient sub = MqttClient.builder().useMqttVersion5().identifier("tao-hive-sub")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        Mqtt5BlockingClient pub = MqttClient.builder().useMqttVersion5().identifier("tao-hive-pub")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        sub.connectWith().restrictions().topicAliasMaximum(3).applyRestrictions().send();
        pub.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes received = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("taohive/#").qos(MqttQos.AT_LEAST_ONCE).send();
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String topic = "taohive/t" + (i * 7 % 5) + "/x";
                pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                        .payload(("p" + i).getBytes(StandardCharsets.UTF_8)).send();
                sent.add(topic + " p" + i);
            }
            List<String> got = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                Mqtt5Publish p = received.receive(5, TimeUnit.SECONDS).orElseThrow();
                got.add(p.getTopic() + " " + StandardCharsets.UTF_8.decode(p.getPayload().orElseThrow()));
            }
            assertThat(got).containsExactlyElementsOf(sent);
            assertThat(sub.getState().isConnected()).as("no protocol error on the client side").isTrue();
        } finally {
            pub.disconnect();
            sub.disconnect();
        }
    }
}
