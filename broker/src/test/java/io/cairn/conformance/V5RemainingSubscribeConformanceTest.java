package io.cairn.conformance;

import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.RawClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The remaining MQTT 5.0 statements of checklist sections 5 (SUBSCRIBE, non-shared), 6
 * (UNSUBSCRIBE) and 10 (topic names and filters), one test each, over real sockets; most have a
 * 3.1.1 twin in SubscriptionStatementConformanceTest, UnsubscribeConformanceTest or TopicConformanceTest.
 */
class V5RemainingSubscribeConformanceTest extends OneBrokerPerClass {

    private static final int TOPIC_FILTER_INVALID = 0x8F;

    private static RawClient client(String id) throws IOException {
        return RawClient.connected5(broker.port(), id, true, 0);
    }

    /** SUBSCRIBE with one filter given as raw bytes, options QoS 0, no properties. */
    private static byte[] subscribeRaw(int packetId, byte[] filter) {
        return packet(0x82, concat(u16(packetId), bytes(0), u16(filter.length), filter, bytes(0)));
    }

    /** UNSUBSCRIBE with one filter given as raw bytes, no properties. */
    private static byte[] unsubscribeRaw(int packetId, byte[] filter) {
        return packet(0xA2, concat(u16(packetId), bytes(0), u16(filter.length), filter));
    }

    /**
     * Sends a SUBSCRIBE of {@code filter} and asserts that the broker refuses it: SUBACK 0x8F for it,
     * or a DISCONNECT (0x81 or 0x82) and the close.
     */
    private static void filterRefused(String clientId, byte[] subscribe) throws IOException {
        try (RawClient c = client(clientId)) {
            c.send(subscribe);
            Packet reply = c.read();
            if (reply.type() == SUBACK) {
                assertThat(reasonCodes5(reply)).containsExactly(TOPIC_FILTER_INVALID);
            } else {
                assertThat(reply.type()).isEqualTo(DISCONNECT);
                assertThat(disconnectReason(reply)).isIn(0x81, 0x82, TOPIC_FILTER_INVALID);
                assertThat(c.closedWithin(2000)).isTrue();
            }
        }
    }

    private static void filterAccepted(RawClient c, String filter, int packetId) throws IOException {
        assertThat(reasonCodes5(c.subscribe5(filter, 0, packetId))).as(filter).containsExactly(0);
    }

    // ---------------------------------------------------------------- section 5

    @Test
    void v5_MQTT_3_8_3_1_aSubscribeFilterThatIsNotUtf8IsMalformed() throws IOException {
        assertDisconnects5("sub5-utf", subscribeRaw(1, bytes(0xC3, 0x28)), 0x81);
    }

    @Test
    void v5_MQTT_3_8_4_1_everySubscribeIsAnsweredWithASuback() throws IOException {
        try (RawClient c = client("every5-sub")) {
            for (int id = 100; id < 110; id++) {
                Packet ack = c.subscribe5("every5/" + id, id % 3, id);
                assertThat(ack.type()).isEqualTo(SUBACK);
                assertThat(reasonCodes5(ack)).containsExactly(id % 3);
            }
            Packet ack = c.subscribe5("bad/#/x", 0, 111);
            assertThat(ack.type()).as("a refused filter is answered too").isEqualTo(SUBACK);
        }
    }

    @Test
    void v5_MQTT_3_8_4_2_theSubackEchoesThePacketIdentifierEvenWhenEveryFilterFails() throws IOException {
        try (RawClient c = client("echo5-sub")) {
            assertThat(ackId(c.subscribe5("echo5/t", 1, 0x1234))).isEqualTo(0x1234);
            c.send(subscribe(0xABCD).filter("a#", 0).filter("b/#/c", 1).v5());
            Packet ack = c.readUntil(SUBACK);
            assertThat(ackId(ack)).isEqualTo(0xABCD);
            assertThat(reasonCodes5(ack)).containsExactly(TOPIC_FILTER_INVALID, TOPIC_FILTER_INVALID);
        }
    }

    @Test
    void v5_MQTT_3_8_4_3_anIdenticalFilterReplacesTheSubscriptionAndItsOptions() throws IOException {
        try (RawClient c = client("replace5"); RawClient pub = client("replace5-pub")) {
            c.subscribe5("replace5/t", 0, 1);
            c.subscribe5("replace5/t", 1 | NO_LOCAL, 2);
            pub.send(publish5("replace5/t", 1, false, 1, "r"));
            Packet p = nextPublish(c);
            assertThat(qos(p)).as("the new QoS").isEqualTo(1);
            c.send(puback(packetIdOf(p)));
            assertThat(c.silentFor(400)).as("one subscription, one copy").isTrue();
            c.send(publish5("replace5/t", 0, false, 0, "own"));
            assertThat(c.silentFor(400)).as("the new No Local option").isTrue();
        }
    }

    @Test
    void v5_MQTT_3_8_4_5_severalFiltersAreHandledLikeSeparateSubscribesWithOneSuback() throws IOException {
        try (RawClient c = client("multi5"); RawClient pub = client("multi5-pub")) {
            c.send(subscribe(7).filter("multi5/a", 0).filter("multi5/#/bad", 1).filter("multi5/b", 2).v5());
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(SUBACK);
            assertThat(reasonCodes5(ack)).as("the invalid filter does not affect the others")
                    .containsExactly(0, TOPIC_FILTER_INVALID, 2);
            assertThat(c.silentFor(300)).as("one SUBACK only").isTrue();
            pub.send(publish5("multi5/a", 0, false, 0, "a"));
            pub.send(publish5("multi5/b", 0, false, 0, "b"));
            assertThat(payload5(nextPublish(c))).isEqualTo("a");
            assertThat(payload5(nextPublish(c))).isEqualTo("b");
        }
    }

    @Test
    void v5_MQTT_3_8_4_6_theSubackHasOneReasonCodePerFilter() throws IOException {
        try (RawClient c = client("codes5")) {
            c.send(subscribe(9).filter("codes5/0", 0).filter("codes5/1", 1).filter("codes5/2", 2)
                    .filter("codes5/+/x#", 0).filter("codes5/2b", 2).v5());
            assertThat(reasonCodes5(c.readUntil(SUBACK))).containsExactly(0, 1, 2, TOPIC_FILTER_INVALID, 2);
        }
    }

    // ---------------------------------------------------------------- section 6

    @Test
    void v5_MQTT_3_10_3_1_anUnsubscribeFilterThatIsNotUtf8IsMalformed() throws IOException {
        assertDisconnects5("unsub5-utf", unsubscribeRaw(1, bytes(0xFF)), 0x81);
    }

    @Test
    void v5_MQTT_3_10_4_1_onlyACharacterForCharacterEqualFilterIsUnsubscribed() throws IOException {
        try (RawClient c = client("exact5"); RawClient pub = client("exact5-pub")) {
            c.subscribe5("exact5/+", 0, 1);
            c.send(unsubscribe5(2, "exact5/a", "exact5/#", "Exact5/+"));
            Packet u = c.readUntil(UNSUBACK);
            assertThat(reasonCodes5(u)).as("0x11 No subscription existed for each").containsExactly(0x11, 0x11, 0x11);
            pub.send(publish5("exact5/a", 0, false, 0, "still"));
            assertThat(payload5(nextPublish(c))).isEqualTo("still");
            c.send(unsubscribe5(3, "exact5/+"));
            assertThat(reasonCodes5(c.readUntil(UNSUBACK))).containsExactly(0x00);
            pub.send(publish5("exact5/a", 0, false, 0, "gone"));
            assertThat(c.silentFor(400)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_10_4_3_aQos2DeliveryStartedBeforeUnsubscribeIsCompleted() throws IOException {
        try (RawClient sub = client("inprog5-sub"); RawClient pub = client("inprog5-pub")) {
            sub.subscribe5("inprog5/t", 2, 1);
            pub.send(publish5("inprog5/t", 2, false, 1, "x"));
            Packet p = nextPublish(sub);
            int id = packetIdOf(p);
            sub.send(unsubscribe5(2, "inprog5/t"));
            assertThat(reasonCodes5(sub.readUntil(UNSUBACK))).containsExactly(0);
            sub.send(pubrec(id));
            Packet rel = sub.read();
            assertThat(rel.type()).isEqualTo(PUBREL);
            assertThat(rel.u16(0)).isEqualTo(id);
            sub.send(pubcomp(id));
        }
    }

    @Test
    void v5_MQTT_3_10_4_6_severalFiltersAreUnsubscribedWithOneUnsuback() throws IOException {
        try (RawClient c = client("unsub5-multi"); RawClient pub = client("unsub5-multi-pub")) {
            c.subscribe5("um5/a", 0, 1);
            c.subscribe5("um5/b", 0, 2);
            c.send(unsubscribe5(3, "um5/a", "um5/none", "um5/b"));
            Packet u = c.read();
            assertThat(u.type()).isEqualTo(UNSUBACK);
            assertThat(ackId(u)).isEqualTo(3);
            assertThat(reasonCodes5(u)).containsExactly(0x00, 0x11, 0x00);
            assertThat(c.silentFor(300)).as("one UNSUBACK only").isTrue();
            pub.send(publish5("um5/a", 0, false, 0, "a"));
            pub.send(publish5("um5/b", 0, false, 0, "b"));
            assertThat(c.silentFor(400)).isTrue();
        }
    }

    // ---------------------------------------------------------------- section 10

    @Test
    void v5_MQTT_4_7_1_1_hashMustBeTheWholeLastLevel() throws IOException {
        filterRefused("hash5-a", subscribe5(1, "a#", 0));
        filterRefused("hash5-b", subscribe5(1, "a/#/b", 0));
        filterRefused("hash5-c", subscribe5(1, "#/a", 0));
        try (RawClient c = client("hash5-ok")) {
            filterAccepted(c, "#", 1);
            filterAccepted(c, "a/#", 2);
            filterAccepted(c, "+/#", 3);
        }
    }

    @Test
    void v5_MQTT_4_7_1_2_plusMustFillAWholeLevel() throws IOException {
        filterRefused("plus5-a", subscribe5(1, "a+", 0));
        filterRefused("plus5-b", subscribe5(1, "a/+b", 0));
        try (RawClient c = client("plus5-ok"); RawClient pub = client("plus5-pub")) {
            filterAccepted(c, "+", 1);
            filterAccepted(c, "plus5/+/b", 2);
            filterAccepted(c, "+/+", 3);
            filterAccepted(c, "+/+/#", 4);
            c.send(unsubscribe5(5, "+", "+/+", "+/+/#"));
            c.readUntil(UNSUBACK);
            pub.send(publish5("plus5/x/b", 0, false, 0, "match"));
            assertThat(payload5(nextPublish(c))).isEqualTo("match");
        }
    }

    @Test
    void v5_MQTT_4_7_3_1_anEmptyTopicNameOrFilterIsInvalid() throws IOException {
        filterRefused("empty5-filter", subscribe5(1, "", 0));
        // an empty Topic Name without a Topic Alias: nothing names the topic
        try (RawClient c = client("empty5-name")) {
            c.send(publish5("", 0, false, 0, "x"));
            Packet d = c.readUntil(DISCONNECT);
            assertThat(disconnectReason(d)).isIn(0x82, 0x90);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_4_7_3_2_aNullCharacterInATopicNameOrFilterIsRefused() throws IOException {
        filterRefused("nul5-filter", subscribeRaw(1, bytes('a', 0, 'b')));
        try (RawClient c = client("nul5-name")) {
            c.send(packet(0x30, concat(u16(3), bytes('a', 0, 'b'), bytes(0), bytes('x'))));
            Packet d = c.readUntil(DISCONNECT);
            assertThat(disconnectReason(d)).isIn(0x81, 0x82, 0x90);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_4_7_3_4_matchingDoesNotNormalizeNames() throws IOException {
        String composed = "caf\u00e9";        // é as one code point
        String decomposed = "cafe\u0301";     // e + combining acute accent
        try (RawClient c = client("norm5"); RawClient pub = client("norm5-pub")) {
            filterAccepted(c, "norm5/" + composed, 1);
            filterAccepted(c, "norm5/A", 2);
            pub.send(publish5("norm5/" + decomposed, 0, false, 0, "decomposed"));
            pub.send(publish5("norm5/a", 0, false, 0, "lower case"));
            pub.send(publish5("norm5/A ", 0, false, 0, "trailing space"));
            pub.send(publish5("norm5//A", 0, false, 0, "empty level"));
            pub.send(publish5("norm5/" + composed, 0, false, 0, "exact"));
            Packet p = nextPublish(c);
            assertThat(payload5(p)).as("only the exact name matches").isEqualTo("exact");
            assertThat(topicOf(p)).isEqualTo("norm5/" + composed);
            assertThat(c.silentFor(300)).isTrue();
        }
    }
}
