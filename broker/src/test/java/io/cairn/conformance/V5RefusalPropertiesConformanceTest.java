package io.cairn.conformance;

import io.cairn.config.BrokerConfig;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * MQTT 5.0 acknowledgements that refuse (PUBREC 0x97, PUBREL and PUBCOMP 0x92) and UNSUBACK: their
 * Reason String and User Properties stay within the client's Maximum Packet Size, and a Packet
 * Identifier refused with PUBREC >= 0x80 is free for a new message. As in
 * ProblemInformationConformanceTest, 'bounded/#' has a 4 KiB budget held by an offline subscriber,
 * so QoS 2 PUBLISHes of 1 KiB to it are soon refused with 0x97.
 */
class V5RefusalPropertiesConformanceTest {

    private static final int QUOTA_EXCEEDED = 0x97;
    private static final int PACKET_ID_NOT_FOUND = 0x92;
    private static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.startWith(c -> c.withRouter(new BrokerConfig.Router(c.router().segment(), "reject",
                Map.of("bounded/#", new BrokerConfig.Segment(1024, 4)), 60)));
        try (RawClient sub = RawClient.connected5(broker.port(), "refusal-sub", true, 3600)) {
            sub.subscribe5("bounded/#", 2, 1);
        }
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    /** QoS 2 PUBLISHes of 1 KiB to the bounded filter until one is refused: its PUBREC. */
    private static Packet firstRefusedPubrec(RawClient pub, int firstId) throws IOException {
        for (int id = firstId; id < firstId + 40; id++) {
            pub.send(publish5("bounded/x", 2, false, id, "x".repeat(1024)));
            Packet rec = pub.readUntil(PUBREC);
            if (ackReason(rec) >= 0x80) {
                return rec;
            }
            pub.send(pubrel(id));
            pub.readUntil(PUBCOMP);
        }
        throw new AssertionError("the 4 KiB budget never refused a PUBLISH");
    }

    /** The size of {@code p} on the wire (its remaining length is below 128 here). */
    private static int size(Packet p) {
        return 2 + p.body().length;
    }

    @Test
    void v5_MQTT_3_5_2_2_pubrecLeavesTheReasonStringOutBeyondTheClientsMaximumPacketSize() throws IOException {
        try (RawClient pub = RawClient.connected5(broker.port(), "rec-roomy", Props.none())) {
            Packet rec = firstRefusedPubrec(pub, 1);
            assertThat(ackReason(rec)).isEqualTo(QUOTA_EXCEEDED);
            assertThat(properties5(rec, 3)).as("a Reason String when there is room").containsKey(Props.REASON_STRING);
        }
        try (RawClient pub = RawClient.connected5(broker.port(), "rec-tiny", Props.of().maximumPacketSize(16))) {
            Packet rec = firstRefusedPubrec(pub, 1);
            assertThat(ackReason(rec)).isEqualTo(QUOTA_EXCEEDED);
            assertThat(properties5(rec, 3)).doesNotContainKeys(Props.REASON_STRING, Props.USER_PROPERTY);
            assertThat(size(rec)).isLessThanOrEqualTo(16);
        }
    }

    @Test
    void v5_MQTT_4_3_3_9_afterAPubrecFailureThePacketIdentifierStartsANewMessage() throws IOException {
        try (RawClient watcher = RawClient.connected5(broker.port(), "reuse-watch", true, 0);
             RawClient pub = RawClient.connected5(broker.port(), "reuse-pub", true, 0)) {
            watcher.subscribe5("free/t", 2, 1);
            Packet refused = firstRefusedPubrec(pub, 100);
            int id = ackId(refused);
            // the same Packet Identifier, at once, for a message the broker can take
            pub.send(publish5("free/t", 2, false, id, "new message"));
            Packet rec = pub.readUntil(PUBREC);
            assertThat(ackId(rec)).isEqualTo(id);
            assertThat(ackReason(rec)).as("accepted as a new message, not a duplicate of the refused one").isZero();
            pub.send(pubrel(id));
            assertThat(ackReason(pub.readUntil(PUBCOMP))).isZero();
            Packet p = nextPublish(watcher);
            assertThat(payload5(p)).isEqualTo("new message");
        }
    }

    @Test
    void v5_MQTT_3_7_2_2_pubcompLeavesTheReasonStringOutBeyondTheClientsMaximumPacketSize() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "comp-roomy", Props.none())) {
            c.send(pubrel(77)); // no such QoS 2 message
            Packet comp = c.readUntil(PUBCOMP);
            assertThat(ackReason(comp)).isEqualTo(PACKET_ID_NOT_FOUND);
            assertThat(properties5(comp, 3)).containsKey(Props.REASON_STRING);
        }
        try (RawClient c = RawClient.connected5(broker.port(), "comp-tiny", Props.of().maximumPacketSize(8))) {
            c.send(pubrel(77));
            Packet comp = c.readUntil(PUBCOMP);
            assertThat(ackReason(comp)).isEqualTo(PACKET_ID_NOT_FOUND);
            assertThat(properties5(comp, 3)).doesNotContainKeys(Props.REASON_STRING, Props.USER_PROPERTY);
            assertThat(size(comp)).isLessThanOrEqualTo(8);
        }
    }

    @Test
    void v5_MQTT_3_6_2_2_pubrelLeavesTheReasonStringOutBeyondTheClientsMaximumPacketSize() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "rel-roomy", Props.none())) {
            c.send(pubrec(88)); // no such outgoing QoS 2 message
            Packet rel = c.readUntil(PUBREL);
            assertThat(ackId(rel)).isEqualTo(88);
            assertThat(ackReason(rel)).isEqualTo(PACKET_ID_NOT_FOUND);
            assertThat(properties5(rel, 3)).containsKey(Props.REASON_STRING);
        }
        try (RawClient c = RawClient.connected5(broker.port(), "rel-tiny", Props.of().maximumPacketSize(8))) {
            c.send(pubrec(88));
            Packet rel = c.readUntil(PUBREL);
            assertThat(ackReason(rel)).isEqualTo(PACKET_ID_NOT_FOUND);
            assertThat(properties5(rel, 3)).doesNotContainKeys(Props.REASON_STRING, Props.USER_PROPERTY);
            assertThat(size(rel)).isLessThanOrEqualTo(8);
        }
    }

    @Test
    void v5_MQTT_3_11_2_1_unsubackLeavesTheReasonStringAndUserPropertiesOutBeyondTheClientsMaximumPacketSize()
            throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "unsuback-tiny", Props.of().maximumPacketSize(8))) {
            c.send(unsubscribe5(5, "never/subscribed"));
            Packet u = c.readUntil(UNSUBACK);
            assertThat(reasonCodes5(u)).containsExactly(0x11);
            assertThat(properties5(u, 2)).isEmpty();
            assertThat(size(u)).isLessThanOrEqualTo(8);
        }
    }
}
