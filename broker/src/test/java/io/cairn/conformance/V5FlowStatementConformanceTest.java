package io.cairn.conformance;

import io.cairn.test.Props;
import io.cairn.test.Packets;
import io.cairn.test.RawClient;
import io.cairn.test.OneBrokerPerClass;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/** MQTT 5.0 statements of sections 1-4 (CONNECT, PUBLISH properties, QoS flows), on the wire. */
class V5FlowStatementConformanceTest extends OneBrokerPerClass {

    private static RawClient connect(String id) throws IOException {
        return RawClient.connected5(broker.port(), id, true, 0);
    }

    private static RawClient subscriber(String id, String filter, int options) throws IOException {
        RawClient c = connect(id);
        c.send(subscribe5(1, filter, options));
        c.readUntil(SUBACK);
        return c;
    }

    /** Publishes one QoS 0 message with the given property bytes and returns what the subscriber got. */
    private static byte[] forwarded(String topic, Props properties) throws IOException {
        try (RawClient sub = subscriber(topic + "-sub", topic, 0); RawClient pub = connect(topic + "-pub")) {
            pub.send(publish5(topic, 0, false, 0, properties, "x"));
            return publishPropertyBytes(sub.read());
        }
    }

    // ---------------------------------------------------------------- sections 1, 2

    @Test
    void v5_MQTT_2_2_1_2_qos0PublishCarriesNoPacketIdentifier() throws IOException {
        try (RawClient sub = subscriber("q0id-sub", "q0id/t", 2); RawClient pub = connect("q0id-pub")) {
            pub.send(publish5("q0id/t", 0, false, 0, "abc"));
            Packet p = sub.read();
            assertThat(p.body()).containsExactly(concat(str("q0id/t"), bytes(0), "abc".getBytes()));
        }
    }

    @Test
    void v5_MQTT_3_1_2_2_unsupportedProtocolVersionGetsARefusalAndClose() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(Packets.connect("v7").protocol("MQTT", 7).v5());
            assertThat(c.read().u8(1)).isNotZero();
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_1_2_18_passwordFlagWithoutAPasswordFieldClosesTheConnection() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(Packets.connect("no-pw-field").flags(0x42).v5()); // Password Flag, no Password field
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_1_3_3_aZeroLengthClientIdIsTheFirstPayloadField() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect5("", false, 60, Props.none())); // allowed with Clean Start 0 in 5.0
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
            c.send(connect5("one-connack", true, 60, Props.none()));
            assertThat(c.read().type()).isEqualTo(DISCONNECT);
        }
    }

    @Test
    void v5_MQTT_3_2_2_7_aConnackOf0x80OrMoreIsFollowedByClose() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect5("bad-auth", true, 60, Props.of().authMethod("KERBEROS")));
            assertThat(c.read().u8(1)).isGreaterThanOrEqualTo(0x80);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_2_2_16_anAssignedClientIdentifierIsInTheConnack() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect5("", true, 60, Props.none()));
            Packet ack = c.read();
            assertThat((String) connackProperties(ack).get(Props.ASSIGNED_CLIENT_ID)).isNotEmpty();
        }
    }

    // ---------------------------------------------------------------- section 3

    @Test
    void v5_MQTT_3_3_1_1_aRedeliveryHasDup1() throws IOException {
        int id;
        try (RawClient sub = RawClient.connected5(broker.port(), "dup5", false, 60); RawClient pub = connect("dup5-pub")) {
            sub.send(subscribe5(1, "dup5/t", 1));
            sub.readUntil(SUBACK);
            pub.send(publish5("dup5/t", 1, false, 1, "d"));
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
                pub.send(publish5(t, 0, false, 0, "x"));
            }
            assertThat(topicOf(sub.read())).isEqualTo("m5/a/x");
            assertThat(topicOf(sub.read())).isEqualTo("m5/d/x");
        }
    }

    @Test
    void v5_MQTT_3_3_2_4_payloadFormatIndicatorIsForwarded() throws IOException {
        assertThat(forwarded("pfi/t", Props.of().payloadFormat(0x01))).containsExactly(0x01, 0x01);
    }

    @Test
    void v5_MQTT_3_3_2_15_responseTopicIsForwarded() throws IOException {
        Props p = Props.of().responseTopic("reply/to");
        assertThat(forwarded("rt/t", p)).containsExactly(p.bytes());
    }

    @Test
    void v5_MQTT_3_3_2_16_correlationDataIsForwarded() throws IOException {
        Props p = Props.of().correlationData(bytes(0, 0xFF, 7));
        assertThat(forwarded("cd/t", p)).containsExactly(p.bytes());
    }

    @Test
    void v5_MQTT_3_3_2_17_allUserPropertiesAreForwarded() throws IOException {
        Props p = Props.of().userProperty("z", "1").userProperty("a", "2").userProperty("z", "3");
        assertThat(forwarded("up/t", p)).containsExactly(p.bytes());
    }

    @Test
    void v5_MQTT_3_3_2_20_contentTypeIsForwarded() throws IOException {
        Props p = Props.of().contentType("application/cbor");
        assertThat(forwarded("ct/t", p)).containsExactly(p.bytes());
    }

    @Test
    void v5_S3_3_2_3_3_withoutMessageExpiryNoneIsForwarded() throws IOException {
        assertThat(forwarded("noexp/t", Props.none())).isEmpty();
    }

    @Test
    void v5_MQTT_3_3_2_6_theForwardedExpiryIsReducedByTheTimeWaited() throws Exception {
        try (RawClient sub = RawClient.connected5(broker.port(), "exp-wait", false, 60)) {
            sub.send(subscribe5(1, "expw/t", 1));
            sub.readUntil(SUBACK);
        }
        try (RawClient pub = connect("exp-wait-pub")) {
            pub.send(publish5("expw/t", 1, false, 1, Props.of().messageExpiry(10), "e"));
            pub.read();
        }
        Thread.sleep(2100);
        try (RawClient sub = RawClient.connected5(broker.port(), "exp-wait", false, 60)) {
            byte[] p = publishPropertyBytes(sub.read());
            assertThat(p[0]).isEqualTo((byte) 0x02);
            int left = ((p[1] & 0xFF) << 24) | ((p[2] & 0xFF) << 16) | ((p[3] & 0xFF) << 8) | (p[4] & 0xFF);
            assertThat(left).isBetween(7, 8);
        }
    }

    @Test
    void v5_MQTT_3_3_4_3_aSubscriptionIdentifierTravelsWithTheMessage() throws IOException {
        try (RawClient sub = connect("sid-one"); RawClient pub = connect("sid-one-pub")) {
            sub.send(subscribe5(1, "sid1/t", 0, Props.of().subscriptionId(42)));
            sub.readUntil(SUBACK);
            pub.send(publish5("sid1/t", 0, false, 0, "s"));
            assertThat(publishPropertyBytes(sub.read())).containsExactly(0x0B, 42);
        }
    }

    @Test
    void v5_S3_3_2_3_4_aTopicAliasIsNotPassedThroughToSubscribers() throws IOException {
        try (RawClient sub = subscriber("alias-pass", "ap/t", 0); RawClient pub = connect("alias-pass-pub")) {
            pub.send(publish5("ap/t", 0, false, 0, Props.of().topicAlias(3), "a"));
            assertThat(publishPropertyBytes(sub.read())).isEmpty();
        }
    }

    @Test
    void v5_S3_3_2_1_anEmptyTopicWithoutAliasIsAProtocolError() throws IOException {
        try (RawClient c = connect("empty-topic")) {
            c.send(publish5("", 0, false, 0, "x"));
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
                pub.send(publish5("ids1/t", 1, false, i, "x"));
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
            c.send(publish5("pa5/t", 1, false, 777, "x"));
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
                pub.send(publish5("reuse1/t", 1, false, 5, m));
                pub.read();
                assertThat(payload5(sub.read())).isEqualTo(m);
            }
        }
    }

    @Test
    void v5_MQTT_4_3_3_1_qos2OutboundFlowPublishPubrecPubrelPubcomp() throws IOException {
        try (RawClient sub = subscriber("flow2", "flow2/t", 2); RawClient pub = connect("flow2-pub")) {
            pub.send(publish5("flow2/t", 2, false, 1, "x"));
            Packet p = sub.read();
            assertThat((p.flags() >> 1) & 3).isEqualTo(2);
            assertThat(p.flags() & 0x08).as("[MQTT-4.3.3-2]").isZero();
            int id = packetIdOf(p);
            assertThat(sub.stillOpenAfter(300)).as("[MQTT-4.3.3-3] waits for PUBREC").isTrue();
            sub.send(pubrec(id));
            Packet rel = sub.read();
            assertThat(rel.type()).isEqualTo(PUBREL); // [MQTT-4.3.3-4]
            assertThat(rel.flags()).isEqualTo(2);
            assertThat(rel.u16(0)).isEqualTo(id);
            sub.send(pubcomp(id)); // [MQTT-4.3.3-5] PUBREL held until this
            sub.send(pingreq());
            assertThat(sub.read().type()).isEqualTo(PINGRESP);
        }
    }

    @Test
    void v5_MQTT_4_3_3_11_pubrelIsAnsweredWithPubcompOfTheSameId() throws IOException {
        try (RawClient c = connect("comp5")) {
            c.send(publish5("c5/t", 2, false, 300, "x"));
            assertThat(c.read().type()).isEqualTo(PUBREC);
            c.send(pubrel(0x12C));
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
                pub.send(publish5("reuse2/t", 2, false, 9, m));
                pub.read();
                pub.send(pubrel(9));
                pub.read();
                Packet p = sub.read();
                assertThat(payload5(p)).isEqualTo(m);
                int id = packetIdOf(p);
                sub.send(pubrec(id));
                sub.read();
                sub.send(pubcomp(id));
            }
        }
    }

    @Test
    void v5_MQTT_4_3_3_7_aSentQos2MessageIsNotExpiredButCompleted() throws Exception {
        int id;
        try (RawClient sub = RawClient.connected5(broker.port(), "exp-q2", false, 60); RawClient pub = connect("exp-q2-pub")) {
            sub.send(subscribe5(1, "expq2/t", 2));
            sub.readUntil(SUBACK);
            pub.send(publish5("expq2/t", 2, false, 1, Props.of().messageExpiry(1), "e"));
            id = packetIdOf(sub.read());
        }
        Thread.sleep(1500);
        try (RawClient sub = RawClient.connected5(broker.port(), "exp-q2", false, 60)) {
            Packet p = sub.read();
            assertThat(p.type()).as("re-sent although its expiry passed").isEqualTo(PUBLISH);
            assertThat(packetIdOf(p)).isEqualTo(id);
            sub.send(pubrec(id));
            assertThat(sub.read().type()).as("[MQTT-4.3.3-13] the handshake completes").isEqualTo(PUBREL);
        }
    }

    @Test
    void v5_MQTT_3_6_2_1_pubrelForAnUnknownPubrecCarries0x92() throws IOException {
        try (RawClient c = connect("pubrel-92")) {
            c.send(pubrec(66));
            Packet rel = c.read();
            assertThat(rel.type()).isEqualTo(PUBREL);
            assertThat(rel.u8(2)).isEqualTo(0x92);
        }
    }
}
