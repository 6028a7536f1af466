package io.cairn.conformance;

import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.RawClient.Packet;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Retained messages (checklist section 14). Every test uses its own topics on the shared broker. */
class RetainConformanceTest extends OneBrokerPerClass {

    private static RawClient c311(String id) throws Exception {
        return RawClient.connected311(broker.port(), id, true);
    }

    private static RawClient c5(String id) throws Exception {
        return RawClient.connected5(broker.port(), id, true, 0);
    }

    /** Publishes with QoS 1 and waits for the PUBACK, so the retained store is updated before the next step. */
    private static void retain311(RawClient pub, String topic, String payload, boolean retain) throws Exception {
        pub.send(publish311(topic, 1, retain, 1, payload));
        assertThat(pub.read().type()).isEqualTo(PUBACK);
    }

    @Test
    void v311_MQTT_3_3_1_5_aNewSubscriberGetsOnlyTheLatestRetainedMessageWithRetain1() throws Exception {
        try (RawClient pub = c311("latest-pub")) {
            retain311(pub, "ret/latest", "v1", true);
            retain311(pub, "ret/latest", "v2", true);
            pub.send(publish311("ret/latest", 2, true, 2, "v3"));
            assertThat(pub.read().type()).isEqualTo(PUBREC);
            pub.send(pubrel(2));
            assertThat(pub.read().type()).isEqualTo(PUBCOMP);
        }
        try (RawClient sub = c311("latest-sub")) {
            sub.send(subscribe311(1, "ret/latest", 2));
            assertThat(sub.read().type()).as("SUBACK first").isEqualTo(SUBACK);
            Packet p = nextPublish(sub);
            assertThat(payload311(p)).isEqualTo("v3");
            assertThat(retain(p)).as("[MQTT-3.3.1-8]").isTrue();
            assertThat(qos(p)).as("stored with its QoS").isEqualTo(2);
            assertThat(sub.poll(300)).as("only the latest").isNull();
        }
    }

    @Test
    void v311_MQTT_3_3_1_6_aWildcardSubscriptionGetsTheRetainedMessageOfEveryMatchingTopic() throws Exception {
        try (RawClient pub = c311("wild-ret-pub")) {
            retain311(pub, "retw/a", "a", true);
            retain311(pub, "retw/b/c", "bc", true);
            retain311(pub, "retw", "parent", true);
            retain311(pub, "other/retw", "no", true);
        }
        try (RawClient sub = c311("wild-ret-sub")) {
            sub.subscribe311("retw/#", 1, 1);
            List<String> got = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Packet p = nextPublish(sub);
                assertThat(retain(p)).isTrue();
                got.add(topicOf(p) + "=" + payload311(p));
                sub.send(puback(packetIdOf(p)));
            }
            assertThat(got).containsExactlyInAnyOrder("retw/a=a", "retw/b/c=bc", "retw=parent");
            assertThat(sub.poll(300)).isNull();
        }
    }

    @Test
    void v311_MQTT_3_3_1_9_anEstablishedSubscriptionGetsRetain0() throws Exception {
        try (RawClient sub = c311("est-sub"); RawClient pub = c311("est-pub")) {
            sub.subscribe311("ret/est", 1, 1);
            retain311(pub, "ret/est", "live", true);
            Packet p = nextPublish(sub);
            assertThat(payload311(p)).isEqualTo("live");
            assertThat(retain(p)).isFalse();
        }
    }

    @Test
    void v31_S3_3_1_retainFlagSemanticsAreThoseOf311() throws Exception {
        try (RawClient pub = c311("r31-pub")) {
            retain311(pub, "ret31/t", "kept", true);
        }
        try (RawClient sub = new RawClient(broker.port())) {
            sub.send(connect31("r31-sub", true, 60));
            assertThat(sub.read().type()).isEqualTo(CONNACK);
            sub.subscribe311("ret31/t", 1, 1);
            Packet p = nextPublish(sub);
            assertThat(retain(p)).isTrue();
            sub.send(puback(packetIdOf(p)));
            try (RawClient pub = c311("r31-pub2")) {
                retain311(pub, "ret31/t", "live", true);
            }
            Packet live = nextPublish(sub);
            assertThat(payload311(live)).isEqualTo("live");
            assertThat(retain(live)).isFalse();
        }
    }

    @Test
    void v311_MQTT_3_3_1_10_anEmptyRetainedPayloadIsDeliveredAndDeletesTheRetainedMessage() throws Exception {
        try (RawClient sub = c311("del-sub"); RawClient pub = c311("del-pub")) {
            retain311(pub, "ret/del", "x", true);
            sub.subscribe311("ret/del", 1, 1);
            Packet r = nextPublish(sub);
            assertThat(retain(r)).isTrue();
            sub.send(puback(packetIdOf(r)));
            retain311(pub, "ret/del", "", true);
            Packet empty = nextPublish(sub);
            assertThat(payload311(empty)).as("delivered to current subscribers as normal").isEmpty();
            assertThat(retain(empty)).isFalse();
            sub.send(puback(packetIdOf(empty)));
        }
        try (RawClient late = c311("del-late")) {
            late.subscribe311("ret/del", 1, 1);
            assertThat(late.poll(400)).as("[MQTT-3.3.1-11]: nothing retained, not even the empty message").isNull();
        }
    }

    @Test
    void v311_MQTT_3_3_1_12_retain0LeavesTheRetainedMessageUntouched() throws Exception {
        try (RawClient pub = c311("keep-pub")) {
            retain311(pub, "ret/keep", "stored", true);
            retain311(pub, "ret/keep", "not stored", false);
        }
        try (RawClient sub = c311("keep-sub")) {
            sub.subscribe311("ret/keep", 0, 1);
            Packet p = nextPublish(sub);
            assertThat(payload311(p)).isEqualTo("stored");
            assertThat(sub.poll(300)).isNull();
        }
    }

    @Test
    void v311_MQTT_3_3_1_7_aQos0RetainedMessageReplacesThePreviousOne() throws Exception {
        try (RawClient pub = c311("q0r-pub")) {
            retain311(pub, "ret/q0", "qos1", true);
            pub.send(publish311("ret/q0", 0, true, 0, "qos0"));
            retain311(pub, "ret/q0-sync", "sync", false); // the QoS 0 one was handled before this PUBACK
        }
        try (RawClient sub = c311("q0r-sub")) {
            sub.subscribe311("ret/q0", 1, 1);
            Packet p = nextPublish(sub);
            assertThat(payload311(p)).isEqualTo("qos0");
            assertThat(qos(p)).isZero();
            assertThat(sub.poll(300)).isNull();
        }
    }

    @Test
    void v311_MQTT_3_8_4_6_aRetainedMessageIsDowngradedToTheGrantedQos() throws Exception {
        try (RawClient pub = c311("down-pub")) {
            pub.send(publish311("ret/down", 2, true, 1, "two"));
            assertThat(pub.read().type()).isEqualTo(PUBREC);
            pub.send(pubrel(1));
            assertThat(pub.read().type()).isEqualTo(PUBCOMP);
        }
        for (int granted = 0; granted <= 2; granted++) {
            try (RawClient sub = c311("down-sub" + granted)) {
                sub.subscribe311("ret/down", granted, 1);
                Packet p = nextPublish(sub);
                assertThat(qos(p)).isEqualTo(granted);
                assertThat(retain(p)).isTrue();
            }
        }
    }

    @Test
    void v311_MQTT_3_3_1_6_pahoSeesTheRetainedFlagOnlyForTheStoredMessage() throws Exception {
        List<MqttMessage> got = new CopyOnWriteArrayList<>();
        org.eclipse.paho.client.mqttv3.MqttClient pub = new org.eclipse.paho.client.mqttv3.MqttClient(
                broker.uri(), "paho-ret-pub", new MemoryPersistence());
        org.eclipse.paho.client.mqttv3.MqttClient sub = new org.eclipse.paho.client.mqttv3.MqttClient(
                broker.uri(), "paho-ret-sub", new MemoryPersistence());
        try {
            pub.connect(new MqttConnectOptions());
            pub.publish("paho/ret", "stored".getBytes(), 1, true);
            sub.connect(new MqttConnectOptions());
            sub.subscribe("paho/ret", 1, (t, m) -> got.add(m));
            await().atMost(5, TimeUnit.SECONDS).until(() -> got.size() == 1);
            pub.publish("paho/ret", "live".getBytes(), 1, true);
            await().atMost(5, TimeUnit.SECONDS).until(() -> got.size() == 2);
            assertThat(got).extracting(m -> new String(m.getPayload()) + ":" + m.isRetained())
                    .containsExactly("stored:true", "live:false");
        } finally {
            pub.disconnect();
            sub.disconnect();
            pub.close();
            sub.close();
        }
    }

    // ---------------------------------------------------------------- 5.0 options

    private static void retain5(RawClient pub, String topic, String payload) throws Exception {
        pub.send(publish5(topic, 1, true, 1, payload));
        assertThat(pub.read().type()).isEqualTo(PUBACK);
    }

    @Test
    void v5_MQTT_3_3_1_12_retainAsPublished0ForwardsRetain0AndSubscribeTimeCopiesStillCarryRetain1() throws Exception {
        try (RawClient pub = c5("rap0-pub"); RawClient sub = c5("rap0-sub")) {
            retain5(pub, "ret5/rap0", "stored");
            sub.send(subscribe5(1, "ret5/rap0", 1)); // RAP=0, RH=0
            sub.readUntil(SUBACK);
            Packet stored = nextPublish(sub);
            assertThat(retain(stored)).as("§3.3.1.3: sent because of the SUBSCRIBE").isTrue();
            sub.send(puback(packetIdOf(stored)));
            retain5(pub, "ret5/rap0", "live");
            Packet live = nextPublish(sub);
            assertThat(payload5(live)).isEqualTo("live");
            assertThat(retain(live)).isFalse();
        }
    }

    @Test
    void v5_MQTT_3_3_1_13_retainAsPublished1KeepsThePublishersFlag() throws Exception {
        try (RawClient pub = c5("rap1-pub"); RawClient sub = c5("rap1-sub")) {
            sub.send(subscribe5(1, "ret5/rap1", 0x08 | 1)); // RAP=1
            sub.readUntil(SUBACK);
            retain5(pub, "ret5/rap1", "with");
            pub.send(publish5("ret5/rap1", 1, false, 2, "without"));
            pub.read();
            Packet a = nextPublish(sub);
            Packet b = nextPublish(sub);
            assertThat(payload5(a) + retain(a)).isEqualTo("withtrue");
            assertThat(payload5(b) + retain(b)).isEqualTo("withoutfalse");
        }
    }

    @Test
    void v5_MQTT_3_3_1_9_retainHandling0SendsTheRetainedMessageOnEverySubscribe() throws Exception {
        try (RawClient pub = c5("rh0-pub"); RawClient sub = c5("rh0-sub")) {
            retain5(pub, "ret5/rh0", "r");
            for (int i = 1; i <= 2; i++) {
                sub.send(subscribe5(i, "ret5/rh0", 0));
                sub.readUntil(SUBACK);
                Packet p = nextPublish(sub);
                assertThat(payload5(p)).isEqualTo("r");
                assertThat(retain(p)).isTrue();
            }
        }
    }

    @Test
    void v5_MQTT_3_3_1_10_retainHandling1SendsOnlyWhenTheSubscriptionIsNew() throws Exception {
        try (RawClient pub = c5("rh1-pub"); RawClient sub = c5("rh1-sub")) {
            retain5(pub, "ret5/rh1", "r");
            sub.send(subscribe5(1, "ret5/rh1", 0x10));
            sub.readUntil(SUBACK);
            assertThat(payload5(nextPublish(sub))).isEqualTo("r");
            sub.send(subscribe5(2, "ret5/rh1", 0x10)); // exists now
            Packet ack = sub.read();
            assertThat(ack.type()).isEqualTo(SUBACK);
            assertThat(sub.poll(400)).as("no retained message for an existing subscription").isNull();
        }
    }

    @Test
    void v5_MQTT_3_3_1_11_retainHandling2SendsNoRetainedMessageButLiveOnesFlow() throws Exception {
        try (RawClient pub = c5("rh2-pub"); RawClient sub = c5("rh2-sub")) {
            retain5(pub, "ret5/rh2", "r");
            sub.send(subscribe5(1, "ret5/rh2", 0x20));
            sub.readUntil(SUBACK);
            pub.send(publish5("ret5/rh2", 0, false, 0, "live"));
            Packet p = nextPublish(sub);
            assertThat(payload5(p)).as("the retained message was not sent first").isEqualTo("live");
        }
    }

    @Test
    void v5_MQTT_3_8_4_8_aRetainedMessageIsDowngradedToTheGrantedQos() throws Exception {
        try (RawClient pub = c5("down5-pub"); RawClient sub = c5("down5-sub")) {
            pub.send(publish5("ret5/down", 2, true, 1, "two"));
            assertThat(pub.read().type()).isEqualTo(PUBREC);
            pub.send(pubrel(1));
            assertThat(pub.read().type()).isEqualTo(PUBCOMP);
            sub.send(subscribe5(1, "ret5/down", 1));
            sub.readUntil(SUBACK);
            Packet p = nextPublish(sub);
            assertThat(qos(p)).isEqualTo(1);
            assertThat(retain(p)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_3_1_6_anEmptyRetainedPayloadDeletesTheRetainedMessage() throws Exception {
        try (RawClient pub = c5("del5-pub")) {
            retain5(pub, "ret5/del", "x");
            retain5(pub, "ret5/del", "");
        }
        try (RawClient sub = c5("del5-sub")) {
            sub.send(subscribe5(1, "ret5/del", 1));
            sub.readUntil(SUBACK);
            assertThat(sub.poll(400)).as("[MQTT-3.3.1-7]").isNull();
        }
    }

    @Test
    void v5_S3_3_1_3_anExpiredRetainedMessageIsNoLongerSent() throws Exception {
        try (RawClient pub = c5("rexp-pub")) {
            pub.send(publish5("rexp/short", 1, true, false, 1, Props.of().messageExpiry(1), "short".getBytes()));
            assertThat(pub.read().type()).isEqualTo(PUBACK);
            pub.send(publish5("rexp/long", 1, true, false, 2, Props.of().messageExpiry(100), "long".getBytes()));
            assertThat(pub.read().type()).isEqualTo(PUBACK);
        }
        Thread.sleep(1200); // let the 1 s Message Expiry Interval run out
        try (RawClient sub = c5("rexp-sub")) {
            sub.send(subscribe5(1, "rexp/#", 1));
            sub.readUntil(SUBACK);
            Packet p = nextPublish(sub);
            assertThat(payload5(p)).isEqualTo("long");
            assertThat((Integer) prop(p, Props.MESSAGE_EXPIRY).get(0)).as("the retained copy's expiry runs down too").isBetween(1, 99);
            sub.send(puback(packetIdOf(p)));
            assertThat(sub.poll(300)).isNull();
        }
    }
}
