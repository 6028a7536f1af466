package io.cairn.conformance;

import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Set;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The remaining MQTT 5.0 statements of checklist sections 3 (PUBLISH), 4 (QoS flows), 11 (session
 * state, ordering) and 14 (retained messages), one test each, over real sockets; most have a 3.1.1
 * twin in QosFlowConformanceTest, SubscriptionStatementConformanceTest or RetainConformanceTest.
 */
class V5RemainingPublishConformanceTest extends OneBrokerPerClass {

    static final Set<Integer> PUBACK_CODES = Set.of(0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99);

    private static RawClient client(String id) throws IOException {
        return RawClient.connected5(broker.port(), id, true, 0);
    }

    /** A subscriber with Clean Start 0 and a session that outlives the connection. */
    private static RawClient persistent(String id) throws IOException {
        return RawClient.connected5(broker.port(), id, false, 300);
    }

    // ---------------------------------------------------------------- section 3

    @Test
    void v5_MQTT_3_3_1_2_qos0DeliveryHasDup0AndNoPacketId() throws IOException {
        try (RawClient sub = client("dup0-sub"); RawClient pub = client("dup0-pub")) {
            sub.subscribe5("dup0/t", 2, 1);
            pub.send(publish5("dup0/t", 0, false, 0, "q0"));
            Packet p = nextPublish(sub);
            assertThat(qos(p)).isZero();
            assertThat(dup(p)).isFalse();
            // topic "dup0/t" (2 + 6 bytes), then the property length straight away: no packet id
            assertThat(p.u8(8)).as("property length right after the topic").isZero();
            assertThat(payload5(p)).isEqualTo("q0");
        }
    }

    @Test
    void v5_MQTT_3_3_1_3_thePublishersDupFlagIsNotCopiedToSubscribers() throws IOException {
        try (RawClient sub = client("dupcopy5-sub"); RawClient pub = client("dupcopy5-pub")) {
            sub.subscribe5("dupcopy5/t", 1, 1);
            pub.send(publish5("dupcopy5/t", 1, false, true, 3, Props.none(), "d".getBytes()));
            Packet p = nextPublish(sub);
            assertThat(dup(p)).as("a first transmission to this subscriber").isFalse();
            pub.send(publish5("dupcopy5/t", 2, false, true, 4, Props.none(), "d2".getBytes()));
            pub.readUntil(PUBREC);
            pub.send(pubrel(4));
            Packet p2 = nextPublish(sub);
            assertThat(dup(p2)).isFalse();
        }
    }

    @Test
    void v5_S3_4_2_1_pubackCodesForAClientPublishComeFromTheListAndAreSuccessForADeliveredMessage() throws IOException {
        try (RawClient sub = client("pubcodes-sub"); RawClient pub = client("pubcodes-pub")) {
            sub.subscribe5("pubcodes/t", 1, 1);
            pub.send(publish5("pubcodes/t", 1, false, 1, "to someone"));
            assertThat(ackReason(pub.readUntil(PUBACK))).isZero();
            pub.send(publish5("pubcodes/nobody", 1, false, 2, "to no one"));
            assertThat(ackReason(pub.readUntil(PUBACK))).as("0x00 or 0x10 No matching subscribers").isIn(0x00, 0x10);
            pub.send(publish5("pubcodes/nobody", 2, false, 3, "to no one"));
            assertThat(ackReason(pub.readUntil(PUBREC))).isIn(0x00, 0x10);
        }
    }

    // ---------------------------------------------------------------- section 4

    @Test
    void v5_MQTT_4_3_1_1_qos0DeliveryIsAPublishWithQos0AndDup0AndNothingMore() throws IOException {
        try (RawClient sub = client("q0only-sub"); RawClient pub = client("q0only-pub")) {
            sub.subscribe5("q0only/t", 0, 1);
            pub.send(publish5("q0only/t", 2, false, 1, "once"));
            Packet p = nextPublish(sub);
            assertThat(qos(p)).isZero();
            assertThat(dup(p)).isFalse();
            assertThat(sub.silentFor(500)).as("no resend, nothing expected back").isTrue();
        }
    }

    @Test
    void v5_MQTT_4_3_2_2_qos1FirstTransmissionHasQos1AndDup0() throws IOException {
        try (RawClient sub = client("q1first-sub"); RawClient pub = client("q1first-pub")) {
            sub.subscribe5("q1first/t", 1, 1);
            pub.send(publish5("q1first/t", 1, false, 1, "x"));
            Packet p = nextPublish(sub);
            assertThat(qos(p)).isEqualTo(1);
            assertThat(dup(p)).isFalse();
            assertThat(packetIdOf(p)).isPositive();
        }
    }

    @Test
    void v5_MQTT_4_3_3_2_qos2FirstTransmissionHasQos2AndDup0() throws IOException {
        try (RawClient sub = client("q2first-sub"); RawClient pub = client("q2first-pub")) {
            sub.subscribe5("q2first/t", 2, 1);
            pub.send(publish5("q2first/t", 2, false, 1, "x"));
            Packet p = nextPublish(sub);
            assertThat(qos(p)).isEqualTo(2);
            assertThat(dup(p)).isFalse();
            assertThat(packetIdOf(p)).isPositive();
        }
    }

    @Test
    void v5_MQTT_4_3_3_3_aQos2PublishStaysUnacknowledgedUntilPubrec() throws IOException {
        int id;
        try (RawClient sub = persistent("unrec-sub"); RawClient pub = client("unrec-pub")) {
            sub.subscribe5("unrec/t", 2, 1);
            pub.send(publish5("unrec/t", 2, false, 1, "wait for pubrec"));
            id = packetIdOf(nextPublish(sub));
        } // no PUBREC
        try (RawClient sub = persistent("unrec-sub")) {
            Packet again = nextPublish(sub);
            assertThat(packetIdOf(again)).isEqualTo(id);
            assertThat(dup(again)).as("a retransmission").isTrue();
            assertThat(payload5(again)).isEqualTo("wait for pubrec");
            sub.send(pubrec(id));
            Packet rel = sub.read();
            assertThat(rel.type()).isEqualTo(PUBREL);
            assertThat(rel.u16(0)).isEqualTo(id);
            sub.send(pubcomp(id));
        }
    }

    @Test
    void v5_MQTT_4_3_3_5_aPubrelStaysUnacknowledgedUntilPubcomp() throws IOException {
        int id;
        try (RawClient sub = persistent("uncomp-sub"); RawClient pub = client("uncomp-pub")) {
            sub.subscribe5("uncomp/t", 2, 1);
            pub.send(publish5("uncomp/t", 2, false, 1, "x"));
            id = packetIdOf(nextPublish(sub));
            sub.send(pubrec(id));
            assertThat(sub.read().type()).isEqualTo(PUBREL);
        } // no PUBCOMP
        try (RawClient sub = persistent("uncomp-sub")) {
            Packet rel = sub.read();
            assertThat(rel.type()).as("the PUBREL again, not the PUBLISH").isEqualTo(PUBREL);
            assertThat(rel.u16(0)).isEqualTo(id);
            sub.send(pubcomp(id));
            assertThat(sub.silentFor(500)).as("done after PUBCOMP").isTrue();
        }
    }

    @Test
    void v5_MQTT_4_3_3_8_aQos2PublishGetsPubrecWithTheSamePacketId() throws IOException {
        try (RawClient pub = client("rec-same")) {
            pub.send(publish5("rec/same", 2, false, 0xBEEF, "x"));
            Packet rec = pub.read();
            assertThat(rec.type()).isEqualTo(PUBREC);
            assertThat(ackId(rec)).isEqualTo(0xBEEF);
            assertThat(ackReason(rec)).isLessThan(0x80);
            pub.send(pubrel(0xBEEF));
            assertThat(ackId(pub.readUntil(PUBCOMP))).isEqualTo(0xBEEF);
        }
    }

    @Test
    void v5_MQTT_4_3_3_13_theQos2HandshakeCompletesAfterTheMessageExpired() throws Exception {
        try (RawClient pub = client("exp-hs")) {
            pub.send(publish5("exp/hs", 2, false, 7, Props.of().messageExpiry(1), "short-lived"));
            assertThat(ackReason(pub.readUntil(PUBREC))).isLessThan(0x80);
            Thread.sleep(1500);
            pub.send(pubrel(7));
            Packet comp = pub.readUntil(PUBCOMP);
            assertThat(ackId(comp)).isEqualTo(7);
            assertThat(ackReason(comp)).as("success, not 0x92").isZero();
        }
    }

    @Test
    void v5_MQTT_3_4_2_1_everyPubackCodeComesFromTheTable() throws IOException {
        try (RawClient sub = client("puback-table-sub"); RawClient pub = client("puback-table")) {
            sub.subscribe5("pt/a", 0, 1);
            int id = 1;
            for (String topic : new String[] {"pt/a", "pt/none", "pt/a", "$SYS/x"}) {
                pub.send(publish5(topic, 1, false, id++, "x"));
                assertThat(PUBACK_CODES).contains(ackReason(pub.readUntil(PUBACK)));
            }
        }
    }

    @Test
    void v5_MQTT_3_5_2_1_everyPubrecCodeComesFromTheTable() throws IOException {
        try (RawClient sub = client("pubrec-table-sub"); RawClient pub = client("pubrec-table")) {
            sub.subscribe5("prt/a", 0, 1);
            int id = 1;
            for (String topic : new String[] {"prt/a", "prt/none", "$SYS/x"}) {
                pub.send(publish5(topic, 2, false, id, "x"));
                assertThat(PUBACK_CODES).contains(ackReason(pub.readUntil(PUBREC)));
                pub.send(pubrel(id++));
                pub.readUntil(PUBCOMP);
            }
        }
    }

    @Test
    void v5_MQTT_3_7_2_1_pubcompCodesAre0x00Or0x92() throws IOException {
        try (RawClient pub = client("pubcomp-codes")) {
            pub.send(publish5("pcc/t", 2, false, 5, "x"));
            pub.readUntil(PUBREC);
            pub.send(pubrel(5));
            assertThat(ackReason(pub.readUntil(PUBCOMP))).isZero();
            pub.send(pubrel(6)); // never published
            Packet unknown = pub.readUntil(PUBCOMP);
            assertThat(ackId(unknown)).isEqualTo(6);
            assertThat(ackReason(unknown)).isEqualTo(0x92);
        }
    }

    // ---------------------------------------------------------------- section 11

    @Test
    void v5_MQTT_4_1_0_1_sessionStateIsKeptWhileTheConnectionIsOpenEvenWithExpiry0() throws Exception {
        try (RawClient sub = RawClient.connected5(broker.port(), "keep-open", true, 0); RawClient pub = client("keep-open-pub")) {
            sub.subscribe5("keep/open", 1, 1);
            Thread.sleep(1500);
            pub.send(publish5("keep/open", 1, false, 1, "still subscribed"));
            Packet p = nextPublish(sub);
            assertThat(payload5(p)).isEqualTo("still subscribed");
            int id = packetIdOf(p);
            Thread.sleep(500);
            sub.send(puback(id)); // the in-flight message is still known
            sub.send(pingreq());
            assertThat(sub.read().type()).as("no complaint about the PUBACK").isEqualTo(PINGRESP);
        }
    }

    @Test
    void v5_MQTT_4_5_0_1_anAcceptedMessageIsQueuedForEveryMatchingSession() throws IOException {
        try (RawClient a = persistent("every5-a")) {
            a.subscribe5("ev5/t", 1, 1);
        }
        try (RawClient b = client("every5-b"); RawClient pub = client("every5-pub")) {
            b.subscribe5("ev5/#", 1, 1);
            pub.send(publish5("ev5/t", 1, false, 1, "all"));
            assertThat(ackReason(pub.readUntil(PUBACK))).isZero();
            assertThat(payload5(nextPublish(b))).isEqualTo("all");
        }
        try (RawClient a = persistent("every5-a")) {
            assertThat(payload5(nextPublish(a))).as("queued for the offline session too").isEqualTo("all");
        }
    }

    @Test
    void v5_MQTT_4_6_0_1_resentPublishesKeepTheirOriginalOrder() throws IOException {
        try (RawClient s = persistent("reorder5"); RawClient pub = client("reorder5-pub")) {
            s.subscribe5("ro5/t", 1, 1);
            for (int i = 0; i < 5; i++) {
                pub.send(publish5("ro5/t", 1, false, i + 1, "o" + i));
            }
            for (int i = 0; i < 5; i++) {
                nextPublish(s); // not acknowledged
            }
        }
        try (RawClient s = persistent("reorder5")) {
            for (int i = 0; i < 5; i++) {
                Packet p = nextPublish(s);
                assertThat(dup(p)).isTrue();
                assertThat(payload5(p)).isEqualTo("o" + i);
                s.send(puback(packetIdOf(p)));
            }
        }
    }

    @Test
    void v5_MQTT_4_6_0_6_messagesFromOnePublisherToANonSharedSubscriptionArriveInOrder() throws IOException {
        try (RawClient sub = client("order5-sub"); RawClient pub = client("order5-pub")) {
            sub.subscribe5("order5/#", 2, 1);
            for (int i = 0; i < 150; i++) {
                int qos = i % 3;
                pub.send(publish5("order5/" + (i % 2), qos, false, qos == 0 ? 0 : 1 + i, "n" + i));
                if (qos == 1) {
                    pub.readUntil(PUBACK); // within the broker's Receive Maximum
                } else if (qos == 2) {
                    pub.readUntil(PUBREC);
                    pub.send(pubrel(1 + i));
                    pub.readUntil(PUBCOMP);
                }
            }
            int next = 0;
            while (next < 150) {
                Packet p = sub.poll(5000);
                assertThat(p).as("packet after message " + next).isNotNull();
                if (p.type() == PUBREL) {
                    sub.send(pubcomp(p.u16(0)));
                    continue;
                }
                assertThat(p.type()).isEqualTo(PUBLISH);
                assertThat(payload5(p)).as("message " + next).isEqualTo("n" + next++);
                if (qos(p) == 1) {
                    sub.send(puback(packetIdOf(p)));
                } else if (qos(p) == 2) {
                    sub.send(pubrec(packetIdOf(p)));
                }
            }
        }
    }

    @Test
    void v5_S4_1_theSessionKeepsSubscriptionsWithTheirOptionsAndIdentifiersAndQueuedMessages() throws IOException {
        try (RawClient s = RawClient.connected5(broker.port(), "state5", false, 300)) {
            s.send(subscribe5(1, "state5/t", 1 | NO_LOCAL, Props.of().subscriptionId(42)));
            assertThat(reasonCodes5(s.readUntil(SUBACK))).containsExactly(1);
        }
        try (RawClient pub = client("state5-pub")) {
            pub.send(publish5("state5/t", 2, false, 1, "queued"));
            pub.readUntil(PUBREC);
            pub.send(pubrel(1));
            pub.readUntil(PUBCOMP);
        }
        try (RawClient s = RawClient.connected5(broker.port(), "state5", false, 300)) {
            assertThat(sessionPresent(s.connack())).isTrue();
            Packet p = nextPublish(s);
            assertThat(payload5(p)).isEqualTo("queued");
            assertThat(qos(p)).as("granted QoS 1 kept").isEqualTo(1);
            assertThat(prop(p, Props.SUBSCRIPTION_ID)).as("identifier kept").containsExactly(42);
            s.send(puback(packetIdOf(p)));
            s.send(publish5("state5/t", 0, false, 0, "own"));
            assertThat(s.silentFor(500)).as("No Local kept: no copy of its own message").isTrue();
        }
    }

    @Test
    void v5_S4_3_3_anIncomingQos2MessageIsDistributedOnce() throws IOException {
        try (RawClient s = client("once5-sub"); RawClient pub = client("once5-pub")) {
            s.subscribe5("once5/t", 2, 1);
            pub.send(publish5("once5/t", 2, false, 5, "1x"));
            pub.readUntil(PUBREC);
            pub.send(publish5("once5/t", 2, false, true, 5, Props.none(), "1x".getBytes())); // resent before PUBREL
            pub.readUntil(PUBREC);
            pub.send(pubrel(5));
            pub.readUntil(PUBCOMP);
            Packet p = nextPublish(s);
            assertThat(payload5(p)).isEqualTo("1x");
            s.send(pubrec(packetIdOf(p)));
            assertThat(s.read().type()).isEqualTo(PUBREL);
            s.send(pubcomp(packetIdOf(p)));
            assertThat(s.silentFor(500)).as("once, not twice").isTrue();
        }
    }

    // ---------------------------------------------------------------- section 14

    @Test
    void v5_MQTT_3_3_1_5_aRetainedMessageReplacesThePreviousOneForFutureSubscribers() throws IOException {
        try (RawClient pub = client("ret5-pub")) {
            pub.send(publish5("ret5/t", 1, true, 1, "first"));
            pub.readUntil(PUBACK);
            pub.send(publish5("ret5/t", 1, true, 2, "second"));
            pub.readUntil(PUBACK);
        }
        try (RawClient sub = client("ret5-sub")) {
            sub.subscribe5("ret5/t", 1, 1);
            Packet p = nextPublish(sub);
            assertThat(retain(p)).isTrue();
            assertThat(payload5(p)).isEqualTo("second");
            sub.send(puback(packetIdOf(p)));
            assertThat(sub.silentFor(400)).as("only the latest").isTrue();
        }
    }

    @Test
    void v5_MQTT_3_3_1_7_anEmptyRetainedMessageRemovesTheRetainedMessageAndIsNotKept() throws IOException {
        try (RawClient pub = client("retclr5-pub")) {
            pub.send(publish5("retclr5/t", 1, true, 1, "something"));
            pub.readUntil(PUBACK);
            pub.send(publish5("retclr5/t", 1, true, 2, ""));
            pub.readUntil(PUBACK);
        }
        try (RawClient sub = client("retclr5-sub")) {
            sub.subscribe5("retclr5/t", 1, 1);
            assertThat(sub.silentFor(500)).as("neither the old nor the empty message").isTrue();
        }
    }

    @Test
    void v5_MQTT_3_3_1_8_retain0NeitherStoresNorRemovesTheRetainedMessage() throws IOException {
        try (RawClient pub = client("ret0-5-pub")) {
            pub.send(publish5("ret0-5/t", 1, true, 1, "kept"));
            pub.readUntil(PUBACK);
            pub.send(publish5("ret0-5/t", 1, false, 2, "live only"));
            pub.readUntil(PUBACK);
            pub.send(publish5("ret0-5/u", 1, false, 3, "never retained"));
            pub.readUntil(PUBACK);
        }
        try (RawClient sub = client("ret0-5-sub")) {
            sub.subscribe5("ret0-5/+", 1, 1);
            Packet p = nextPublish(sub);
            assertThat(payload5(p)).isEqualTo("kept");
            sub.send(puback(packetIdOf(p)));
            assertThat(sub.silentFor(400)).isTrue();
        }
    }
}
