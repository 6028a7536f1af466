package io.cairn.conformance;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.RawClient.Packet;
import io.cairn.test.TestBroker;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** PUBLISH (checklist section 3): acknowledgement per QoS, overlapping subscriptions, 5.0 properties, aliases. */
class PublishConformanceTest extends OneBrokerPerClass {

    private static Mqtt5BlockingClient hive5(String id) {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        c.connect();
        return c;
    }

    private static RawClient raw5(String id) throws Exception {
        return RawClient.connected5(broker.port(), id, true, 0);
    }

    // ---------------------------------------------------------------- acknowledgement per QoS

    @Test
    void v311_MQTT_3_3_4_1_eachPublishIsAnsweredAccordingToItsQos() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "ack311", true)) {
            c.send(publish311("pub/ack", 0, false, 0, "q0"));
            assertThat(c.poll(300)).as("nothing for QoS 0").isNull();
            c.send(publish311("pub/ack", 1, false, 0x1234, "q1"));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(PUBACK);
            assertThat(ack.body()).containsExactly(0x12, 0x34);
            c.send(publish311("pub/ack", 2, false, 0xFFFF, "q2"));
            Packet rec = c.read();
            assertThat(rec.type()).isEqualTo(PUBREC);
            assertThat(rec.body()).containsExactly(0xFF, 0xFF);
        }
    }

    @Test
    void v5_MQTT_3_3_4_1_eachPublishIsAnsweredAccordingToItsQos() throws Exception {
        try (RawClient c = raw5("ack5")) {
            c.send(publish5("pub/ack5", 0, false, 0, "q0"));
            assertThat(c.poll(300)).as("nothing for QoS 0").isNull();
            c.send(publish5("pub/ack5", 1, false, 77, "q1"));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(PUBACK);
            assertThat(ack.u16(0)).isEqualTo(77);
            assertThat(ack.body().length == 2 || ack.u8(2) < 0x80).as("success (0x00 or 0x10)").isTrue();
            c.send(publish5("pub/ack5", 2, false, 78, "q2"));
            Packet rec = c.read();
            assertThat(rec.type()).isEqualTo(PUBREC);
            assertThat(rec.u16(0)).isEqualTo(78);
            assertThat(rec.body().length == 2 || rec.u8(2) < 0x80).isTrue();
        }
    }

    @Test
    void v31_S3_3_4_eachPublishIsAnsweredAccordingToItsQos() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect31("ack31", true, 60));
            assertThat(c.read().type()).isEqualTo(CONNACK);
            c.send(publish311("pub/ack31", 1, false, 5, "q1"));
            assertThat(c.read().body()).containsExactly(0, 5);
            c.send(publish311("pub/ack31", 2, false, 6, "q2"));
            Packet rec = c.read();
            assertThat(rec.type()).isEqualTo(PUBREC);
            assertThat(rec.u16(0)).isEqualTo(6);
        }
    }

    // ---------------------------------------------------------------- overlapping subscriptions

    @Test
    void v311_MQTT_3_3_5_1_overlappingSubscriptionsDeliverOnceAtHighestQos() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        org.eclipse.paho.client.mqttv3.MqttClient sub = new org.eclipse.paho.client.mqttv3.MqttClient(
                broker.uri(), "paho-overlap-sub", new MemoryPersistence());
        org.eclipse.paho.client.mqttv3.MqttClient pub = new org.eclipse.paho.client.mqttv3.MqttClient(
                broker.uri(), "paho-overlap-pub", new MemoryPersistence());
        try {
            sub.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage m) {
                    got.add(topic + ":" + new String(m.getPayload(), StandardCharsets.UTF_8) + ":" + m.getQos());
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            sub.connect(new MqttConnectOptions());
            sub.subscribe(new String[] {"ov3/#", "ov3/+/x", "ov3/a/x"}, new int[] {0, 2, 1});
            pub.connect(new MqttConnectOptions());
            pub.publish("ov3/a/x", "both".getBytes(), 2, false);
            pub.publish("ov3/a/y", "one".getBytes(), 2, false); // matches only ov3/# (QoS 0)
            await().atMost(5, TimeUnit.SECONDS).until(() -> got.size() >= 2);
            Thread.sleep(300); // a duplicate would come right behind
            assertThat(got).containsExactly("ov3/a/x:both:2", "ov3/a/y:one:0");
        } finally {
            pub.disconnect();
            sub.disconnect();
            pub.close();
            sub.close();
        }
    }

    @Test
    void v5_MQTT_3_3_4_2_overlappingSubscriptionsDeliverOnceAtHighestQosWithAllSubscriptionIdentifiers() throws Exception {
        try (RawClient sub = raw5("ov5-sub"); RawClient pub = raw5("ov5-pub")) {
            sub.send(subscribe5(1, "ov5/#", 0, Props.of().subscriptionId(11)));
            sub.readUntil(SUBACK);
            sub.send(subscribe5(2, "ov5/+/x", 2, Props.of().subscriptionId(12)));
            sub.readUntil(SUBACK);
            sub.send(subscribe5(3, "ov5/a/x", 1)); // no identifier
            sub.readUntil(SUBACK);
            sub.send(subscribe5(4, "ov5/a/+", 1, Props.of().subscriptionId(268435455))); // largest identifier
            sub.readUntil(SUBACK);
            pub.send(publish5("ov5/a/x", 2, false, 1, "m"));
            Packet p = nextPublish(sub);
            assertThat(qos(p)).isEqualTo(2);
            assertThat(prop(p, Props.SUBSCRIPTION_ID)).as("[MQTT-3.3.4-3], [MQTT-3.3.4-4]").containsExactlyInAnyOrder(11, 12, 268435455);
            assertThat(payload5(p)).isEqualTo("m");
            assertThat(sub.poll(400)).as("exactly one copy").isNull();
        }
    }

    @Test
    void v5_MQTT_3_3_4_3_aSubscriptionWithoutIdentifierAddsNone() throws Exception {
        try (RawClient sub = raw5("noid-sub"); RawClient pub = raw5("noid-pub")) {
            sub.send(subscribe5(1, "noid/t", 1));
            sub.readUntil(SUBACK);
            pub.send(publish5("noid/t", 1, false, 1, "m"));
            assertThat(prop(nextPublish(sub), Props.SUBSCRIPTION_ID)).isEmpty();
        }
    }

    @Test
    void v311_MQTT_3_3_2_3_deliveredTopicNameIsThePublishedNameAndMatchesTheFilter() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "name-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "name-pub", true)) {
            sub.subscribe311("name/+/x/#", 1, 1);
            pub.send(publish311("name/Ab c/x/y/z", 0, false, 0, "n"));
            Packet p = nextPublish(sub);
            assertThat(topicOf(p)).isEqualTo("name/Ab c/x/y/z");
        }
    }

    // ---------------------------------------------------------------- 5.0 properties

    @Test
    void v5_MQTT_3_3_2_18_userPropertiesKeepTheirOrder() throws Exception {
        Mqtt5BlockingClient sub = hive5("hm-props-sub");
        Mqtt5BlockingClient pub = hive5("hm-props-pub");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("props/user").qos(MqttQos.AT_LEAST_ONCE).send();
            pub.publishWith().topic("props/user").qos(MqttQos.AT_LEAST_ONCE).payload("u".getBytes())
                    .userProperties().add("z", "1").add("a", "2").add("z", "0").add("m", "").add("a", "2")
                    .applyUserProperties()
                    .send();
            Mqtt5Publish p = publishes.receive(5, TimeUnit.SECONDS).orElseThrow();
            assertThat(p.getUserProperties().asList()).extracting(u -> u.getName() + "=" + u.getValue())
                    .as("all of them [MQTT-3.3.2-17], duplicates kept, in order [MQTT-3.3.2-18]")
                    .containsExactly("z=1", "a=2", "z=0", "m=", "a=2");
        } finally {
            pub.disconnect();
            sub.disconnect();
        }
    }

    @Test
    void v5_MQTT_3_3_2_17_allPropertiesAreForwardedUntouched() throws Exception {
        Mqtt5BlockingClient sub = hive5("hm-all-sub");
        Mqtt5BlockingClient pub = hive5("hm-all-pub");
        byte[] correlation = {0, 1, 2, (byte) 0xFF, 0};
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("props/all").qos(MqttQos.EXACTLY_ONCE).send();
            pub.publishWith().topic("props/all").qos(MqttQos.EXACTLY_ONCE).payload("h\u00e9".getBytes(StandardCharsets.UTF_8))
                    .contentType("application/x-cairn; v=1")
                    .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                    .responseTopic("props/reply/\u00e9")
                    .correlationData(correlation)
                    .userProperties().add(Mqtt5UserProperty.of("k", "v")).applyUserProperties()
                    .send();
            Mqtt5Publish p = publishes.receive(5, TimeUnit.SECONDS).orElseThrow();
            assertThat(p.getContentType().orElseThrow().toString()).as("[MQTT-3.3.2-20]").isEqualTo("application/x-cairn; v=1");
            assertThat(p.getPayloadFormatIndicator()).as("[MQTT-3.3.2-4]").contains(Mqtt5PayloadFormatIndicator.UTF_8);
            assertThat(p.getResponseTopic().orElseThrow().toString()).as("[MQTT-3.3.2-15]").isEqualTo("props/reply/\u00e9");
            assertThat(p.getCorrelationData().orElseThrow()).as("[MQTT-3.3.2-16]")
                    .satisfies(b -> {
                        byte[] got = new byte[b.remaining()];
                        b.duplicate().get(got);
                        assertThat(got).containsExactly(correlation);
                    });
            assertThat(p.getUserProperties().asList()).hasSize(1);
            assertThat(p.getMessageExpiryInterval()).as("none sent, none forwarded (§3.3.2.3.3)").isEmpty();
            assertThat(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("h\u00e9");
        } finally {
            pub.disconnect();
            sub.disconnect();
        }
    }

    @Test
    void v5_MQTT_3_3_2_4_payloadFormatIndicator0IsForwardedToo() throws Exception {
        try (RawClient sub = raw5("pfi0-sub"); RawClient pub = raw5("pfi0-pub")) {
            sub.send(subscribe5(1, "props/pfi0", 0));
            sub.readUntil(SUBACK);
            pub.send(publish5("props/pfi0", 0, false, false, 0, Props.of().payloadFormat(0x00), new byte[] {(byte) 0xFF}));
            assertThat(prop(nextPublish(sub), Props.PAYLOAD_FORMAT)).containsExactly(0);
        }
    }

    @Test
    void v5_MQTT_3_3_2_5_anExpiredQueuedMessageIsNotDeliveredToTheResumedSession() throws Exception {
        try (RawClient sub = RawClient.connected5(broker.port(), "exp-sub", true, 300)) {
            sub.send(subscribe5(1, "exp/t", 1));
            sub.readUntil(SUBACK);
            sub.send(disconnect()); // DISCONNECT, the session stays
        }
        try (RawClient pub = raw5("exp-pub")) {
            pub.send(publish5("exp/t", 1, false, false, 1, Props.of().messageExpiry(1), "short".getBytes()));
            pub.send(publish5("exp/t", 1, false, false, 2, Props.none(), "forever".getBytes()));
            assertThat(pub.read().type()).isEqualTo(PUBACK);
            assertThat(pub.read().type()).isEqualTo(PUBACK);
        }
        Thread.sleep(1300); // let the 1 s Message Expiry Interval run out
        try (RawClient sub = RawClient.connected5(broker.port(), "exp-sub", false, 300)) {
            assertThat(sub.connack().u8(0)).as("session present").isEqualTo(1);
            Packet p = nextPublish(sub);
            assertThat(payload5(p)).isEqualTo("forever");
            assertThat(prop(p, Props.MESSAGE_EXPIRY)).as("no expiry sent, none forwarded").isEmpty();
            sub.send(puback(packetIdOf(p)));
            assertThat(sub.poll(300)).as("the expired message is gone").isNull();
            sub.send(disconnect5(0x00, Props.none())); // expire the session now... 0x00 reason, no props
        }
    }

    @Test
    void v5_MQTT_3_3_2_6_theForwardedExpiryIntervalIsReducedByTheTimeWaited() throws Exception {
        try (RawClient sub = RawClient.connected5(broker.port(), "expr-sub", true, 300)) {
            sub.send(subscribe5(1, "expr/t", 1));
            sub.readUntil(SUBACK);
            sub.send(disconnect());
        }
        try (RawClient pub = raw5("expr-pub")) {
            pub.send(publish5("expr/t", 1, false, false, 1, Props.of().messageExpiry(10), "ten".getBytes()));
            assertThat(pub.read().type()).isEqualTo(PUBACK);
        }
        Thread.sleep(1200);
        try (RawClient sub = RawClient.connected5(broker.port(), "expr-sub", false, 0)) {
            Packet p = nextPublish(sub);
            assertThat(payload5(p)).isEqualTo("ten");
            List<Object> expiry = prop(p, Props.MESSAGE_EXPIRY);
            assertThat(expiry).hasSize(1);
            assertThat((Integer) expiry.get(0)).isBetween(1, 9);
        }
    }

    @Test
    void v5_MQTT_3_3_2_6_anImmediatelyForwardedMessageKeepsItsExpiryInterval() throws Exception {
        try (RawClient sub = raw5("expl-sub"); RawClient pub = raw5("expl-pub")) {
            sub.send(subscribe5(1, "expl/t", 0));
            sub.readUntil(SUBACK);
            pub.send(publish5("expl/t", 0, false, false, 0, Props.of().messageExpiry(3600), "x".getBytes()));
            List<Object> expiry = prop(nextPublish(sub), Props.MESSAGE_EXPIRY);
            assertThat(expiry).hasSize(1);
            assertThat((Integer) expiry.get(0)).isBetween(3599, 3600);
        }
    }

    // ---------------------------------------------------------------- topic aliases

    @Test
    void v5_MQTT_3_3_2_12_everyAliasUpToTheMaximumIsAcceptedAndResolved() throws Exception {
        try (RawClient sub = raw5("alias5-sub"); RawClient pub = raw5("alias5-pub")) {
            assertThat(prop0x22(pub.connack())).as("Topic Alias Maximum announced").isEqualTo(10);
            sub.send(subscribe5(1, "alias5/#", 0));
            sub.readUntil(SUBACK);
            pub.send(publish5("alias5/one", 0, false, false, 0, Props.of().topicAlias(1), "a".getBytes()));
            pub.send(publish5("alias5/ten", 0, false, false, 0, Props.of().topicAlias(10), "b".getBytes()));
            pub.send(publish5("", 0, false, false, 0, Props.of().topicAlias(1), "c".getBytes()));
            pub.send(publish5("", 1, false, false, 9, Props.of().topicAlias(10), "d".getBytes()));
            assertThat(pub.read().type()).isEqualTo(PUBACK);
            // redefine alias 1 [§3.3.2.3.4]
            pub.send(publish5("alias5/uno", 0, false, false, 0, Props.of().topicAlias(1), "e".getBytes()));
            pub.send(publish5("", 0, false, false, 0, Props.of().topicAlias(1), "f".getBytes()));
            String[] expected = {"alias5/one:a", "alias5/ten:b", "alias5/one:c", "alias5/ten:d", "alias5/uno:e", "alias5/uno:f"};
            for (String e : expected) {
                Packet p = nextPublish(sub);
                assertThat(topicOf(p) + ":" + payload5(p)).isEqualTo(e);
                assertThat(prop(p, Props.TOPIC_ALIAS)).as("aliases are not passed through").isEmpty();
            }
        }
    }

    private static int prop0x22(Packet connack) {
        byte[] b = connack.body();
        int i = 3; // flags, code, one-byte property length (small here)
        int end = 3 + (b[2] & 0xFF);
        while (i < end) {
            int id = b[i] & 0xFF;
            if (id == 0x22) {
                return ((b[i + 1] & 0xFF) << 8) | (b[i + 2] & 0xFF);
            }
            i += switch (id) {
                case 0x24, 0x25, 0x28, 0x29, 0x2A -> 2;
                case 0x21, 0x13 -> 3;
                case 0x11, 0x27 -> 5;
                default -> 3 + (((b[i + 1] & 0xFF) << 8) | (b[i + 2] & 0xFF)); // string
            };
        }
        return 0;
    }

    @Test
    void v5_MQTT_3_3_2_9_topicAlias0GetsDisconnect0x94() throws Exception {
        assertDisconnects5("alias-zero", publish5("alias/z", 0, false, false, 0, Props.of().topicAlias(0), "x".getBytes()), 0x94);
    }

    @Test
    void v5_MQTT_3_3_2_9_topicAliasOneAboveTheMaximumGetsDisconnect0x94() throws Exception {
        assertDisconnects5("alias-11", publish5("alias/z", 0, false, false, 0, Props.of().topicAlias(11), "x".getBytes()), 0x94);
    }

    @Test
    void v5_S3_3_2_3_4_anAliasWithoutMappingOnThisConnectionIsAProtocolError() throws Exception {
        assertDisconnects5("alias-unmapped", publish5("", 0, false, false, 0, Props.of().topicAlias(3), "x".getBytes()), 0x82);
    }

    // ---------------------------------------------------------------- limits

    @Test
    void v5_MQTT_3_2_2_11_publishAboveMaxQosGetsDisconnect0x9B() throws Exception {
        try (TestBroker capped = TestBroker.start(m -> m.with(b -> b.maxQos = 1));
             RawClient sub = RawClient.connected5(capped.port(), "cap-sub", true, 0);
             RawClient c = RawClient.connected5(capped.port(), "cap-pub", true, 0)) {
            sub.send(subscribe5(1, "cap/t", 2));
            assertThat(sub.readUntil(SUBACK).u8(3)).as("granted QoS capped").isEqualTo(1);
            c.send(publish5("cap/t", 1, false, 1, "ok"));
            assertThat(c.read().type()).isEqualTo(PUBACK);
            c.send(publish5("cap/t", 2, false, 2, "too high"));
            Packet d = c.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).isEqualTo(0x9B);
            assertThat(c.closedWithin(2000)).isTrue();
            assertThat(payload5(nextPublish(sub))).isEqualTo("ok");
            assertThat(sub.poll(300)).as("the refused message is not delivered").isNull();
        }
    }

    @Test
    void v311_S3_3_1_2_publishAboveMaxQosClosesTheConnection() throws Exception {
        try (TestBroker capped = TestBroker.start(m -> m.with(b -> b.maxQos = 1));
             RawClient c = RawClient.connected311(capped.port(), "cap311", true)) {
            c.send(publish311("cap/t", 2, false, 2, "too high"));
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_1_2_25_aMessageTooLargeForTheClientIsSkippedAndTheNextDelivered() throws Exception {
        try (RawClient sub = RawClient.connected5(broker.port(), "mps-sub", Props.of().maximumPacketSize(64));
             RawClient pub = raw5("mps-pub")) {
            sub.send(subscribe5(1, "mps/t", 1));
            sub.readUntil(SUBACK);
            pub.send(publish5("mps/t", 1, false, 1, "x".repeat(100)));
            pub.send(publish5("mps/t", 1, false, 2, "small"));
            pub.send(publish5("mps/t", 0, false, 0, "y".repeat(60)));
            pub.send(publish5("mps/t", 0, false, 0, "small0"));
            Packet p = nextPublish(sub);
            assertThat(payload5(p)).as("[MQTT-3.1.2-24]: the 100-byte one is never sent").isEqualTo("small");
            sub.send(puback(packetIdOf(p)));
            assertThat(payload5(nextPublish(sub))).isEqualTo("small0");
            assertThat(sub.poll(300)).as("no retry, no DISCONNECT").isNull();
        }
    }

    @Test
    void v5_MQTT_3_1_2_24_aMessageOfExactlyTheMaximumPacketSizeIsDelivered() throws Exception {
        // PUBLISH QoS 0 to "mx": 1 header + 1 length + 2+2 topic + 1 property length + payload = 7 + n
        try (RawClient sub = RawClient.connected5(broker.port(), "mpx-sub", Props.of().maximumPacketSize(100));
             RawClient pub = raw5("mpx-pub")) {
            sub.send(subscribe5(1, "mx", 0));
            sub.readUntil(SUBACK);
            pub.send(publish5("mx", 0, false, 0, "a".repeat(94)));
            pub.send(publish5("mx", 0, false, 0, "b".repeat(93)));
            Packet p = nextPublish(sub);
            assertThat(payload5(p)).isEqualTo("b".repeat(93));
        }
    }
}
