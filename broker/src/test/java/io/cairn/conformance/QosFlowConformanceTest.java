package io.cairn.conformance;

import io.cairn.test.Props;
import io.cairn.test.Replies;
import io.cairn.test.RawClient;
import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.TestBroker;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/** PUBLISH and the QoS 1/2 flows in both directions (checklist sections 3, 4 and 11), on the wire. */
class QosFlowConformanceTest extends OneBrokerPerClass {

    private static byte[] pub(String topic, int qos, int id, String payload) {
        return publish311(topic, qos, false, false, id, payload.getBytes());
    }

    @Test
    void v311_MQTT_3_3_4_1_qos1IsAnsweredWithPubackOfTheSamePacketId() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "q1-pub", true)) {
            c.send(pub("flow/q1", 1, 4242, "x"));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(PUBACK);
            assertThat(ack.flags()).isZero();
            assertThat(ack.u16(0)).isEqualTo(4242); // [MQTT-2.3.1-6]
        }
    }

    @Test
    void v311_MQTT_4_3_3_2_qos2InboundFlowPubrecPubrelPubcomp() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "q2-pub", true)) {
            c.send(pub("flow/q2", 2, 17, "x"));
            Packet rec = c.read();
            assertThat(rec.type()).isEqualTo(PUBREC);
            assertThat(rec.u16(0)).isEqualTo(17);
            c.send(pubrel(17));
            Packet comp = c.read();
            assertThat(comp.type()).isEqualTo(PUBCOMP);
            assertThat(comp.u16(0)).isEqualTo(17);
        }
    }

    @Test
    void v311_MQTT_4_3_3_2_resentQos2PublishBeforePubrelIsAcknowledgedAgainAndDeliveredOnce() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "dup-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "dup-pub", true)) {
            sub.subscribe311("flow/dup", 0, 1);
            pub.send(pub("flow/dup", 2, 9, "once"));
            assertThat(pub.read().type()).isEqualTo(PUBREC);
            pub.send(publish311("flow/dup", 2, false, true, 9, "once".getBytes()));
            assertThat(pub.read().type()).isEqualTo(PUBREC);
            pub.send(pubrel(9));
            assertThat(pub.read().type()).isEqualTo(PUBCOMP);
            assertThat(payload311(sub.read())).isEqualTo("once");
            assertThat(sub.poll(500)).as("no second copy").isNull();
            // after PUBCOMP the same id is a new message [MQTT-4.3.3-12]
            pub.send(pub("flow/dup", 2, 9, "again"));
            assertThat(pub.read().type()).isEqualTo(PUBREC);
            assertThat(payload311(sub.read())).isEqualTo("again");
        }
    }

    @Test
    void v5_S3_7_2_1_pubrelForAnUnknownPacketIdGetsPubcomp0x92() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "pubrel-unknown", true, 0)) {
            c.send(pubrel(257));
            Packet comp = c.read();
            assertThat(comp.type()).isEqualTo(PUBCOMP);
            assertThat(comp.u16(0)).isEqualTo(0x0101);
            assertThat(comp.u8(2)).isEqualTo(0x92);
        }
    }

    @Test
    void v311_MQTT_3_8_4_6_deliveryQosIsTheMinimumOfMessageAndGrantedQos() throws Exception {
        try (RawClient sub0 = RawClient.connected311(broker.port(), "min-sub0", true);
             RawClient sub2 = RawClient.connected311(broker.port(), "min-sub2", true);
             RawClient pub = RawClient.connected311(broker.port(), "min-pub", true)) {
            sub0.subscribe311("flow/min", 0, 1);
            sub2.subscribe311("flow/min", 2, 1);
            pub.send(pub("flow/min", 1, 1, "m"));
            assertThat(sub0.read().flags() >> 1 & 3).isZero();
            Packet p2 = sub2.read();
            assertThat(p2.flags() >> 1 & 3).isEqualTo(1);
            assertThat(p2.flags() & 0x08).as("DUP 0 on first delivery [MQTT-4.3.2-2]").isZero();
        }
    }

    @Test
    void v311_MQTT_3_3_1_3_publishersDupFlagIsNotCopiedToSubscribers() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "dupcopy-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "dupcopy-pub", true)) {
            sub.subscribe311("flow/dupcopy", 1, 1);
            pub.send(publish311("flow/dupcopy", 1, false, true, 3, "d".getBytes()));
            assertThat(sub.read().flags() & 0x08).isZero();
        }
    }

    @Test
    void v311_MQTT_3_3_1_2_qos0DeliveryHasDup0AndNoPacketId() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "q0-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "q0-pub", true)) {
            sub.subscribe311("flow/q0", 0, 1);
            pub.send(pub("flow/q0", 0, 0, "zero"));
            Packet p = sub.read();
            assertThat(p.flags()).isZero();
            assertThat(payload311(p)).isEqualTo("zero"); // no packet id before the payload [MQTT-2.3.1-5]
        }
    }

    @Test
    void v311_MQTT_4_4_0_1_unacknowledgedMessagesAreResentWithDupAndTheSameIdOnReconnect() throws Exception {
        int first;
        int second;
        try (RawClient sub = RawClient.connected311(broker.port(), "resend-sub", false);
             RawClient pub = RawClient.connected311(broker.port(), "resend-pub", true)) {
            sub.subscribe311("flow/resend", 2, 1);
            pub.send(pub("flow/resend", 1, 1, "one"));
            pub.send(pub("flow/resend", 2, 2, "two"));
            Packet p1 = sub.read();
            Packet p2 = sub.read();
            first = packetIdOf(p1);
            second = packetIdOf(p2);
            assertThat(first).isNotZero().isNotEqualTo(second);
            sub.send(pubrec(second)); // PUBREC for the QoS 2 one only
            assertThat(sub.read().type()).isEqualTo(PUBREL);
        } // the subscriber vanishes without acknowledging "one" or completing "two"
        try (RawClient sub = RawClient.connected311(broker.port(), "resend-sub", false)) {
            assertThat(sub.connack().u8(0)).isEqualTo(1);
            Packet again = sub.read();
            assertThat(again.type()).isEqualTo(PUBLISH);
            assertThat(again.flags() & 0x08).as("DUP=1 [MQTT-3.3.1-1]").isEqualTo(0x08);
            assertThat(packetIdOf(again)).isEqualTo(first);
            assertThat(payload311(again)).isEqualTo("one");
            Packet rel = sub.read();
            assertThat(rel.type()).isEqualTo(PUBREL);
            assertThat(rel.flags()).isEqualTo(0x02);
            assertThat(rel.u16(0)).isEqualTo(second);
        }
    }

    @Test
    void v311_outboundWindowHoldsMessagesBeyondMaxInflightAndSendsThemInOrder() throws Exception {
        try (TestBroker small = TestBroker.start(m -> m.with(b -> b.maxInflight = 2));
             RawClient sub = RawClient.connected311(small.port(), "window-sub", true);
             RawClient pub = RawClient.connected311(small.port(), "window-pub", true)) {
            sub.subscribe311("flow/window", 1, 1);
            for (int i = 0; i < 5; i++) {
                pub.send(pub("flow/window", 1, i + 1, "w" + i));
            }
            List<Packet> got = new ArrayList<>(List.of(sub.read(), sub.read()));
            assertThat(sub.poll(400)).as("only max_inflight=2 outstanding").isNull();
            Set<Integer> ids = new HashSet<>();
            int next = 2;
            while (got.size() < 5 || next < 5) {
                Packet p = got.get(next - 2);
                ids.add(packetIdOf(p));
                sub.send(puback(packetIdOf(p)));
                if (got.size() < 5) {
                    got.add(sub.read());
                }
                next++;
            }
            assertThat(got).extracting(Replies::payload311).containsExactly("w0", "w1", "w2", "w3", "w4");
        }
    }

    @Test
    void v311_MQTT_3_3_5_1_overlappingSubscriptionsDeliverOneCopyAtTheHighestQos() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "overlap-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "overlap-pub", true)) {
            sub.subscribe311("overlap/#", 0, 1);
            sub.subscribe311("overlap/+/x", 2, 2);
            sub.subscribe311("overlap/a/x", 1, 3);
            pub.send(pub("overlap/a/x", 2, 1, "o"));
            Packet p = sub.read();
            assertThat(p.flags() >> 1 & 3).isEqualTo(2);
            assertThat(sub.poll(400)).as("exactly one copy").isNull();
        }
    }

    @Test
    void v311_MQTT_4_6_0_6_messagesFromOnePublisherArriveInOrder() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "order-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "order-pub", true)) {
            sub.subscribe311("flow/order", 1, 1);
            for (int i = 0; i < 200; i++) {
                pub.send(pub("flow/order", 1, 1 + i, "n" + i));
            }
            for (int i = 0; i < 200; i++) {
                Packet p = sub.read();
                assertThat(payload311(p)).isEqualTo("n" + i);
                sub.send(puback(packetIdOf(p)));
            }
        }
    }

    @Test
    void v311_MQTT_3_3_2_2_publishingToATopicWithAWildcardClosesTheConnection() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "wild-pub", true)) {
            c.send(pub("a/+/b", 0, 0, "x"));
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_3_2_2_publishingToATopicWithAWildcardGetsDisconnect0x90() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "wild-pub5", true, 0)) {
            c.send(publish5("a/#", 0, false, 0, "x"));
            Packet d = c.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).isEqualTo(0x90);
        }
    }

    @Test
    void v5_MQTT_3_3_2_9_topicAliasAboveTheMaximumGetsDisconnect0x94() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "alias-bad", true, 0)) {
            c.send(publish5("t", 0, false, 0, Props.of().topicAlias(99), "x"));
            Packet d = c.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).isEqualTo(0x94);
        }
    }

    @Test
    void v5_MQTT_3_3_2_12_topicAliasDefinedThenUsedWithAnEmptyTopic() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "alias-sub", true);
             RawClient c = RawClient.connected5(broker.port(), "alias-pub", true, 0)) {
            sub.subscribe311("alias/topic", 0, 1);
            c.send(publish5("alias/topic", 0, false, 0, Props.of().topicAlias(1), "first"));
            c.send(publish5("", 0, false, 0, Props.of().topicAlias(1), "second"));
            Packet a = sub.read();
            Packet b = sub.read();
            assertThat(topicOf(a)).isEqualTo("alias/topic");
            assertThat(topicOf(b)).isEqualTo("alias/topic");
            assertThat(payload311(b)).isEqualTo("second");
        }
    }

    @Test
    void v5_MQTT_3_3_4_4_oneCopyCarriesTheSubscriptionIdentifiersOfAllMatchingSubscriptions() throws Exception {
        try (RawClient sub = RawClient.connected5(broker.port(), "subid-sub", true, 0);
             RawClient pub = RawClient.connected311(broker.port(), "subid-pub", true)) {
            sub.send(subscribe5(1, "subid/#", 1, Props.of().subscriptionId(7)));
            sub.readUntil(SUBACK);
            sub.send(subscribe5(2, "subid/+", 1, Props.of().subscriptionId(9)));
            sub.readUntil(SUBACK);
            pub.send(pub("subid/x", 1, 1, "s"));
            Packet p = sub.read();
            byte[] body = p.body();
            int propsAt = 2 + p.u16(0) + 2;
            List<Integer> ids = new ArrayList<>();
            int len = body[propsAt];
            for (int i = propsAt + 1; i < propsAt + 1 + len; i += 2) {
                if (body[i] == 0x0B) {
                    ids.add((int) body[i + 1]);
                }
            }
            assertThat(ids).containsExactlyInAnyOrder(7, 9);
            assertThat(payload5(p)).isEqualTo("s");
        }
    }

    // ---------------------------------------------------------------- added: exact flows both directions

    @Test
    void v5_MQTT_4_3_3_10_resentQos2PublishWithDupBeforePubrelIsPubrecdAgainAndDeliveredOnce() throws Exception {
        try (RawClient sub = RawClient.connected5(broker.port(), "dup5-sub", true, 0);
             RawClient pub = RawClient.connected5(broker.port(), "dup5-pub", true, 0)) {
            sub.send(subscribe5(1, "flow/dup5", 2));
            sub.readUntil(SUBACK);
            pub.send(publish5("flow/dup5", 2, false, 300, "once"));
            Packet rec1 = pub.read();
            assertThat(rec1.type()).isEqualTo(PUBREC);
            assertThat(rec1.u16(0)).isEqualTo(300);
            pub.send(publish5("flow/dup5", 2, false, true, 300, Props.none(), "once".getBytes()));
            Packet rec2 = pub.read();
            assertThat(rec2.type()).as("[MQTT-4.3.3-10]").isEqualTo(PUBREC);
            assertThat(rec2.u16(0)).isEqualTo(300);
            pub.send(pubrel(300));
            Packet comp = pub.read();
            assertThat(comp.type()).as("[MQTT-4.3.3-11]").isEqualTo(PUBCOMP);
            assertThat(comp.u16(0)).isEqualTo(300);
            assertThat(comp.body().length == 2 || comp.u8(2) == 0).isTrue();
            Packet p = nextPublish(sub);
            assertThat(payload5(p)).isEqualTo("once");
            assertThat(dup(p)).isFalse();
            assertThat(sub.poll(400)).as("delivered once").isNull();
        }
    }

    @Test
    void v311_MQTT_4_3_3_2_pubrelForAnUnknownPacketIdGetsPubcomp() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "pubrel-unknown311", true)) {
            c.send(pubrel(0x0203));
            Packet comp = c.read();
            assertThat(comp.type()).isEqualTo(PUBCOMP);
            assertThat(comp.flags()).isZero();
            assertThat(comp.body()).containsExactly(0x02, 0x03);
        }
    }

    @Test
    void v311_MQTT_4_3_2_2_afterPubackTheSamePacketIdIsANewMessage() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "reuse1-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "reuse1-pub", true)) {
            sub.subscribe311("flow/reuse1", 1, 1);
            pub.send(pub("flow/reuse1", 1, 7, "first"));
            assertThat(pub.read().u16(0)).isEqualTo(7);
            pub.send(publish311("flow/reuse1", 1, false, true, 7, "second".getBytes())); // even with DUP=1
            assertThat(pub.read().u16(0)).isEqualTo(7);
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Packet p = nextPublish(sub);
                got.add(payload311(p));
                sub.send(puback(packetIdOf(p)));
            }
            assertThat(got).containsExactly("first", "second");
        }
    }

    @Test
    void v311_MQTT_4_3_2_1_qos1OutboundFlowPublishThenPuback() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "out1-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "out1-pub", true)) {
            sub.subscribe311("flow/out1", 1, 1);
            pub.send(pub("flow/out1", 1, 1, "a"));
            Packet p = nextPublish(sub);
            assertThat(qos(p)).isEqualTo(1);
            assertThat(dup(p)).as("first transmission DUP=0").isFalse();
            assertThat(retain(p)).isFalse();
            assertThat(packetIdOf(p)).isNotZero();
            sub.send(puback(packetIdOf(p)));
            assertThat(sub.poll(300)).as("acknowledged: never re-sent on a live connection").isNull();
        }
    }

    @Test
    void v311_MQTT_4_3_3_1_qos2OutboundFlowPublishPubrecPubrelPubcomp() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "out2-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "out2-pub", true)) {
            sub.subscribe311("flow/out2", 2, 1);
            pub.send(pub("flow/out2", 2, 1, "a"));
            Packet p = nextPublish(sub);
            int id = packetIdOf(p);
            assertThat(qos(p)).isEqualTo(2);
            assertThat(dup(p)).isFalse();
            assertThat(id).isNotZero();
            sub.send(pubrec(id));
            Packet rel = sub.read();
            assertThat(rel.type()).isEqualTo(PUBREL);
            assertThat(rel.flags()).as("PUBREL flags 0010").isEqualTo(0x02);
            assertThat(rel.body()).containsExactly(id >> 8, id & 0xFF);
            sub.send(pubcomp(id));
            assertThat(sub.poll(300)).as("the PUBLISH is never sent again after PUBREL").isNull();
            pub.send(pub("flow/out2", 2, 2, "b"));
            assertThat(payload311(nextPublish(sub))).isEqualTo("b");
        }
    }

    @Test
    void v311_MQTT_4_3_2_1_outboundPacketIdsAreNonZeroAndUniqueWhileInFlight() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "ids-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "ids-pub", true)) {
            sub.subscribe311("flow/ids", 2, 1);
            Set<Integer> inFlight = new HashSet<>();
            for (int i = 0; i < 40; i++) {
                pub.send(pub("flow/ids", 1 + (i % 2), 1 + i, "m" + i));
            }
            List<Packet> first = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Packet p = nextPublish(sub);
                assertThat(packetIdOf(p)).isNotZero();
                assertThat(inFlight.add(packetIdOf(p))).as("id %d unique while in flight", packetIdOf(p)).isTrue();
                first.add(p);
            }
            // complete half, then 20 more must not reuse an id still in flight
            for (int i = 0; i < 20; i++) {
                Packet p = first.get(i);
                int id = packetIdOf(p);
                if (qos(p) == 1) {
                    sub.send(puback(id));
                } else {
                    sub.send(pubrec(id));
                    assertThat(sub.read().type()).isEqualTo(PUBREL);
                    sub.send(pubcomp(id));
                }
                inFlight.remove(id);
            }
            for (int i = 0; i < 20; i++) {
                pub.send(pub("flow/ids", 1, 100 + i, "n" + i));
            }
            for (int i = 0; i < 20; i++) {
                Packet p = nextPublish(sub);
                assertThat(payload311(p)).isEqualTo("n" + i);
                assertThat(packetIdOf(p)).isNotZero();
                assertThat(inFlight.add(packetIdOf(p))).as("id %d unique while in flight", packetIdOf(p)).isTrue();
            }
        }
    }

    @Test
    void v311_outboundWindowCountsQos2UntilPubcomp() throws Exception {
        try (TestBroker small = TestBroker.start(m -> m.with(b -> b.maxInflight = 2));
             RawClient sub = RawClient.connected311(small.port(), "w2-sub", true);
             RawClient pub = RawClient.connected311(small.port(), "w2-pub", true)) {
            sub.subscribe311("flow/w2", 2, 1);
            for (int i = 0; i < 4; i++) {
                pub.send(pub("flow/w2", 2, i + 1, "w" + i));
            }
            Packet a = nextPublish(sub);
            Packet b = nextPublish(sub);
            assertThat(sub.poll(300)).as("window of 2 full").isNull();
            sub.send(pubrec(packetIdOf(a)));
            assertThat(sub.read().type()).isEqualTo(PUBREL);
            assertThat(sub.poll(300)).as("still in flight until PUBCOMP").isNull();
            sub.send(pubcomp(packetIdOf(a)));
            Packet c = nextPublish(sub);
            assertThat(payload311(c)).isEqualTo("w2");
            assertThat(sub.poll(300)).isNull();
            sub.send(pubrec(packetIdOf(b)));
            assertThat(sub.read().type()).isEqualTo(PUBREL);
            sub.send(pubcomp(packetIdOf(b)));
            assertThat(payload311(nextPublish(sub))).isEqualTo("w3");
            assertThat(List.of(a, b)).extracting(Replies::payload311).containsExactly("w0", "w1");
        }
    }

    /** A 5.0 subscriber that announces Receive Maximum {@code max}. */
    private static RawClient receiveMax(String id, int max) throws Exception {
        return RawClient.connected5(broker.port(), id, Props.of().receiveMaximum(max));
    }

    @Test
    void v5_MQTT_3_3_4_9_receiveMaximumLimitsTheOutboundWindowAndTheRestFollowInOrder() throws Exception {
        try (RawClient sub = receiveMax("rm-sub", 3);
             RawClient pub = RawClient.connected5(broker.port(), "rm-pub", true, 0)) {
            sub.send(subscribe5(1, "flow/rm", 2));
            sub.readUntil(SUBACK);
            for (int i = 0; i < 8; i++) {
                pub.send(publish5("flow/rm", 1 + (i % 2), false, i + 1, "r" + i));
            }
            List<Packet> got = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                got.add(nextPublish(sub));
            }
            assertThat(sub.poll(400)).as("exactly Receive Maximum = 3 unacknowledged [MQTT-4.9.0-2]").isNull();
            int acked = 0;
            while (got.size() < 8) {
                Packet p = got.get(acked++);
                int id = packetIdOf(p);
                if (qos(p) == 1) {
                    sub.send(puback(id));
                } else {
                    sub.send(pubrec(id));
                    assertThat(sub.read().type()).isEqualTo(PUBREL);
                    assertThat(sub.poll(200)).as("a QoS 2 message counts until PUBCOMP").isNull();
                    sub.send(pubcomp(id));
                }
                got.add(nextPublish(sub));
                assertThat(sub.poll(100)).as("one out, one in").isNull();
            }
            assertThat(got).extracting(Replies::payload5).containsExactly("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7");
        }
    }

    @Test
    void v5_MQTT_4_9_0_3_otherPacketsAreAnsweredWhileTheSendQuotaIsZero() throws Exception {
        try (RawClient sub = receiveMax("rm0-sub", 1);
             RawClient pub = RawClient.connected5(broker.port(), "rm0-pub", true, 0)) {
            sub.send(subscribe5(1, "flow/rm0", 1));
            sub.readUntil(SUBACK);
            pub.send(publish5("flow/rm0", 1, false, 1, "a"));
            pub.send(publish5("flow/rm0", 1, false, 2, "b"));
            Packet a = nextPublish(sub);
            assertThat(sub.poll(300)).isNull();
            sub.send(pingreq());
            assertThat(sub.read().type()).as("[MQTT-3.3.4-10]").isEqualTo(PINGRESP);
            sub.send(subscribe5(2, "flow/other", 0));
            Packet ack = sub.read();
            assertThat(ack.type()).isEqualTo(SUBACK);
            assertThat(ack.u16(0)).isEqualTo(2);
            sub.send(publish5("flow/elsewhere", 1, false, 9, "mine"));
            Packet mine = sub.read();
            assertThat(mine.type()).isEqualTo(PUBACK);
            assertThat(mine.u16(0)).isEqualTo(9);
            sub.send(puback(packetIdOf(a)));
            assertThat(payload5(nextPublish(sub))).isEqualTo("b");
        }
    }

    @Test
    void v5_MQTT_4_4_0_2_aNegativePubrecEndsTheDeliveryWithoutPubrelAndFreesTheWindow() throws Exception {
        try (RawClient sub = receiveMax("negrec-sub", 1);
             RawClient pub = RawClient.connected5(broker.port(), "negrec-pub", true, 0)) {
            sub.send(subscribe5(1, "flow/negrec", 2));
            sub.readUntil(SUBACK);
            pub.send(publish5("flow/negrec", 2, false, 1, "a"));
            pub.send(publish5("flow/negrec", 2, false, 2, "b"));
            Packet a = nextPublish(sub);
            int id = packetIdOf(a);
            sub.send(pubrec(id, 0x80)); // PUBREC 0x80 Unspecified error
            Packet b = sub.read();
            assertThat(b.type()).as("no PUBREL after PUBREC >= 0x80 [MQTT-4.3.3-4]; the slot is free").isEqualTo(PUBLISH);
            assertThat(payload5(b)).isEqualTo("b");
            assertThat(dup(b)).isFalse();
        }
    }

    @Test
    void v5_MQTT_4_3_3_4_pubrecGetsPubrelOfTheSameIdWithSuccess() throws Exception {
        try (RawClient sub = RawClient.connected5(broker.port(), "rel5-sub", true, 0);
             RawClient pub = RawClient.connected5(broker.port(), "rel5-pub", true, 0)) {
            sub.send(subscribe5(1, "flow/rel5", 2));
            sub.readUntil(SUBACK);
            pub.send(publish5("flow/rel5", 2, false, 1, "a"));
            Packet a = nextPublish(sub);
            int id = packetIdOf(a);
            sub.send(pubrec(id));
            Packet rel = sub.read();
            assertThat(rel.type()).isEqualTo(PUBREL);
            assertThat(rel.flags()).isEqualTo(0x02);
            assertThat(rel.u16(0)).isEqualTo(id);
            assertThat(rel.body().length == 2 || rel.u8(2) == 0).as("reason 0x00 [MQTT-3.6.2-1]").isTrue();
            sub.send(pubcomp(id));
            assertThat(sub.poll(300)).isNull();
        }
    }

    @Test
    void v5_MQTT_4_6_0_5_messagesFromOnePublisherArriveInOrderPerTopic() throws Exception {
        Mqtt5BlockingClient sub = MqttClient.builder().useMqttVersion5().identifier("order5-sub")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        Mqtt5AsyncClient pub = MqttClient.builder().useMqttVersion5().identifier("order5-pub")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
        sub.connect();
        pub.connect().get(5, TimeUnit.SECONDS);
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("order5/+").qos(MqttQos.EXACTLY_ONCE).send();
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                String topic = "order5/" + (i % 3);
                sent.add(pub.publishWith().topic(topic).qos(MqttQos.fromCode(1 + i % 2))
                        .payload(("" + i).getBytes()).send());
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            java.util.Map<String, List<Integer>> byTopic = new java.util.TreeMap<>();
            for (int i = 0; i < 150; i++) {
                Mqtt5Publish p = publishes.receive(5, TimeUnit.SECONDS).orElseThrow();
                byTopic.computeIfAbsent(p.getTopic().toString(), t -> new ArrayList<>())
                        .add(Integer.parseInt(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
            }
            for (int t = 0; t < 3; t++) {
                List<Integer> got = byTopic.get("order5/" + t);
                assertThat(got).hasSize(50).isSorted();
            }
        } finally {
            pub.disconnect().get(5, TimeUnit.SECONDS);
            sub.disconnect();
        }
    }
}
