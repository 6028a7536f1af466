package io.cairn.conformance;

import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.Replies;
import io.cairn.test.OneBrokerPerClass;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Further statements of sections 5-8, 10, 11, 13-15, one test each, on the wire. */
class SubscriptionStatementConformanceTest extends OneBrokerPerClass {

    private static byte[] sub5(int id, String filter, int options) {
        return subscribe5(id, filter, options);
    }

    // ---------------------------------------------------------------- section 5

    @Test
    void v311_MQTT_3_8_3_1_subscribeFilterThatIsNotUtf8Closes() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "sub-utf", true)) {
            c.send(packet(0x82, concat(u16(1), u16(1), bytes(0xFF), bytes(0))));
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_8_3_4_noLocalOnASharedSubscriptionIsAProtocolError() throws IOException {
        assertDisconnects5("stmt2", sub5(1, "$share/g/t", 0x04), 0x82);
    }

    @Test
    void v311_MQTT_3_8_4_1_everySubscribeIsAnsweredWithASubackEchoingItsId() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "every-sub", true)) {
            for (int id = 100; id < 110; id++) {
                Packet ack = c.subscribe311("every/" + id, id % 3, id);
                assertThat(ack.u16(0)).as("[MQTT-3.8.4-2]").isEqualTo(id);
                assertThat(ack.u8(2)).isEqualTo(id % 3);
            }
        }
    }

    @Test
    void v311_MQTT_3_8_4_3_anIdenticalFilterReplacesTheSubscription() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "replace", true);
             RawClient pub = RawClient.connected311(broker.port(), "replace-pub", true)) {
            c.subscribe311("replace/t", 0, 1);
            c.subscribe311("replace/t", 1, 2);
            pub.send(publish311("replace/t", 1, false, false, 1, "r".getBytes()));
            Packet p = c.read();
            assertThat(p.flags() >> 1 & 3).as("new QoS").isEqualTo(1);
            assertThat(c.stillOpenAfter(300)).as("one subscription, one copy").isTrue();
        }
    }

    @Test
    void v5_MQTT_3_8_4_4_replacingWithRetainHandling0ResendsRetainedMessages() throws IOException {
        try (RawClient pub = RawClient.connected311(broker.port(), "rr-pub", true)) {
            pub.send(publish311("rr/t", 1, true, false, 1, "kept".getBytes()));
            pub.read();
        }
        try (RawClient c = RawClient.connected5(broker.port(), "rr", true, 0)) {
            c.send(sub5(1, "rr/t", 1));
            c.readUntil(SUBACK);
            assertThat(payload5(c.read())).isEqualTo("kept");
            c.send(sub5(2, "rr/t", 1));
            c.readUntil(SUBACK);
            assertThat(payload5(c.read())).isEqualTo("kept");
        }
    }

    @Test
    void v311_MQTT_3_8_4_4_severalFiltersAreProcessedAsSeparateSubscribesWithOneSuback() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "multi", true);
             RawClient pub = RawClient.connected311(broker.port(), "multi-pub", true)) {
            c.send(subscribe(9).filter("multi/a", 0).filter("multi/b", 1).filter("multi/c", 2).v311());
            Packet ack = c.read();
            assertThat(ack.body()).as("[MQTT-3.8.4-5] one code per filter, [MQTT-3.9.3-2] from 0,1,2,0x80")
                    .containsExactly(0, 9, 0, 1, 2);
            pub.send(publish311("multi/b", 0, false, false, 0, "b".getBytes()));
            pub.send(publish311("multi/c", 0, false, false, 0, "c".getBytes()));
            assertThat(topicOf(c.read())).isEqualTo("multi/b");
            assertThat(topicOf(c.read())).isEqualTo("multi/c");
        }
    }

    @Test
    void v5_MQTT_3_8_4_7_eachCodeIsTheGrantedQosOrAFailure() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "codes5", true, 0)) {
            c.send(subscribe(3).filter("c5/a", 2).filter("c5/#/x", 1).v5());
            Packet ack = c.read();
            assertThat(Replies.ackId(ack)).isEqualTo(3);
            assertThat(Replies.reasonCodes5(ack)).containsExactly(2, 0x8F);
        }
    }

    @Test
    void v5_S3_8_2_1_2_subscriptionIdentifier0IsAProtocolError() throws IOException {
        assertDisconnects5("stmt2", subscribe5(1, "t", 0, Props.of().subscriptionId(0x00)), 0x82);
    }

    @Test
    void v5_S3_8_4_replacingASubscriptionWithoutAnIdentifierRemovesTheOldIdentifier() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "subid-replace", true, 0);
             RawClient pub = RawClient.connected311(broker.port(), "subid-replace-pub", true)) {
            c.send(subscribe5(1, "sir/t", 0, Props.of().subscriptionId(5)));
            c.readUntil(SUBACK);
            c.send(sub5(2, "sir/t", 0));
            c.readUntil(SUBACK);
            pub.send(publish311("sir/t", 0, false, false, 0, "x".getBytes()));
            Packet p = c.read();
            assertThat(p.u8(2 + p.u16(0))).as("no properties: no Subscription Identifier").isZero();
        }
    }

    @Test
    void v5_MQTT_4_8_2_1_sharedFiltersAreGrantedNextToPlainOnesAndMalformedOnesRefused() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "share-grant", true, 0)) {
            c.send(subscribe(1).filter("$share/g/a", 1).filter("plain/a", 1).filter("$share//a", 1)
                    .filter("$share/g", 1).v5());
            Packet ack = c.read();
            assertThat(Replies.ackId(ack)).isEqualTo(1);
            assertThat(Replies.reasonCodes5(ack)).containsExactly(1, 1, 0x8F, 0x8F);
        }
    }

    // ---------------------------------------------------------------- section 6

    @Test
    void v311_MQTT_3_10_3_1_unsubscribeFilterThatIsNotUtf8Closes() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "unsub-utf", true)) {
            c.send(packet(0xA2, concat(u16(1), u16(2), bytes(0xC3, 0x28))));
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_10_4_3_deliveriesStartedBeforeUnsubscribeAreCompleted() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "unsub-inflight", true);
             RawClient pub = RawClient.connected311(broker.port(), "unsub-inflight-pub", true)) {
            c.subscribe311("uif/t", 2, 1);
            pub.send(publish311("uif/t", 2, false, false, 1, "x".getBytes()));
            int id = packetIdOf(c.read());
            c.send(unsubscribe311(2, "uif/t"));
            assertThat(c.read().type()).isEqualTo(UNSUBACK); // [MQTT-3.10.4-4]
            c.send(pubrec(id));
            Packet rel = c.read();
            assertThat(rel.type()).isEqualTo(PUBREL);
            assertThat(rel.u16(0)).isEqualTo(id);
            pub.send(publish311("uif/t", 1, false, false, 2, "after".getBytes()));
            assertThat(c.stillOpenAfter(300)).as("nothing new queued [MQTT-3.10.4-2]").isTrue();
        }
    }

    @Test
    void v311_MQTT_3_10_4_6_severalFiltersAreUnsubscribedWithOneUnsuback() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "unsub-multi", true);
             RawClient pub = RawClient.connected311(broker.port(), "unsub-multi-pub", true)) {
            c.subscribe311("um/a", 0, 1);
            c.subscribe311("um/b", 0, 2);
            c.send(unsubscribe311(3, "um/a", "um/b", "um/none"));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(UNSUBACK);
            assertThat(ack.body()).as("3.1.1 UNSUBACK: the id alone [S3.11.3]").containsExactly(0, 3);
            pub.send(publish311("um/a", 0, false, false, 0, "x".getBytes()));
            pub.send(publish311("um/b", 0, false, false, 0, "x".getBytes()));
            assertThat(c.stillOpenAfter(300)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_11_3_2_unsubackCodesComeFromTheTable() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "unsub-codes", true, 0)) {
            c.send(sub5(1, "uc/a", 0));
            c.readUntil(SUBACK);
            c.send(unsubscribe5(2, "uc/a", "uc/b"));
            Packet ack = c.read();
            assertThat(ack.body()).containsExactly(0, 2, 0, 0x00, 0x11);
        }
    }

    // ---------------------------------------------------------------- sections 7, 8

    @Test
    void v311_S3_12_pingreqWithABodyIsMalformed() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "ping-body", true)) {
            c.send(0xC0, 0x01, 0x00);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_14_0_1_beforeConnackErrorsCloseWithoutDisconnect() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect("x").flags(0x03).v5()); // reserved flag
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_14_4_1_nothingIsSentAfterDisconnect() throws IOException {
        try (RawClient old = RawClient.connected5(broker.port(), "after-disc", false, 60);
             RawClient pub = RawClient.connected311(broker.port(), "after-disc-pub", true)) {
            old.send(sub5(1, "ad/t", 1));
            old.readUntil(SUBACK);
            try (RawClient fresh = RawClient.connected5(broker.port(), "after-disc", false, 60)) {
                Packet d = old.read();
                assertThat(d.type()).isEqualTo(DISCONNECT); // [MQTT-3.14.2-1]: 0x8E is a broker code
                pub.send(publish311("ad/t", 1, false, false, 1, "to the new one".getBytes()));
                assertThat(old.closedWithin(2000)).isTrue();
                assertThat(payload5(fresh.read())).isEqualTo("to the new one");
            }
        }
    }

    @Test
    void v311_S3_14_4_theBrokerClosesTheConnectionOnDisconnect() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "closes-on-disc", true)) {
            c.send(disconnect());
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    // ---------------------------------------------------------------- sections 10, 11

    @Test
    void v311_MQTT_4_7_1_1_wildcardsAreNotAllowedInTopicNames() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "wild-name", true)) {
            c.send(publish311("a/#", 0, false, false, 0, "x".getBytes()));
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v311_MQTT_4_7_3_2_nullCharacterInAFilterCloses() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "null-filter", true)) {
            c.send(packet(0x82, concat(u16(1), u16(3), bytes(0x61, 0x00, 0x62), bytes(0))));
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v311_MQTT_4_7_3_3_aTopicOf65535BytesIsAccepted() throws IOException {
        String topic = "t".repeat(65535);
        try (RawClient c = RawClient.connected311(broker.port(), "long-topic", true)) {
            c.subscribe311(topic, 0, 1);
            c.send(publish311(topic, 0, false, false, 0, "x".getBytes()));
            assertThat(topicOf(c.read())).hasSize(65535);
        }
    }

    @Test
    void v311_MQTT_4_7_3_4_matchingComparesLevelsExactly() throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "exact", true);
             RawClient pub = RawClient.connected311(broker.port(), "exact-pub", true)) {
            c.subscribe311("Ex/ä/ x", 0, 1);
            pub.send(publish311("ex/ä/ x", 0, false, false, 0, "case".getBytes()));
            pub.send(publish311("Ex/a/ x", 0, false, false, 0, "accent".getBytes()));
            pub.send(publish311("Ex/ä/x", 0, false, false, 0, "space".getBytes()));
            pub.send(publish311("Ex/ä/ x", 0, false, false, 0, "exact".getBytes()));
            assertThat(payload311(c.read())).isEqualTo("exact");
        }
    }

    @Test
    void v311_MQTT_4_5_0_1_anAcceptedMessageIsQueuedForEveryMatchingSession() throws IOException {
        try (RawClient a = RawClient.connected311(broker.port(), "every-a", false);
             RawClient b = RawClient.connected311(broker.port(), "every-b", true)) {
            a.subscribe311("ev/t", 1, 1);
            b.subscribe311("ev/+", 1, 1);
        }
        try (RawClient b = RawClient.connected311(broker.port(), "every-b2", true);
             RawClient pub = RawClient.connected311(broker.port(), "every-pub", true)) {
            b.subscribe311("ev/#", 1, 1);
            pub.send(publish311("ev/t", 1, false, false, 1, "all".getBytes()));
            assertThat(payload311(b.read())).isEqualTo("all");
        }
        try (RawClient a = RawClient.connected311(broker.port(), "every-a", false)) {
            assertThat(payload311(a.read())).isEqualTo("all");
        }
    }

    @Test
    void v311_MQTT_4_6_0_1_resentPublishesKeepTheirOriginalOrder() throws IOException {
        try (RawClient s = RawClient.connected311(broker.port(), "reorder", false);
             RawClient pub = RawClient.connected311(broker.port(), "reorder-pub", true)) {
            s.subscribe311("ro/t", 1, 1);
            for (int i = 0; i < 5; i++) {
                pub.send(publish311("ro/t", 1, false, false, i + 1, ("o" + i).getBytes()));
            }
            for (int i = 0; i < 5; i++) {
                s.read();
            }
        }
        try (RawClient s = RawClient.connected311(broker.port(), "reorder", false)) {
            for (int i = 0; i < 5; i++) {
                Packet p = s.read();
                assertThat(p.flags() & 0x08).isEqualTo(0x08);
                assertThat(payload311(p)).isEqualTo("o" + i);
            }
        }
    }

    @Test
    void v311_S4_3_3_anIncomingQos2MessageIsDistributedOnce() throws IOException {
        try (RawClient s = RawClient.connected311(broker.port(), "once-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "once-pub", true)) {
            s.subscribe311("once/t", 2, 1);
            pub.send(publish311("once/t", 2, false, false, 5, "1x".getBytes()));
            pub.read();
            pub.send(publish311("once/t", 2, false, true, 5, "1x".getBytes()));
            pub.read();
            pub.send(pubrel(5));
            pub.read();
            assertThat(payload311(s.read())).isEqualTo("1x");
            assertThat(s.stillOpenAfter(300)).isTrue();
        }
    }

    // ---------------------------------------------------------------- sections 13, 14, 15

    @Test
    void v5_S4_13_2_aNegativeSubackCodeFailsOnlyThatFilter() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "neg-suback", true, 0)) {
            c.send(subscribe(1).filter("ok/+", 1).filter("bad/#/x", 1).v5());
            Packet ack = c.read();
            assertThat(Replies.ackId(ack)).isEqualTo(1);
            assertThat(Replies.reasonCodes5(ack)).containsExactly(1, 0x8F);
            c.send(pingreq());
            assertThat(c.read().type()).as("the connection goes on").isEqualTo(PINGRESP);
        }
    }

    @Test
    void v5_MQTT_4_13_1_1_aProtocolErrorAfterConnackGetsDisconnectWithTheCode() throws IOException {
        assertDisconnects5("stmt2", subscribe5(1, "t", 0x30), 0x82);
    }

    @Test
    void v311_MQTT_3_3_1_5_aRetainedMessageReplacesThePreviousOne() throws IOException {
        try (RawClient pub = RawClient.connected311(broker.port(), "replace-ret", true)) {
            pub.send(publish311("rep/t", 0, true, false, 0, "one".getBytes()));
            pub.send(publish311("rep/t", 0, true, false, 0, "two".getBytes())); // QoS 0 retained is kept [MQTT-3.3.1-7]
            pub.send(pingreq());
            pub.read();
        }
        try (RawClient c = RawClient.connected311(broker.port(), "replace-ret-sub", true)) {
            c.subscribe311("rep/t", 0, 1);
            Packet p = c.read();
            assertThat(payload311(p)).isEqualTo("two");
            assertThat(p.flags() & 1).as("[MQTT-3.3.1-8]").isEqualTo(1);
            assertThat(c.stillOpenAfter(300)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_3_1_12_retainAsPublished0ForwardsWithRetain0() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "rap0", true, 0);
             RawClient pub = RawClient.connected311(broker.port(), "rap0-pub", true)) {
            c.send(sub5(1, "rap0/t", 0x20));
            c.readUntil(SUBACK);
            pub.send(publish311("rap0/t", 0, true, false, 0, "r".getBytes()));
            assertThat(c.read().flags() & 1).isZero();
        }
    }

    @Test
    void v5_MQTT_3_3_1_10_retainHandling1SendsOnlyForANewSubscription() throws IOException {
        try (RawClient pub = RawClient.connected311(broker.port(), "rh1-pub", true)) {
            pub.send(publish311("rh1/t", 1, true, false, 1, "r".getBytes()));
            pub.read();
        }
        try (RawClient c = RawClient.connected5(broker.port(), "rh1b", true, 0)) {
            c.send(sub5(1, "rh1/t", 0x10 | 0x08));
            c.readUntil(SUBACK);
            Packet p = c.read();
            assertThat(p.flags() & 1).as("RETAIN=1 even with Retain As Published [S3.3.1.3]").isEqualTo(1);
            c.send(sub5(2, "rh1/t", 0x10));
            c.readUntil(SUBACK);
            assertThat(c.stillOpenAfter(300)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_2_16_willRetain0PublishesANonRetainedWill() throws IOException {
        RawClient c = new RawClient(broker.port());
        c.send(connect311Will("wr0", true, 60, "wr0/t", "w", 0, false));
        c.read();
        c.close();
        try (RawClient late = RawClient.connected311(broker.port(), "wr0-late", true)) {
            late.subscribe311("wr0/t", 0, 1);
            assertThat(late.stillOpenAfter(400)).as("nothing retained").isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_2_9_willFlagWithoutWillFieldsIsMalformed() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect("will-missing").flags(0x02 | 0x04).v311()); // Will Flag, no will fields
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_S3_1_3_2_willPropertiesAreCarriedIntoThePublishedWill() throws IOException {
        try (RawClient watcher = RawClient.connected5(broker.port(), "wprops-watch", true, 0)) {
            watcher.send(sub5(1, "wprops/t", 0));
            watcher.readUntil(SUBACK);
            Props willProps = Props.of().contentType("text/plain").responseTopic("reply/t");
            RawClient c = new RawClient(broker.port());
            c.send(connect("wprops").will("wprops/t", "w", 0, false).willProps(willProps).v5());
            c.read();
            c.close();
            // the spec fixes the order of User Properties only [MQTT-3.3.2-18], not of the others
            assertThat(Replies.publishProperties(watcher.read())).containsExactlyInAnyOrder(
                    new Replies.Prop(0x03, "text/plain"), new Replies.Prop(0x08, "reply/t"));
        }
    }
}
