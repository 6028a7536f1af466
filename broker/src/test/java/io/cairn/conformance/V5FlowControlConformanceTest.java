package io.cairn.conformance;

import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The remaining MQTT 5.0 statements of checklist section 12 (flow control: Receive Maximum and the
 * send quota), one test each, over real sockets; QosFlowConformanceTest has [MQTT-3.3.4-9] and
 * [MQTT-4.9.0-3], PublishConformanceTest the Maximum Packet Size statements.
 */
class V5FlowControlConformanceTest extends OneBrokerPerClass {

    private static RawClient receiveMax(String id, int max) throws IOException {
        return RawClient.connected5(broker.port(), id, Props.of().receiveMaximum(max));
    }

    private static RawClient client(String id) throws IOException {
        return RawClient.connected5(broker.port(), id, true, 0);
    }

    /** Publishes {@code payloads} to {@code topic} at the given QoS each, waiting for each acknowledgement. */
    private static void publishAll(RawClient pub, String topic, int[] qos, String... payloads) throws IOException {
        for (int i = 0; i < payloads.length; i++) {
            pub.send(publish5(topic, qos[i], false, qos[i] == 0 ? 0 : i + 1, payloads[i]));
            if (qos[i] == 1) {
                pub.readUntil(PUBACK);
            } else if (qos[i] == 2) {
                pub.readUntil(PUBREC);
                pub.send(pubrel(i + 1));
                pub.readUntil(PUBCOMP);
            }
        }
    }

    @Test
    void v5_MQTT_4_9_0_1_theSendQuotaStartsNonZeroAndNoLargerThanTheReceiveMaximum() throws IOException {
        try (RawClient sub = RawClient.connected5(broker.port(), "quota-start", false, 300)) {
            sub.subscribe5("quota/start", 1, 1);
        }
        try (RawClient pub = client("quota-start-pub")) {
            publishAll(pub, "quota/start", new int[] {1, 1, 1, 1, 1}, "q0", "q1", "q2", "q3", "q4");
        }
        // five messages wait for the session; the new connection allows 2
        try (RawClient sub = RawClient.accepted(broker.port(),
                connect5("quota-start", false, 60, Props.of().sessionExpiry(300).receiveMaximum(2)))) {
            assertThat(payload5(nextPublish(sub))).as("a non-zero quota: sending starts at once").isEqualTo("q0");
            assertThat(payload5(nextPublish(sub))).isEqualTo("q1");
            assertThat(sub.poll(500)).as("no more than the Receive Maximum").isNull();
        }
    }

    @Test
    void v5_MQTT_4_9_0_2_atQuotaZeroNoFurtherQos1Or2PublishIsSent() throws IOException {
        try (RawClient sub = receiveMax("quota-zero", 1); RawClient pub = client("quota-zero-pub")) {
            sub.subscribe5("quota/zero", 2, 1);
            publishAll(pub, "quota/zero", new int[] {1, 2, 0, 1}, "a", "b", "c", "d");
            Packet a = nextPublish(sub);
            assertThat(payload5(a)).isEqualTo("a");
            Packet p;
            while ((p = sub.poll(500)) != null) {
                assertThat(p.type()).isEqualTo(PUBLISH);
                assertThat(qos(p)).as("only QoS 0 may go out at quota 0: " + payload5(p)).isZero();
            }
            sub.send(puback(packetIdOf(a)));
            Packet b = nextPublish(sub);
            assertThat(payload5(b)).isEqualTo("b");
            assertThat(qos(b)).isEqualTo(2);
        }
    }

    @Test
    void v5_MQTT_3_3_4_10_packetsOtherThanPublishAreNotHeldBackByTheReceiveMaximum() throws IOException {
        try (RawClient sub = receiveMax("hold-other", 1); RawClient pub = client("hold-other-pub")) {
            sub.subscribe5("hold/other", 2, 1);
            publishAll(pub, "hold/other", new int[] {2, 1}, "first", "second");
            Packet first = nextPublish(sub);
            int id = packetIdOf(first);
            sub.send(pubrec(id)); // the QoS 2 delivery still counts: quota 0
            Packet rel = sub.read();
            assertThat(rel.type()).as("PUBREL").isEqualTo(PUBREL);
            sub.send(publish5("hold/mine", 2, false, 40, "own"));
            assertThat(sub.read().type()).as("PUBREC for the client's own QoS 2 PUBLISH").isEqualTo(PUBREC);
            sub.send(pubrel(40));
            assertThat(sub.read().type()).as("PUBCOMP").isEqualTo(PUBCOMP);
            sub.send(publish5("hold/mine", 1, false, 41, "own"));
            assertThat(sub.read().type()).as("PUBACK").isEqualTo(PUBACK);
            sub.send(unsubscribe5(42, "hold/none"));
            assertThat(sub.read().type()).as("UNSUBACK").isEqualTo(UNSUBACK);
            sub.send(subscribe5(43, "hold/none", 0));
            assertThat(sub.read().type()).as("SUBACK").isEqualTo(SUBACK);
            sub.send(pingreq());
            assertThat(sub.read().type()).as("PINGRESP").isEqualTo(PINGRESP);
            sub.send(pubcomp(id));
            assertThat(payload5(nextPublish(sub))).isEqualTo("second");
        }
    }

    @Test
    void v5_MQTT_3_3_4_7_aClientExceedingTheBrokersReceiveMaximumGetsDisconnect0x93() throws IOException {
        try (RawClient c = client("over-rm")) {
            Object announced = connackProperties(c.connack()).get(Props.RECEIVE_MAXIMUM);
            int max = announced == null ? 65535 : (Integer) announced;
            assertThat(max).as("a Receive Maximum small enough to test").isLessThan(1000);
            // QoS 2 PUBLISHes without PUBREL stay unacknowledged in the broker's sense
            for (int id = 1; id <= max; id++) {
                c.send(publish5("over/rm", 2, false, id, "x"));
            }
            for (int i = 0; i < max; i++) {
                assertThat(c.read().type()).isEqualTo(PUBREC);
            }
            c.send(pingreq());
            assertThat(c.read().type()).as("exactly the maximum is allowed").isEqualTo(PINGRESP);
            c.send(publish5("over/rm", 2, false, max + 1, "one too many"));
            Packet d = c.readUntil(DISCONNECT);
            assertThat(disconnectReason(d)).isEqualTo(0x93);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    /**
     * As the Eclipse Paho interoperability suite's test_flow_control2 does: the client sends past the
     * Receive Maximum without reading, and goes on sending (its PUBRELs, here PINGREQs) before it reads.
     * Its writes must not meet a reset socket, and the DISCONNECT must still be there to read.
     */
    @Test
    void v5_MQTT_3_3_4_7_aClientStillSendingAfterExceedingReceiveMaximumReadsTheDisconnect0x93() throws Exception {
        try (RawClient c = client("over-rm-busy")) {
            Object announced = connackProperties(c.connack()).get(Props.RECEIVE_MAXIMUM);
            int max = announced == null ? 65535 : (Integer) announced;
            assertThat(max).as("a Receive Maximum small enough to test").isLessThan(1000);
            for (int id = 1; id <= max + 1; id++) {
                c.send(publish5("over/rm-busy", 2, false, id, "x"));
            }
            for (int i = 0; i < 30; i++) { // the broker has answered and closed its side by now
                Thread.sleep(10);
                c.send(pingreq());
            }
            Packet d = c.readUntil(DISCONNECT);
            assertThat(disconnectReason(d)).isEqualTo(0x93);
            assertThat(c.closedWithin(3000)).isTrue();
        }
    }

    @Test
    void v5_S4_9_theQuotaGrowsByOneForEachPubackPubcompOrFailingPubrecAndNeverAboveItsStart() throws IOException {
        try (RawClient sub = receiveMax("quota-count", 2); RawClient pub = client("quota-count-pub")) {
            sub.subscribe5("quota/count", 2, 1);
            publishAll(pub, "quota/count", new int[] {1, 2, 2, 1, 1, 1, 1},
                    "m0", "m1", "m2", "m3", "m4", "m5", "m6");
            List<Packet> got = new ArrayList<>();
            got.add(nextPublish(sub));
            got.add(nextPublish(sub));
            assertThat(sub.poll(400)).as("quota 2 spent").isNull();

            // PUBACK: +1, and repeating it or acknowledging an unknown id gives nothing more
            sub.send(puback(packetIdOf(got.get(0))));
            sub.send(puback(packetIdOf(got.get(0))));
            sub.send(puback(999));
            got.add(nextPublish(sub));
            assertThat(sub.poll(400)).as("never above the initial quota").isNull();

            // PUBREC 0x00: no change; then PUBCOMP: +1
            Packet m1 = got.get(1);
            assertThat(payload5(m1)).isEqualTo("m1");
            sub.send(pubrec(packetIdOf(m1)));
            assertThat(sub.read().type()).isEqualTo(PUBREL);
            assertThat(sub.poll(400)).as("a successful PUBREC does not restore the quota").isNull();
            sub.send(pubcomp(packetIdOf(m1)));
            got.add(nextPublish(sub));

            // PUBREC >= 0x80: +1
            Packet m2 = got.get(2);
            assertThat(payload5(m2)).isEqualTo("m2");
            sub.send(pubrec(packetIdOf(m2), 0x80));
            got.add(nextPublish(sub));
            assertThat(sub.poll(400)).isNull();
            assertThat(got).extracting(p -> payload5(p)).containsExactly("m0", "m1", "m2", "m3", "m4");
        }
    }
}
