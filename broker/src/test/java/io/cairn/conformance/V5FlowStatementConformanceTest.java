package io.cairn.conformance;

import io.cairn.test.RawClient;
import io.cairn.test.OneBrokerPerClass;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;

import static io.cairn.test.RawClient.*;
import static org.assertj.core.api.Assertions.assertThat;

/** MQTT 5.0 statements of sections 1-4 (CONNECT, PUBLISH properties, QoS flows), on the wire. */
class V5FlowStatementConformanceTest extends OneBrokerPerClass {

    private static RawClient connect(String id) throws IOException {
        return RawClient.connected5(broker.port(), id, true, 0);
    }

    private static RawClient subscriber(String id, String filter, int options) throws IOException {
        RawClient c = connect(id);
        c.send(packet(0x82, concat(u16(1), bytes(0), str(filter), bytes(options))));
        c.readUntil(SUBACK);
        return c;
    }

    /** The properties bytes of a delivered 5.0 PUBLISH. */
    private static byte[] props(Packet p) {
        int at = 2 + p.u16(0) + (((p.flags() >> 1) & 3) > 0 ? 2 : 0);
        return Arrays.copyOfRange(p.body(), at + 1, at + 1 + p.u8(at));
    }

    /** Publishes one QoS 0 message with the given property bytes and returns what the subscriber got. */
    private static byte[] forwarded(String topic, byte[] properties) throws IOException {
        try (RawClient sub = subscriber(topic + "-sub", topic, 0); RawClient pub = connect(topic + "-pub")) {
            pub.send(packet(0x30, concat(str(topic), varInt(properties.length), properties, "x".getBytes())));
            return props(sub.read());
        }
    }

    // ---------------------------------------------------------------- sections 1, 2

    @Test
    void v5_MQTT_2_2_1_2_qos0PublishCarriesNoPacketIdentifier() throws IOException {
        try (RawClient sub = subscriber("q0id-sub", "q0id/t", 2); RawClient pub = connect("q0id-pub")) {
            pub.send(packet(0x30, concat(str("q0id/t"), bytes(0), "abc".getBytes())));
            Packet p = sub.read();
            assertThat(p.body()).containsExactly(concat(str("q0id/t"), bytes(0), "abc".getBytes()));
        }
    }

    @Test
    void v5_MQTT_3_1_2_2_unsupportedProtocolVersionGetsARefusalAndClose() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(packet(0x10, concat(str("MQTT"), bytes(7, 0x02), u16(60), bytes(0), str("v7"))));
            assertThat(c.read().u8(1)).isNotZero();
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_1_2_18_passwordFlagWithoutAPasswordFieldClosesTheConnection() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(packet(0x10, concat(str("MQTT"), bytes(5, 0x42), u16(60), bytes(0), str("no-pw-field"))));
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_1_3_3_aZeroLengthClientIdIsTheFirstPayloadField() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect5("", false, 60, new byte[0])); // allowed with Clean Start 0 in 5.0
            Packet ack = c.read();
            assertThat(ack.u8(1)).isZero();
            assertThat(ack.u8(0)).isZero();
        }
    }

    @Test
    void v5_MQTT_3_1_4_1_aMalformedConnectClosesTheConnection() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(packet(0x10, concat(str("MQTT"), bytes(5, 0x02), u16(60), bytes(0), str("trailing"), bytes(1, 2))));
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_1_4_5_anAcceptedConnectGetsConnack0x00() throws IOException {
        try (RawClient c = connect("accepted5")) {
            assertThat(c.connack().type()).isEqualTo(CONNACK);
            assertThat(c.connack().u8(1)).isZero();
        }
    }

    @Test
    void v5_MQTT_3_1_2_6_cleanStart0WithoutASessionCreatesANewOne() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "fresh5", false, 60)) {
            assertThat(c.connack().u8(0)).isZero();
        }
        try (RawClient c = RawClient.connected5(broker.port(), "fresh5", false, 60)) {
            assertThat(c.connack().u8(0)).isEqualTo(1);
        }
    }

    @Test
    void v5_MQTT_3_2_0_2_aSecondConnectGetsNoSecondConnack() throws IOException {
        try (RawClient c = connect("one-connack")) {
            c.send(connect5("one-connack", true, 60, new byte[0]));
            assertThat(c.read().type()).isEqualTo(DISCONNECT);
        }
    }

    @Test
    void v5_MQTT_3_2_2_7_aConnackOf0x80OrMoreIsFollowedByClose() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect5("bad-auth", true, 60, concat(bytes(0x15), str("KERBEROS"))));
            assertThat(c.read().u8(1)).isGreaterThanOrEqualTo(0x80);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_2_2_16_anAssignedClientIdentifierIsInTheConnack() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect5("", true, 60, new byte[0]));
            Packet ack = c.read();
            byte[] props = Arrays.copyOfRange(ack.body(), 3, 3 + ack.u8(2));
            int at = -1;
            for (int i = 0; i < props.length; i++) {
                if (props[i] == 0x12) {
                    at = i;
                    break;
                }
            }
            assertThat(at).isNotNegative();
            int len = ((props[at + 1] & 0xFF) << 8) | (props[at + 2] & 0xFF);
            assertThat(len).isPositive();
        }
    }

    // ---------------------------------------------------------------- section 3

    @Test
    void v5_MQTT_3_3_1_1_aRedeliveryHasDup1() throws IOException {
        int id;
        try (RawClient sub = RawClient.connected5(broker.port(), "dup5", false, 60); RawClient pub = connect("dup5-pub")) {
            sub.send(packet(0x82, concat(u16(1), bytes(0), str("dup5/t"), bytes(1))));
            sub.readUntil(SUBACK);
            pub.send(packet(0x32, concat(str("dup5/t"), u16(1), bytes(0), "d".getBytes())));
            id = packetIdOf(sub.read());
        }
        try (RawClient sub = RawClient.connected5(broker.port(), "dup5", false, 60)) {
            Packet p = sub.read();
            assertThat(p.flags() & 0x08).isEqualTo(0x08);
            assertThat(packetIdOf(p)).isEqualTo(id);
        }
    }

    @Test
    void v5_MQTT_3_3_2_1_aTopicNameThatIsNotUtf8IsMalformed() throws IOException {
        try (RawClient c = connect("topic-utf5")) {
            c.send(packet(0x30, concat(u16(1), bytes(0xFE), bytes(0), "x".getBytes())));
            Packet d = c.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).isEqualTo(0x81);
        }
    }

    @Test
    void v5_MQTT_3_3_2_3_deliveredTopicNamesMatchTheSubscriptionFilter() throws IOException {
        try (RawClient sub = subscriber("match5", "m5/+/x", 0); RawClient pub = connect("match5-pub")) {
            for (String t : new String[] {"m5/a/x", "m5/b/y", "m5/c/x/d", "m5/d/x"}) {
                pub.send(packet(0x30, concat(str(t), bytes(0), "x".getBytes())));
            }
            assertThat(topicOf(sub.read())).isEqualTo("m5/a/x");
            assertThat(topicOf(sub.read())).isEqualTo("m5/d/x");
        }
    }

    @Test
    void v5_MQTT_3_3_2_4_payloadFormatIndicatorIsForwarded() throws IOException {
        assertThat(forwarded("pfi/t", bytes(0x01, 0x01))).containsExactly(0x01, 0x01);
    }

    @Test
    void v5_MQTT_3_3_2_15_responseTopicIsForwarded() throws IOException {
        byte[] p = concat(bytes(0x08), str("reply/to"));
        assertThat(forwarded("rt/t", p)).containsExactly(p);
    }

    @Test
    void v5_MQTT_3_3_2_16_correlationDataIsForwarded() throws IOException {
        byte[] p = concat(bytes(0x09), u16(3), bytes(0, 0xFF, 7));
        assertThat(forwarded("cd/t", p)).containsExactly(p);
    }

    @Test
    void v5_MQTT_3_3_2_17_allUserPropertiesAreForwarded() throws IOException {
        byte[] p = concat(bytes(0x26), str("z"), str("1"), bytes(0x26), str("a"), str("2"), bytes(0x26), str("z"), str("3"));
        assertThat(forwarded("up/t", p)).containsExactly(p);
    }

    @Test
    void v5_MQTT_3_3_2_20_contentTypeIsForwarded() throws IOException {
        byte[] p = concat(bytes(0x03), str("application/cbor"));
        assertThat(forwarded("ct/t", p)).containsExactly(p);
    }

    @Test
    void v5_S3_3_2_3_3_withoutMessageExpiryNoneIsForwarded() throws IOException {
        assertThat(forwarded("noexp/t", new byte[0])).isEmpty();
    }

    @Test
    void v5_MQTT_3_3_2_6_theForwardedExpiryIsReducedByTheTimeWaited() throws Exception {
        try (RawClient sub = RawClient.connected5(broker.port(), "exp-wait", false, 60)) {
            sub.send(packet(0x82, concat(u16(1), bytes(0), str("expw/t"), bytes(1))));
            sub.readUntil(SUBACK);
        }
        try (RawClient pub = connect("exp-wait-pub")) {
            pub.send(packet(0x32, concat(str("expw/t"), u16(1), bytes(5, 0x02), u32(10), "e".getBytes())));
            pub.read();
        }
        Thread.sleep(2100);
        try (RawClient sub = RawClient.connected5(broker.port(), "exp-wait", false, 60)) {
            byte[] p = props(sub.read());
            assertThat(p[0]).isEqualTo((byte) 0x02);
            int left = ((p[1] & 0xFF) << 24) | ((p[2] & 0xFF) << 16) | ((p[3] & 0xFF) << 8) | (p[4] & 0xFF);
            assertThat(left).isBetween(7, 8);
        }
    }

    @Test
    void v5_MQTT_3_3_4_3_aSubscriptionIdentifierTravelsWithTheMessage() throws IOException {
        try (RawClient sub = connect("sid-one"); RawClient pub = connect("sid-one-pub")) {
            sub.send(packet(0x82, concat(u16(1), bytes(2, 0x0B, 42), str("sid1/t"), bytes(0))));
            sub.readUntil(SUBACK);
            pub.send(packet(0x30, concat(str("sid1/t"), bytes(0), "s".getBytes())));
            assertThat(props(sub.read())).containsExactly(0x0B, 42);
        }
    }

    @Test
    void v5_S3_3_2_3_4_aTopicAliasIsNotPassedThroughToSubscribers() throws IOException {
        try (RawClient sub = subscriber("alias-pass", "ap/t", 0); RawClient pub = connect("alias-pass-pub")) {
            pub.send(packet(0x30, concat(str("ap/t"), bytes(3, 0x23, 0x00, 0x03), "a".getBytes())));
            assertThat(props(sub.read())).isEmpty();
        }
    }

    @Test
    void v5_S3_3_2_1_anEmptyTopicWithoutAliasIsAProtocolError() throws IOException {
        try (RawClient c = connect("empty-topic")) {
            c.send(packet(0x30, concat(str(""), bytes(0), "x".getBytes())));
            Packet d = c.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).isEqualTo(0x82);
        }
    }

    // ---------------------------------------------------------------- section 4

    @Test
    void v5_MQTT_4_3_2_1_eachNewQos1DeliveryGetsAnUnusedPacketIdentifier() throws IOException {
        try (RawClient sub = subscriber("ids1", "ids1/t", 1); RawClient pub = connect("ids1-pub")) {
            java.util.Set<Integer> ids = new java.util.HashSet<>();
            for (int i = 1; i <= 20; i++) {
                pub.send(packet(0x32, concat(str("ids1/t"), u16(i), bytes(0), "x".getBytes())));
            }
            for (int i = 0; i < 20; i++) {
                Packet p = sub.read();
                if (p.type() != PUBLISH) {
                    i--;
                    continue;
                }
                assertThat(p.flags() & 0x08).as("[MQTT-4.3.2-2] DUP 0").isZero();
                assertThat(ids.add(packetIdOf(p))).as("unused while in flight").isTrue();
                assertThat(packetIdOf(p)).isNotZero();
            }
        }
    }

    @Test
    void v5_MQTT_4_3_2_4_qos1PublishIsAnsweredWithPubackOfItsId() throws IOException {
        try (RawClient c = connect("puback5")) {
            c.send(packet(0x32, concat(str("pa5/t"), u16(777), bytes(0), "x".getBytes())));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(PUBACK);
            assertThat(ack.u16(0)).isEqualTo(777);
            assertThat(ack.body().length == 2 || ack.u8(2) < 0x80).as("[MQTT-3.4.2-1] a success code").isTrue();
        }
    }

    @Test
    void v5_MQTT_4_3_2_5_afterPubackTheSameIdIsANewMessage() throws IOException {
        try (RawClient sub = subscriber("reuse1", "reuse1/t", 1); RawClient pub = connect("reuse1-pub")) {
            for (String m : new String[] {"first", "second"}) {
                pub.send(packet(0x32, concat(str("reuse1/t"), u16(5), bytes(0), m.getBytes())));
                pub.read();
                assertThat(payload5(sub.read())).isEqualTo(m);
            }
        }
    }

    @Test
    void v5_MQTT_4_3_3_1_qos2OutboundFlowPublishPubrecPubrelPubcomp() throws IOException {
        try (RawClient sub = subscriber("flow2", "flow2/t", 2); RawClient pub = connect("flow2-pub")) {
            pub.send(packet(0x34, concat(str("flow2/t"), u16(1), bytes(0), "x".getBytes())));
            Packet p = sub.read();
            assertThat((p.flags() >> 1) & 3).isEqualTo(2);
            assertThat(p.flags() & 0x08).as("[MQTT-4.3.3-2]").isZero();
            int id = packetIdOf(p);
            assertThat(sub.stillOpenAfter(300)).as("[MQTT-4.3.3-3] waits for PUBREC").isTrue();
            sub.send(0x50, 0x02, id >> 8, id & 0xFF);
            Packet rel = sub.read();
            assertThat(rel.type()).isEqualTo(PUBREL); // [MQTT-4.3.3-4]
            assertThat(rel.flags()).isEqualTo(2);
            assertThat(rel.u16(0)).isEqualTo(id);
            sub.send(0x70, 0x02, id >> 8, id & 0xFF); // [MQTT-4.3.3-5] PUBREL held until this
            sub.send(0xC0, 0x00);
            assertThat(sub.read().type()).isEqualTo(PINGRESP);
        }
    }

    @Test
    void v5_MQTT_4_3_3_11_pubrelIsAnsweredWithPubcompOfTheSameId() throws IOException {
        try (RawClient c = connect("comp5")) {
            c.send(packet(0x34, concat(str("c5/t"), u16(300), bytes(0), "x".getBytes())));
            assertThat(c.read().type()).isEqualTo(PUBREC);
            c.send(0x62, 0x02, 0x01, 0x2C);
            Packet comp = c.read();
            assertThat(comp.type()).isEqualTo(PUBCOMP);
            assertThat(comp.u16(0)).isEqualTo(300);
            assertThat(comp.body().length == 2 || comp.u8(2) == 0).as("[MQTT-3.7.2-1]").isTrue();
        }
    }

    @Test
    void v5_MQTT_4_3_3_12_afterPubcompTheSameIdIsANewMessage() throws IOException {
        try (RawClient sub = subscriber("reuse2", "reuse2/t", 2); RawClient pub = connect("reuse2-pub")) {
            for (String m : new String[] {"first", "second"}) {
                pub.send(packet(0x34, concat(str("reuse2/t"), u16(9), bytes(0), m.getBytes())));
                pub.read();
                pub.send(0x62, 0x02, 0x00, 0x09);
                pub.read();
                Packet p = sub.read();
                assertThat(payload5(p)).isEqualTo(m);
                int id = packetIdOf(p);
                sub.send(0x50, 0x02, id >> 8, id & 0xFF);
                sub.read();
                sub.send(0x70, 0x02, id >> 8, id & 0xFF);
            }
        }
    }

    @Test
    void v5_MQTT_4_3_3_7_aSentQos2MessageIsNotExpiredButCompleted() throws Exception {
        int id;
        try (RawClient sub = RawClient.connected5(broker.port(), "exp-q2", false, 60); RawClient pub = connect("exp-q2-pub")) {
            sub.send(packet(0x82, concat(u16(1), bytes(0), str("expq2/t"), bytes(2))));
            sub.readUntil(SUBACK);
            pub.send(packet(0x34, concat(str("expq2/t"), u16(1), bytes(5, 0x02), u32(1), "e".getBytes())));
            id = packetIdOf(sub.read());
        }
        Thread.sleep(1500);
        try (RawClient sub = RawClient.connected5(broker.port(), "exp-q2", false, 60)) {
            Packet p = sub.read();
            assertThat(p.type()).as("re-sent although its expiry passed").isEqualTo(PUBLISH);
            assertThat(packetIdOf(p)).isEqualTo(id);
            sub.send(0x50, 0x02, id >> 8, id & 0xFF);
            assertThat(sub.read().type()).as("[MQTT-4.3.3-13] the handshake completes").isEqualTo(PUBREL);
        }
    }

    @Test
    void v5_MQTT_3_6_2_1_pubrelForAnUnknownPubrecCarries0x92() throws IOException {
        try (RawClient c = connect("pubrel-92")) {
            c.send(0x50, 0x02, 0x00, 0x42);
            Packet rel = c.read();
            assertThat(rel.type()).isEqualTo(PUBREL);
            assertThat(rel.u8(2)).isEqualTo(0x92);
        }
    }
}
