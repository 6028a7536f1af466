package io.cairn.conformance;

import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.Props;
import io.cairn.test.Packets;
import io.cairn.test.RawClient;
import io.cairn.test.RawClient.Packet;
import io.cairn.test.TestBroker;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** SUBSCRIBE / SUBACK (checklist section 5; shared subscriptions: {@code SharedSubscriptionConformanceTest}). */
class SubscribeConformanceTest extends OneBrokerPerClass {

    private static Packets.Subscribe subscribeMany(int id, Object... filterOptions) {
        Packets.Subscribe s = subscribe(id);
        for (int i = 0; i < filterOptions.length; i += 2) {
            s.filter((String) filterOptions[i], (Integer) filterOptions[i + 1]);
        }
        return s;
    }

    private static byte[] subscribe311Many(int id, Object... filterQos) {
        return subscribeMany(id, filterQos).v311();
    }

    private static byte[] subscribe5Many(int id, Object... filterOptions) {
        return subscribeMany(id, filterOptions).v5();
    }

    @Test
    void v311_MQTT_3_9_3_1_subackCodesPerFilterInOrderCappedByMaxQosWithInvalidFiltersFailing() throws Exception {
        try (TestBroker capped = TestBroker.start(m -> m.with(b -> b.maxQos = 1));
             RawClient c = RawClient.connected311(capped.port(), "suback-cap", true)) {
            c.send(subscribe311Many(0x0A0B, "s/a", 2, "a/#/b", 1, "s/b", 0, "a+", 2, "", 1, "s/+/c", 1, "#", 2));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(SUBACK);
            assertThat(ack.u16(0)).as("[MQTT-3.8.4-2]").isEqualTo(0x0A0B);
            assertThat(ack.body()).as("one code per filter [MQTT-3.8.4-5], in order, 0x80 only for the bad ones")
                    .containsExactly(0x0A, 0x0B, 1, 0x80, 0, 0x80, 0x80, 1, 1);
            assertThat(c.stillOpenAfter(200)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_9_3_1_subackCodesPerFilterInOrderCappedByMaxQosWithInvalidFiltersGetting0x8F() throws Exception {
        try (TestBroker capped = TestBroker.start(m -> m.with(b -> b.maxQos = 1));
             RawClient c = RawClient.connected5(capped.port(), "suback5-cap", true, 0)) {
            c.send(subscribe5Many(9, "s/a", 2, "a/#/b", 1, "s/b", 0, "a+", 2, "", 1, "s/+/c", 1, "$share/g/x", 1));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(SUBACK);
            assertThat(ack.u16(0)).isEqualTo(9);
            assertThat(reasonCodes5(ack)).as("[MQTT-3.8.4-6], [MQTT-3.8.4-7], [MQTT-3.9.3-2]")
                    .containsExactly(1, 0x8F, 0, 0x8F, 0x8F, 1, 1);
            // the only property: the first refusal's Reason String (problem information is on by default)
            assertThat(properties5(ack, 2)).containsExactly(Map.entry(0x1F, "filter 2: invalid topic filter"));
        }
    }

    @Test
    void v311_MQTT_3_8_4_4_severalFiltersActLikeSeparateSubscribesAndOnlyTheValidOnesDeliver() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "multi-sub2", true);
             RawClient pub = RawClient.connected311(broker.port(), "multi-pub2", true)) {
            sub.send(subscribe311Many(3, "multi2/a", 0, "multi2/#/x", 1, "multi2/c", 2));
            assertThat(sub.read().body()).containsExactly(0, 3, 0, 0x80, 2);
            pub.send(publish311("multi2/a", 1, false, 1, "a"));
            pub.send(publish311("multi2/c", 2, false, 2, "c"));
            Packet a = nextPublish(sub);
            Packet c = nextPublish(sub);
            assertThat(topicOf(a) + qos(a)).isEqualTo("multi2/a0");
            assertThat(topicOf(c) + qos(c)).isEqualTo("multi2/c2");
        }
    }

    @Test
    void v311_MQTT_3_8_4_6_deliveryQosIsTheMinimumOfMessageAndGrantedQos() throws Exception {
        try (RawClient s0 = RawClient.connected311(broker.port(), "min3-s0", true);
             RawClient s1 = RawClient.connected311(broker.port(), "min3-s1", true);
             RawClient s2 = RawClient.connected311(broker.port(), "min3-s2", true);
             RawClient pub = RawClient.connected311(broker.port(), "min3-pub", true)) {
            s0.subscribe311("min3/t", 0, 1);
            s1.subscribe311("min3/t", 1, 1);
            s2.subscribe311("min3/t", 2, 1);
            for (int q = 0; q <= 2; q++) {
                pub.send(publish311("min3/t", q, false, q + 1, "q" + q));
            }
            RawClient[] subs = {s0, s1, s2};
            for (int g = 0; g <= 2; g++) {
                for (int q = 0; q <= 2; q++) {
                    Packet p = nextPublish(subs[g]);
                    assertThat(payload311(p)).isEqualTo("q" + q);
                    assertThat(qos(p)).as("granted %d, sent %d", g, q).isEqualTo(Math.min(g, q));
                    if (qos(p) == 1) {
                        subs[g].send(puback(packetIdOf(p)));
                    } else if (qos(p) == 2) {
                        subs[g].send(pubrec(packetIdOf(p)));
                        assertThat(subs[g].read().type()).isEqualTo(PUBREL);
                        subs[g].send(pubcomp(packetIdOf(p)));
                    }
                }
            }
        }
    }

    @Test
    void v5_MQTT_3_8_4_8_deliveryQosIsTheMinimumOfMessageAndGrantedQos() throws Exception {
        try (RawClient s1 = RawClient.connected5(broker.port(), "min5-s1", true, 0);
             RawClient pub = RawClient.connected5(broker.port(), "min5-pub", true, 0)) {
            s1.send(subscribe5(1, "min5/t", 1));
            assertThat(s1.readUntil(SUBACK).u8(3)).isEqualTo(1);
            pub.send(publish5("min5/t", 2, false, 1, "two"));
            pub.send(publish5("min5/t", 0, false, 0, "zero"));
            Packet a = nextPublish(s1);
            assertThat(qos(a)).isEqualTo(1);
            assertThat(qos(nextPublish(s1))).isZero();
        }
    }

    @Test
    void v311_MQTT_3_8_4_3_resubscribingReplacesTheGrantedQosWithoutLosingMessages() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "replace-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "replace-pub", true)) {
            sub.subscribe311("replace/t", 2, 1);
            pub.send(publish311("replace/t", 2, false, 1, "before"));
            Packet before = nextPublish(sub);
            assertThat(qos(before)).isEqualTo(2);
            sub.send(pubrec(packetIdOf(before)));
            sub.readUntil(PUBREL);
            sub.send(pubcomp(packetIdOf(before)));
            sub.send(subscribe311(2, "replace/t", 0));
            assertThat(sub.readUntil(SUBACK).u8(2)).isZero();
            pub.send(publish311("replace/t", 2, false, 2, "after"));
            Packet after = nextPublish(sub);
            assertThat(payload311(after)).isEqualTo("after");
            assertThat(qos(after)).as("the new QoS applies").isZero();
            assertThat(sub.poll(300)).as("one subscription, one copy").isNull();
        }
    }

    @Test
    void v311_MQTT_3_8_4_1_pahoGetsGrantedQosPerFilter() throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient c = new org.eclipse.paho.client.mqttv3.MqttClient(
                broker.uri(), "paho3-grant", new MemoryPersistence());
        try {
            c.connect(new MqttConnectOptions());
            org.eclipse.paho.client.mqttv3.IMqttToken t = c.subscribeWithResponse(
                    new String[] {"grant/a", "grant/b", "grant/c"}, new int[] {2, 0, 1});
            assertThat(t.getGrantedQos()).containsExactly(2, 0, 1);
        } finally {
            c.disconnect();
            c.close();
        }
    }

    @Test
    void v31_S3_8_subackCarriesTheGrantedQosValues() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect31("sub31", true, 60));
            assertThat(c.read().type()).isEqualTo(CONNACK);
            c.send(subscribe311Many(4, "v31/a", 2, "v31/+", 1, "v31/#", 0));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(SUBACK);
            assertThat(ack.body()).containsExactly(0, 4, 2, 1, 0);
        }
    }

    @Test
    void v5_MQTT_3_8_3_3_noLocalKeepsAClientsOwnMessagesFromIt() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        org.eclipse.paho.mqttv5.client.MqttClient me = new org.eclipse.paho.mqttv5.client.MqttClient(
                broker.uri(), "nolocal-me", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        org.eclipse.paho.mqttv5.client.MqttClient other = new org.eclipse.paho.mqttv5.client.MqttClient(
                broker.uri(), "nolocal-other", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        try {
            me.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
                @Override
                public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) {
                }

                @Override
                public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException e) {
                }

                @Override
                public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage m) {
                    got.add(topic + ":" + new String(m.getPayload()));
                }

                @Override
                public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken token) {
                }

                @Override
                public void connectComplete(boolean reconnect, String uri) {
                }

                @Override
                public void authPacketArrived(int reasonCode, org.eclipse.paho.mqttv5.common.packet.MqttProperties p) {
                }
            });
            me.connect(new MqttConnectionOptions());
            other.connect(new MqttConnectionOptions());
            MqttSubscription noLocal = new MqttSubscription("nolocal/t", 1);
            noLocal.setNoLocal(true);
            me.subscribe(new MqttSubscription[] {noLocal, new MqttSubscription("nolocal/u", 1)});
            me.publish("nolocal/t", "own".getBytes(), 1, false);
            me.publish("nolocal/u", "own-u".getBytes(), 1, false); // control: a normal subscription gets it
            other.publish("nolocal/t", "theirs".getBytes(), 1, false);
            await().atMost(5, TimeUnit.SECONDS).until(() -> got.size() >= 2);
            Thread.sleep(300);
            assertThat(got).containsExactlyInAnyOrder("nolocal/u:own-u", "nolocal/t:theirs");
        } finally {
            me.disconnect();
            other.disconnect();
            me.close();
            other.close();
        }
    }

    @Test
    void v5_S3_8_2_1_2_aReplacedSubscriptionCarriesTheNewIdentifier() throws Exception {
        try (RawClient sub = RawClient.connected5(broker.port(), "sid-sub", true, 0);
             RawClient pub = RawClient.connected5(broker.port(), "sid-pub", true, 0)) {
            sub.send(subscribe5(1, "sid/t", 0, Props.of().subscriptionId(5)));
            sub.readUntil(SUBACK);
            pub.send(publish5("sid/t", 0, false, 0, "a"));
            assertThat(prop(nextPublish(sub), Props.SUBSCRIPTION_ID)).containsExactly(5);
            sub.send(subscribe5(2, "sid/t", 0, Props.of().subscriptionId(6)));
            sub.readUntil(SUBACK);
            pub.send(publish5("sid/t", 0, false, 0, "b"));
            assertThat(prop(nextPublish(sub), Props.SUBSCRIPTION_ID)).containsExactly(6);
        }
    }

    @Test
    void v5_S3_8_3_1_subscriptionOptionsQos3IsMalformed() throws Exception {
        assertDisconnects5("opt-qos3", subscribe5(1, "o/t", 3), 0x81);
    }

    @Test
    void v5_S3_8_2_1_2_twoSubscriptionIdentifiersAreAProtocolError() throws Exception {
        assertDisconnects5("two-sids", subscribe5(1, "t", 0, Props.of().subscriptionId(1).subscriptionId(2)), 0x82);
    }

    @Test
    void v311_MQTT_3_8_4_2_subackEchoesThePacketIdentifierEvenWhenAllFiltersFail() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "allfail", true)) {
            c.send(subscribe311Many(0xFFFF, "a/#/b", 0));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(SUBACK);
            assertThat(ack.body()).containsExactly(0xFF, 0xFF, 0x80);
        }
    }
}
