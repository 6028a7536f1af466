package io.cairn.conformance;

import io.cairn.test.RawClient;
import io.cairn.test.Replies;
import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Test;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/** SUBSCRIBE, UNSUBSCRIBE, topic filters and retained messages (checklist sections 5, 6, 10, 14). */
class SubscribeRetainConformanceTest extends OneBrokerPerClass {

    private static byte[] pub(String topic, int qos, boolean retain, String payload) {
        return publish311(topic, qos, retain, false, qos > 0 ? 1 : 0, payload.getBytes());
    }

    @Test
    void v311_MQTT_3_9_3_1_subackHasOneCodePerFilterInOrderWithInvalidFiltersFailing() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "suback", true)) {
            c.send(subscribe(33).filter("ok/a", 2).filter("a/#/b", 1).filter("a+", 0).filter("ok/+/c", 1).v311());
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(SUBACK);
            assertThat(ack.u16(0)).isEqualTo(33); // [MQTT-3.8.4-2]
            assertThat(ack.body()).containsExactly(0, 33, 2, 0x80, 0x80, 1);
        }
    }

    @Test
    void v5_MQTT_3_9_3_2_invalidFilterGetsReasonCode0x8F() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "suback5", true, 0)) {
            c.send(subscribe(5).filter("x/#/y", 1).filter("ok", 1).v5());
            Packet ack = c.read();
            assertThat(Replies.ackId(ack)).isEqualTo(5);
            assertThat(Replies.reasonCodes5(ack)).containsExactly(0x8F, 1);
        }
    }

    @Test
    void v5_S3_9_3_aSharedSubscriptionIsGrantedItsQos() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "share5", true, 0)) {
            c.send(subscribe5(5, "$share/g/t", 1));
            Packet ack = c.read();
            assertThat(Replies.ackId(ack)).isEqualTo(5);
            assertThat(Replies.reasonCodes5(ack)).containsExactly(1);
        }
    }

    @Test
    void v5_MQTT_3_2_2_10_grantedQosIsCappedByMaxQos() throws Exception {
        try (TestBroker capped = TestBroker.start(m -> m.with(b -> b.maxQos = 1));
             RawClient c = RawClient.connected311(capped.port(), "capped", true)) {
            assertThat(c.subscribe311("cap/t", 2, 1).u8(2)).isEqualTo(1);
        }
    }

    @Test
    void v311_MQTT_3_10_4_1_unsubscribeMatchesFiltersExactlyAndStopsDelivery() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "unsub", true);
             RawClient pub = RawClient.connected311(broker.port(), "unsub-pub", true)) {
            c.subscribe311("unsub/+", 0, 1);
            c.send(unsubscribe311(2, "unsub/a"));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(UNSUBACK); // sent even when nothing matched [MQTT-3.10.4-5]
            assertThat(ack.body()).containsExactly(0, 2);
            pub.send(pub("unsub/a", 0, false, "still"));
            assertThat(payload311(c.read())).isEqualTo("still");
            c.send(unsubscribe311(3, "unsub/+"));
            assertThat(c.read().type()).isEqualTo(UNSUBACK);
            pub.send(pub("unsub/a", 0, false, "gone"));
            assertThat(c.poll(400)).as("nothing after unsubscribing [MQTT-3.10.4-2]").isNull();
        }
    }

    @Test
    void v5_MQTT_3_11_3_1_unsubackCarries0x11WhenNoSubscriptionExisted() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "unsub5", true, 0)) {
            c.send(subscribe5(1, "u5/a", 0));
            c.read();
            c.send(unsubscribe5(2, "u5/a", "u5/none"));
            assertThat(c.read().body()).containsExactly(0, 2, 0, 0x00, 0x11);
        }
    }

    @Test
    void v311_MQTT_4_7_2_1_wildcardsAtTheFirstLevelDoNotMatchDollarTopics() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "dollar", true);
             RawClient pub = RawClient.connected311(broker.port(), "dollar-pub", true)) {
            c.subscribe311("#", 0, 1);
            c.subscribe311("+/x", 0, 2);
            c.subscribe311("$app/+", 0, 3);
            pub.send(pub("$app/x", 0, false, "explicit"));
            assertThat(topicOf(c.read())).isEqualTo("$app/x");
            assertThat(c.poll(300)).as("one copy, via $app/+ only").isNull();
        }
    }

    @Test
    void v311_S4_7_multiLevelWildcardMatchesTheParentLevel() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "parent", true);
             RawClient pub = RawClient.connected311(broker.port(), "parent-pub", true)) {
            c.subscribe311("sport/tennis/#", 0, 1);
            pub.send(pub("sport/tennis", 0, false, "p"));
            assertThat(topicOf(c.read())).isEqualTo("sport/tennis");
        }
    }

    @Test
    void v311_MQTT_1_5_3_3_byteOrderMarkInATopicIsKeptAndMatchedExactly() throws Exception {
        String topic = "bom/\uFEFFx";
        try (RawClient c = RawClient.connected311(broker.port(), "bom", true);
             RawClient pub = RawClient.connected311(broker.port(), "bom-pub", true)) {
            c.subscribe311(topic, 0, 1);
            pub.send(pub(topic, 0, false, "b"));
            assertThat(topicOf(c.read())).isEqualTo(topic);
        }
    }

    @Test
    void v311_MQTT_3_3_1_6_newSubscriberGetsTheRetainedMessageWithRetain1() throws Exception {
        try (RawClient pub = RawClient.connected311(broker.port(), "ret-pub", true)) {
            pub.send(pub("ret/a", 1, true, "old"));
            pub.read();
            pub.send(pub("ret/a", 1, true, "latest"));
            pub.read();
        }
        try (RawClient c = RawClient.connected311(broker.port(), "ret-sub", true)) {
            c.subscribe311("ret/#", 1, 1);
            Packet p = c.read();
            assertThat(payload311(p)).isEqualTo("latest"); // only the latest per topic [MQTT-3.3.1-5]
            assertThat(p.flags() & 1).isEqualTo(1); // [MQTT-3.3.1-8]
            assertThat(c.poll(300)).isNull();
        }
    }

    @Test
    void v311_MQTT_3_3_1_9_liveDeliveryToAnExistingSubscriptionHasRetain0() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "live-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "live-pub", true)) {
            c.subscribe311("live/r", 0, 1);
            pub.send(pub("live/r", 0, true, "r"));
            assertThat(c.read().flags() & 1).isZero();
        }
    }

    @Test
    void v311_MQTT_3_3_1_10_emptyRetainedPayloadIsDeliveredAndDeletesTheRetainedMessage() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "del-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "del-pub", true)) {
            pub.send(pub("del/t", 0, true, "keep"));
            c.subscribe311("del/t", 0, 1);
            assertThat(payload311(c.read())).isEqualTo("keep");
            pub.send(pub("del/t", 0, true, ""));
            assertThat(payload311(c.read())).isEmpty();
        }
        try (RawClient late = RawClient.connected311(broker.port(), "del-late", true)) {
            late.subscribe311("del/t", 0, 1);
            assertThat(late.poll(300)).as("no retained message any more [MQTT-3.3.1-11]").isNull();
        }
    }

    @Test
    void v311_MQTT_3_3_1_12_retain0LeavesTheRetainedMessageUntouched() throws Exception {
        try (RawClient pub = RawClient.connected311(broker.port(), "keep-pub", true)) {
            pub.send(pub("keep/t", 0, true, "retained"));
            pub.send(pub("keep/t", 0, false, "not retained"));
            pub.send(pingreq());
            pub.read();
        }
        try (RawClient c = RawClient.connected311(broker.port(), "keep-sub", true)) {
            c.subscribe311("keep/t", 0, 1);
            assertThat(payload311(c.read())).isEqualTo("retained");
        }
    }

    @Test
    void v311_retainedMessageQosIsDowngradedToTheGrantedQos() throws Exception {
        try (RawClient pub = RawClient.connected311(broker.port(), "down-pub", true)) {
            pub.send(pub("down/t", 2, true, "q2"));
            pub.read();
            pub.send(pubrel(1));
            pub.read();
        }
        try (RawClient c = RawClient.connected311(broker.port(), "down-sub", true)) {
            c.subscribe311("down/t", 1, 1);
            assertThat(c.read().flags() >> 1 & 3).isEqualTo(1);
        }
    }

    @Test
    void v5_MQTT_3_3_1_11_retainHandling2SendsNoRetainedMessages() throws Exception {
        try (RawClient pub = RawClient.connected311(broker.port(), "rh-pub", true)) {
            pub.send(pub("rh/t", 0, true, "r"));
            pub.send(pingreq());
            pub.read();
        }
        try (RawClient c = RawClient.connected5(broker.port(), "rh2", true, 0)) {
            c.send(subscribe5(1, "rh/t", 0x20));
            c.readUntil(SUBACK);
            assertThat(c.poll(300)).isNull();
        }
        try (RawClient c = RawClient.connected5(broker.port(), "rh1", true, 0)) {
            c.send(subscribe5(1, "rh/t", 0x10));
            c.readUntil(SUBACK);
            assertThat(payload5(c.read())).isEqualTo("r"); // new subscription: sent [MQTT-3.3.1-10]
            c.send(subscribe5(2, "rh/t", 0x10));
            c.readUntil(SUBACK);
            assertThat(c.poll(300)).as("existing subscription: not again").isNull();
        }
    }

    @Test
    void v5_MQTT_3_3_1_13_retainAsPublishedKeepsThePublishersRetainFlag() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "rap", true, 0);
             RawClient pub = RawClient.connected311(broker.port(), "rap-pub", true)) {
            c.send(subscribe5(1, "rap/t", 0x08 | 0x20));
            c.readUntil(SUBACK);
            pub.send(pub("rap/t", 0, true, "kept"));
            assertThat(c.read().flags() & 1).isEqualTo(1);
        }
    }

    @Test
    void v5_MQTT_3_8_3_3_noLocalDoesNotSendAClientItsOwnMessages() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "nolocal", true, 0)) {
            c.send(subscribe5(1, "nl/t", 0x04));
            c.readUntil(SUBACK);
            c.send(publish5("nl/t", 0, false, 0, "mine"));
            assertThat(c.poll(300)).isNull();
        }
    }
}
