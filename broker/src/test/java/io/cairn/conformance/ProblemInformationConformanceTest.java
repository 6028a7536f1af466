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
 * MQTT 5.0 problem information: Reason Strings on the broker's refusals, none on acknowledgements
 * when the client set Request Problem Information = 0 [MQTT-3.1.2-29], none where it would exceed the
 * client's Maximum Packet Size (checklist section 2 and the per-packet statements), over real sockets.
 * 'bounded/#' has a 4 KiB budget, so QoS 1 PUBLISHes of 1 KiB to it are soon refused with 0x97.
 */
class ProblemInformationConformanceTest {

    private static final int QUOTA_EXCEEDED = 0x97;
    private static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.startWith(c -> c.withRouter(new BrokerConfig.Router(c.router().segment(), "reject",
                Map.of("bounded/#", new BrokerConfig.Segment(1024, 4)), 60)));
        try (RawClient sub = RawClient.connected5(broker.port(), "problem-sub", true, 3600)) {
            sub.subscribe5("bounded/#", 1, 1); // offline afterwards: what it is sent fills the budget
        }
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void v5_MQTT_3_1_2_29_refusedPublishCarriesAReasonStringByDefault() throws Exception {
        try (RawClient pub = RawClient.connected5(broker.port(), "problem-default", Props.none())) {
            Packet refusal = firstRefusal(pub);
            assertThat(ackReason(refusal)).isEqualTo(QUOTA_EXCEEDED);
            assertThat(properties5(refusal, 3)).containsEntry(Props.REASON_STRING, "quota exceeded: a queue budget is full");
        }
    }

    @Test
    void v5_MQTT_3_1_2_29_requestProblemInformation0LeavesTheReasonStringOutOfPuback() throws Exception {
        try (RawClient pub = RawClient.connected5(broker.port(), "problem-off", Props.of().requestProblemInfo(0))) {
            Packet refusal = firstRefusal(pub);
            assertThat(ackReason(refusal)).isEqualTo(QUOTA_EXCEEDED);
            assertThat(properties5(refusal, 3)).as("an empty property block").isEmpty();
        }
    }

    @Test
    void v5_MQTT_3_4_2_2_reasonStringLeftOutWhenItWouldExceedTheClientsMaximumPacketSize() throws Exception {
        try (RawClient pub = RawClient.connected5(broker.port(), "problem-tiny", Props.of().maximumPacketSize(30))) {
            Packet refusal = firstRefusal(pub);
            assertThat(ackReason(refusal)).isEqualTo(QUOTA_EXCEEDED);
            assertThat(properties5(refusal, 3)).doesNotContainKey(Props.REASON_STRING);
        }
    }

    @Test
    void v5_MQTT_3_1_2_29_subackFailureCarriesAReasonStringUnlessProblemInformationIsOff() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "problem-suback", Props.none())) {
            Packet suback = c.subscribe5("a/#/b", 1, 3);
            assertThat(reasonCodes5(suback)).containsExactly(0x8F);
            assertThat(properties5(suback, 2)).containsEntry(Props.REASON_STRING, "filter 1: invalid topic filter");
        }
        try (RawClient c = RawClient.connected5(broker.port(), "problem-suback-off", Props.of().requestProblemInfo(0))) {
            Packet suback = c.subscribe5("a/#/b", 1, 3);
            assertThat(reasonCodes5(suback)).containsExactly(0x8F);
            assertThat(properties5(suback, 2)).isEmpty();
        }
    }

    @Test
    void v5_MQTT_3_9_2_1_subackReasonStringLeftOutWhenItWouldExceedTheClientsMaximumPacketSize() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "problem-suback-tiny", Props.of().maximumPacketSize(12))) {
            Packet suback = c.subscribe5("a/#/b", 1, 3);
            assertThat(reasonCodes5(suback)).containsExactly(0x8F);
            assertThat(properties5(suback, 2)).isEmpty();
        }
    }

    @Test
    void v5_MQTT_3_1_2_29_refusingConnackCarriesAReasonStringAlsoWithProblemInformationOff() throws Exception {
        for (Props props : new Props[] {Props.of().authMethod("SCRAM"),
                Props.of().requestProblemInfo(0).authMethod("SCRAM")}) {
            Packet connack = refusedConnack(props);
            assertThat(connackCode(connack)).isEqualTo(0x8C);
            assertThat(connackProperties(connack)).containsEntry(Props.REASON_STRING, "unsupported authentication method");
        }
    }

    @Test
    void v5_MQTT_3_2_2_19_refusingConnackLeavesTheReasonStringOutBeyondTheMaximumPacketSize() throws Exception {
        Packet connack = refusedConnack(Props.of().maximumPacketSize(20).authMethod("SCRAM"));
        assertThat(connackCode(connack)).isEqualTo(0x8C);
        assertThat(connackProperties(connack)).doesNotContainKey(Props.REASON_STRING);
    }

    @Test
    void v5_MQTT_3_14_2_3_protocolErrorDisconnectCarriesAReasonStringThatFits() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "problem-disc", Props.of().requestProblemInfo(0))) {
            c.send(connect5("problem-disc", true, 60, Props.none()));
            Packet d = c.readUntil(DISCONNECT);
            assertThat(disconnectReason(d)).isEqualTo(0x82);
            assertThat(disconnectProperties(d)).containsEntry(Props.REASON_STRING, "second CONNECT");
        }
        try (RawClient c = RawClient.connected5(broker.port(), "problem-disc-tiny", Props.of().maximumPacketSize(8))) {
            c.send(connect5("problem-disc-tiny", true, 60, Props.none()));
            Packet d = c.readUntil(DISCONNECT);
            assertThat(disconnectReason(d)).isEqualTo(0x82);
            assertThat(disconnectProperties(d)).doesNotContainKey(Props.REASON_STRING);
        }
    }

    /** QoS 1 PUBLISHes of 1 KiB to the bounded filter until one is refused: its PUBACK. */
    private static Packet firstRefusal(RawClient pub) throws IOException {
        for (int id = 1; id <= 40; id++) {
            pub.send(publish5("bounded/x", 1, false, id, "x".repeat(1024)));
            Packet ack = pub.readUntil(PUBACK);
            if (ackReason(ack) != 0) {
                return ack;
            }
        }
        throw new AssertionError("the 4 KiB budget never refused a PUBLISH");
    }

    private static Packet refusedConnack(Props props) throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect5("problem-refused", true, 60, props));
            Packet connack = c.read();
            assertThat(connack.type()).isEqualTo(CONNACK);
            return connack;
        }
    }
}
