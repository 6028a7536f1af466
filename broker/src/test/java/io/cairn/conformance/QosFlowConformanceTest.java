package io.cairn.conformance;

import io.cairn.test.RawClient;
import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.cairn.test.RawClient.*;
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
            c.send(0x62, 0x02, 0x00, 17); // PUBREL
            Packet comp = c.read();
            assertThat(comp.type()).isEqualTo(PUBCOMP);
            assertThat(comp.u16(0)).isEqualTo(17);
        }
    }

    @Test
    void v5_MQTT_4_3_3_10_resentQos2PublishBeforePubrelIsAcknowledgedAgainAndDeliveredOnce() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "dup-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "dup-pub", true)) {
            sub.subscribe311("flow/dup", 0, 1);
            pub.send(pub("flow/dup", 2, 9, "once"));
            assertThat(pub.read().type()).isEqualTo(PUBREC);
            pub.send(publish311("flow/dup", 2, false, true, 9, "once".getBytes()));
            assertThat(pub.read().type()).isEqualTo(PUBREC);
            pub.send(0x62, 0x02, 0x00, 9);
            assertThat(pub.read().type()).isEqualTo(PUBCOMP);
            assertThat(payload311(sub.read())).isEqualTo("once");
            assertThat(sub.stillOpenAfter(500)).as("no second copy").isTrue();
            // after PUBCOMP the same id is a new message [MQTT-4.3.3-12]
            pub.send(pub("flow/dup", 2, 9, "again"));
            assertThat(pub.read().type()).isEqualTo(PUBREC);
            assertThat(payload311(sub.read())).isEqualTo("again");
        }
    }

    @Test
    void v5_S3_7_2_1_pubrelForAnUnknownPacketIdGetsPubcomp0x92() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "pubrel-unknown", true, 0)) {
            c.send(0x62, 0x02, 0x01, 0x01);
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
            sub.send(0x50, 0x02, second >> 8, second & 0xFF); // PUBREC for the QoS 2 one only
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
        try (TestBroker small = TestBroker.start(m -> m.withMaxInflight(2));
             RawClient sub = RawClient.connected311(small.port(), "window-sub", true);
             RawClient pub = RawClient.connected311(small.port(), "window-pub", true)) {
            sub.subscribe311("flow/window", 1, 1);
            for (int i = 0; i < 5; i++) {
                pub.send(pub("flow/window", 1, i + 1, "w" + i));
            }
            List<Packet> got = new ArrayList<>(List.of(sub.read(), sub.read()));
            assertThat(sub.stillOpenAfter(400)).as("only max_inflight=2 outstanding").isTrue();
            Set<Integer> ids = new HashSet<>();
            int next = 2;
            while (got.size() < 5 || next < 5) {
                Packet p = got.get(next - 2);
                ids.add(packetIdOf(p));
                sub.send(0x40, 0x02, packetIdOf(p) >> 8, packetIdOf(p) & 0xFF);
                if (got.size() < 5) {
                    got.add(sub.read());
                }
                next++;
            }
            assertThat(got).extracting(RawClient::payload311).containsExactly("w0", "w1", "w2", "w3", "w4");
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
            assertThat(sub.stillOpenAfter(400)).as("exactly one copy").isTrue();
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
                sub.send(0x40, 0x02, packetIdOf(p) >> 8, packetIdOf(p) & 0xFF);
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
            c.send(packet(0x30, concat(str("a/#"), bytes(0), "x".getBytes())));
            Packet d = c.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).isEqualTo(0x90);
        }
    }

    @Test
    void v5_MQTT_3_3_2_9_topicAliasAboveTheMaximumGetsDisconnect0x94() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "alias-bad", true, 0)) {
            c.send(packet(0x30, concat(str("t"), bytes(3, 0x23, 0x00, 0x63), "x".getBytes())));
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
            c.send(packet(0x30, concat(str("alias/topic"), bytes(3, 0x23, 0x00, 0x01), "first".getBytes())));
            c.send(packet(0x30, concat(str(""), bytes(3, 0x23, 0x00, 0x01), "second".getBytes())));
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
            sub.send(packet(0x82, concat(u16(1), bytes(2, 0x0B, 7), str("subid/#"), bytes(1))));
            sub.readUntil(SUBACK);
            sub.send(packet(0x82, concat(u16(2), bytes(2, 0x0B, 9), str("subid/+"), bytes(1))));
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
}
