package io.cairn.conformance;

import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.TestBroker;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** CONNECT / CONNACK rules of MQTT 3.1, 3.1.1 and 5.0 (checklist section 2), over real sockets. */
class ConnectConformanceTest extends OneBrokerPerClass {

    @Test
    void v311_MQTT_3_1_0_1_firstPacketOtherThanConnectClosesWithoutAnswer() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(pingreq());
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_0_2_secondConnectClosesTheConnection() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "second-connect", true)) {
            c.send(connect311("second-connect", true, 60));
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_1_0_2_secondConnectIsAProtocolErrorWithDisconnect0x82() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "second-connect-5", true, 0)) {
            c.send(connect5("second-connect-5", true, 60, Props.none()));
            Packet d = c.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).isEqualTo(0x82);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_2_2_unsupportedProtocolLevelGetsConnack0x01ThenClose() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect("lvl6").protocol("MQTT", 6).v311());
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(CONNACK);
            assertThat(ack.u8(1)).isEqualTo(0x01);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_2_1_unknownProtocolNameClosesWithoutConnack() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect("x").protocol("MQTX", 4).v311());
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_2_3_reservedConnectFlagSetCloses() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect("reserved").flags(0x03).v311()); // reserved flag bit 0 set
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_3_8_emptyClientIdWithCleanSession0IsRejectedWith0x02() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect311("", false, 60));
            Packet ack = c.read();
            assertThat(ack.u8(1)).isEqualTo(0x02);
            assertThat(ack.u8(0)).as("session present on a refusal [MQTT-3.2.2-4]").isZero();
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_3_6_emptyClientIdWithCleanSession1IsAccepted() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect311("", true, 60));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(CONNACK);
            assertThat(ack.u8(1)).isZero();
            c.send(subscribe311(1, "anon/t", 0));
            assertThat(c.readUntil(SUBACK).u8(2)).isZero();
        }
    }

    @Test
    void v5_MQTT_3_1_3_7_emptyClientIdGetsAUniqueAssignedClientIdentifier() throws Exception {
        String first = assignedId();
        String second = assignedId();
        assertThat(first).isNotBlank();
        assertThat(second).isNotBlank().isNotEqualTo(first); // [MQTT-3.2.2-16]
    }

    private String assignedId() throws Exception {
        MqttClient c = new MqttClient(broker.uri(), "", new MemoryPersistence());
        try {
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setCleanStart(true);
            IMqttToken t = c.connectWithResult(o);
            return t.getResponseProperties().getAssignedClientIdentifier();
        } finally {
            c.disconnect();
            c.close();
        }
    }

    @Test
    void v31_clientIdOf24CharactersIsRejectedWith0x02() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect31("abcdefghijklmnopqrstuvwx", true, 60));
            assertThat(c.read().u8(1)).isEqualTo(0x02);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v31_acceptedConnackHasNoSessionPresentFlag() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect31("v31-persist", false, 60));
            assertThat(c.read().u8(1)).isZero();
        }
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect31("v31-persist", false, 60));
            Packet ack = c.read();
            assertThat(ack.u8(1)).isZero();
            assertThat(ack.u8(0)).as("3.1 has no session present flag").isZero();
        }
    }

    @Test
    void v311_MQTT_3_2_2_1_cleanSessionGivesSessionPresent0() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "sp-clean", false)) {
            c.subscribe311("sp/t", 1, 1);
        }
        try (RawClient c = RawClient.connected311(broker.port(), "sp-clean", true)) {
            assertThat(c.connack().u8(0)).isZero();
        }
    }

    @Test
    void v311_MQTT_3_2_2_2_resumedSessionGivesSessionPresent1() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "sp-resume", false)) {
            assertThat(c.connack().u8(0)).as("no session yet [MQTT-3.2.2-3]").isZero();
        }
        try (RawClient c = RawClient.connected311(broker.port(), "sp-resume", false)) {
            assertThat(c.connack().u8(0)).isEqualTo(1);
        }
    }

    @Test
    void v5_MQTT_3_1_2_5_cleanStart0WithExpiryResumesTheSession() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "sp5", true, 300)) {
            assertThat(c.connack().u8(0)).isZero();
        }
        try (RawClient c = RawClient.connected5(broker.port(), "sp5", false, 300)) {
            assertThat(c.connack().u8(0)).isEqualTo(1);
        }
        try (RawClient c = RawClient.connected5(broker.port(), "sp5", true, 0)) {
            assertThat(c.connack().u8(0)).as("Clean Start discards it [MQTT-3.1.2-4]").isZero();
        }
    }

    @Test
    void v5_S3_1_2_11_2_sessionExpiryAbsentMeansTheSessionEndsWithTheConnection() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "sp5-zero", true, 0)) {
            c.send(disconnect());
        }
        Thread.sleep(200);
        try (RawClient c = RawClient.connected5(broker.port(), "sp5-zero", false, 0)) {
            assertThat(c.connack().u8(0)).isZero();
        }
    }

    @Test
    void v311_MQTT_3_1_4_2_sameClientIdTakesOverAndClosesTheOldConnection() throws Exception {
        try (RawClient old = RawClient.connected311(broker.port(), "takeover", true);
             RawClient fresh = RawClient.connected311(broker.port(), "takeover", true)) {
            assertThat(old.closedWithin(2000)).isTrue();
            fresh.send(pingreq());
            assertThat(fresh.read().type()).isEqualTo(PINGRESP);
        }
    }

    @Test
    void v5_MQTT_3_1_4_3_takeoverSendsDisconnect0x8EToTheOldConnection() throws Exception {
        try (RawClient old = RawClient.connected5(broker.port(), "takeover5", true, 0);
             RawClient fresh = RawClient.connected5(broker.port(), "takeover5", true, 0)) {
            Packet d = old.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).isEqualTo(0x8E);
            assertThat(old.closedWithin(2000)).isTrue();
        }
    }

    /**
     * The old connection goes on sending after it was taken over. Closed at once, its socket would
     * answer the client's data with a reset, which can destroy the DISCONNECT before the client
     * reads it; the broker half-closes after the DISCONNECT instead and reads on until the client
     * closes (at most a second).
     */
    @Test
    void v5_MQTT_3_1_4_3_anOldConnectionStillSendingReadsTheDisconnect0x8E() throws Exception {
        try (RawClient old = RawClient.connected5(broker.port(), "takeover5-busy", true, 0);
             RawClient fresh = RawClient.connected5(broker.port(), "takeover5-busy", true, 0)) {
            for (int i = 0; i < 30; i++) { // the broker has sent the DISCONNECT and ended its side by now
                Thread.sleep(10);
                old.send(pingreq());
            }
            Packet d = old.readUntil(DISCONNECT);
            assertThat(d.u8(0)).isEqualTo(0x8E);
            assertThat(old.closedWithin(3000)).isTrue();
            fresh.send(pingreq());
            assertThat(fresh.read().type()).isEqualTo(PINGRESP);
        }
    }

    @Test
    void v311_MQTT_3_1_2_24_silenceFor1_5TimesKeepAliveClosesTheConnection() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect311("keepalive-1", true, 1));
            assertThat(c.read().u8(1)).isZero();
            long t0 = System.currentTimeMillis();
            assertThat(c.closedWithin(4000)).isTrue();
            assertThat(System.currentTimeMillis() - t0).isBetween(1000L, 3000L);
        }
    }

    @Test
    void v311_MQTT_3_12_4_1_pingreqKeepsTheConnectionAliveAndGetsPingresp() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect311("keepalive-ping", true, 1));
            c.read();
            for (int i = 0; i < 4; i++) {
                Thread.sleep(700);
                c.send(pingreq());
                Packet p = c.read();
                assertThat(p.type()).isEqualTo(PINGRESP);
                assertThat(p.body()).isEmpty();
            }
        }
    }

    @Test
    void v5_MQTT_3_2_2_21_maxKeepaliveIsAnnouncedAsServerKeepAlive() throws Exception {
        try (TestBroker capped = TestBroker.start(m -> m.with(b -> b.maxKeepalive = 10))) {
            MqttClient c = new MqttClient(capped.uri(), "ska", new MemoryPersistence());
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setKeepAliveInterval(60);
            IMqttToken t = c.connectWithResult(o);
            assertThat(t.getResponseProperties().getServerKeepAlive()).isEqualTo(10);
            c.disconnect();
            c.close();
        }
    }

    @Test
    void v5_MQTT_4_12_0_1_unsupportedAuthenticationMethodGetsConnack0x8C() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect5("auth", true, 60, Props.of().authMethod("SCRAM-SHA-1")));
            Packet ack = c.read();
            assertThat(ack.u8(1)).isEqualTo(0x8C);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v311_pipelinedSubscribeAndPublishBehindConnectAreProcessedInOrder() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(concat(connect311("pipeline", true, 60), subscribe311(1, "pipe/t", 1),
                    publish311("pipe/t", 1, false, false, 7, "hello".getBytes(StandardCharsets.UTF_8))));
            assertThat(c.read().type()).isEqualTo(CONNACK);
            assertThat(c.read().type()).isEqualTo(SUBACK);
            Packet first = c.read();
            Packet second = c.read();
            Packet puback = first.type() == PUBACK ? first : second;
            Packet publish = first.type() == PUBLISH ? first : second;
            assertThat(puback.u16(0)).isEqualTo(7);
            assertThat(payload311(publish)).isEqualTo("hello");
        }
    }

    // ---------------------------------------------------------------- added with the session tests

    @Test
    void v5_MQTT_3_1_0_1_firstPacketOtherThanConnectClosesWithoutAnswer() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(subscribe5(1, "first/not/connect", 0));
            assertThatThrownBy(c::read).as("closed, nothing sent").isInstanceOf(EOFException.class);
        }
    }

    @Test
    void v5_MQTT_3_1_2_3_reservedConnectFlagIsMalformedAndCloses() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect("reserved5").flags(0x03).v5()); // reserved flag bit 0 set
            List<Packet> before = new ArrayList<>();
            try {
                while (true) {
                    before.add(c.read());
                }
            } catch (EOFException closed) {
                // expected
            }
            // a CONNACK 0x81 first is allowed [MQTT-3.1.4-1]; acceptance is not
            assertThat(before).allSatisfy(p -> {
                assertThat(p.type()).isEqualTo(CONNACK);
                assertThat(p.u8(1)).isGreaterThanOrEqualTo(0x80);
            });
        }
    }

    @Test
    void v31_emptyClientIdIsRejectedWith0x02() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect31("", true, 60));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(CONNACK);
            assertThat(ack.u8(1)).isEqualTo(0x02);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v31_clientIdsOf1To23CharactersAreAccepted() throws Exception {
        for (String id : List.of("a", "abcdefghijklmnopqrstuvw")) {
            try (RawClient c = new RawClient(broker.port())) {
                c.send(connect31(id, true, 60));
                Packet ack = c.read();
                assertThat(ack.type()).isEqualTo(CONNACK);
                assertThat(ack.u8(1)).as("id of %d characters", id.length()).isZero();
                c.send(subscribe311(1, "v31/" + id, 1));
                assertThat(c.readUntil(SUBACK).u8(2)).isEqualTo(1);
            }
        }
    }

    @Test
    void v5_MQTT_3_1_3_6_emptyClientIdWithCleanStart0IsAcceptedUnderAnAssignedId() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect5("", false, 60, Props.none()));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(CONNACK);
            assertThat(ack.u8(1)).as("5.0 has no 0x02 rule for Clean Start 0").isZero();
            assertThat(ack.u8(0)).as("a new id has no stored session").isZero();
            assertThat((String) connackProperties(ack).get(Props.ASSIGNED_CLIENT_ID)).as("Assigned Client Identifier [MQTT-3.1.3-7]")
                    .isNotEmpty();
        }
    }

    @Test
    void v5_MQTT_3_2_2_16_assignedClientIdsAreUniqueAmongConnectedClients() throws Exception {
        List<RawClient> clients = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        try {
            for (int i = 0; i < 5; i++) {
                RawClient c = new RawClient(broker.port());
                clients.add(c);
                c.send(connect5("", true, 60, Props.none()));
                Packet ack = c.read();
                assertThat(ack.u8(1)).isZero();
                ids.add((String) connackProperties(ack).get(Props.ASSIGNED_CLIENT_ID));
            }
            assertThat(ids).hasSize(5).doesNotContainNull();
            for (RawClient c : clients) {
                c.send(pingreq());
                assertThat(c.read().type()).as("no connection displaced another").isEqualTo(PINGRESP);
            }
        } finally {
            for (RawClient c : clients) {
                c.close();
            }
        }
    }

    @Test
    void v5_MQTT_3_2_2_6_aRefusingConnackHasSessionPresent0EvenWithAStoredSession() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "refused-sp5", true, 300)) {
            c.send(subscribe5(1, "refused/sp5", 1));
            c.readUntil(SUBACK);
        }
        Thread.sleep(150);
        try (RawClient c = new RawClient(broker.port())) {
            // Clean Start 0 for a stored session, refused for its authentication method
            c.send(connect5("refused-sp5", false, 60, Props.of().sessionExpiry(300).authMethod("SCRAM-SHA-1")));
            Packet ack = c.read();
            assertThat(ack.u8(1)).isEqualTo(0x8C);
            assertThat(ack.u8(0)).isZero();
            assertThat(c.closedWithin(2000)).as("[MQTT-3.2.2-7]").isTrue();
        }
    }

    @Test
    void v5_S3_1_4_pipelinedSubscribeAndPublishBehindConnectAreProcessedInOrder() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(concat(connect5("pipeline5", true, 60, Props.none()),
                    subscribe5(1, "pipe5/t", 1),
                    publish5("pipe5/t", 0, false, 0, "zero"),
                    publish5("pipe5/t", 1, false, 9, "one")));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(CONNACK);
            assertThat(ack.u8(1)).isZero();
            Packet suback = c.read();
            assertThat(suback.type()).isEqualTo(SUBACK);
            assertThat(suback.u16(0)).isEqualTo(1);
            Packet first = c.read();
            assertThat(first.type()).isEqualTo(PUBLISH);
            assertThat(payload5(first)).as("the QoS 0 message, published after the SUBSCRIBE").isEqualTo("zero");
            Packet a = c.read();
            Packet b = c.read();
            Packet puback = a.type() == PUBACK ? a : b;
            Packet second = a.type() == PUBLISH ? a : b;
            assertThat(puback.type()).isEqualTo(PUBACK);
            assertThat(puback.u16(0)).isEqualTo(9);
            assertThat(second.type()).isEqualTo(PUBLISH);
            assertThat(payload5(second)).isEqualTo("one");
            assertThat(qos(second)).isEqualTo(1);
        }
    }

    @Test
    void v311_MQTT_3_1_4_2_takeoverClosesTheOldConnectionAndHandsTheSessionToTheNewOne() throws Exception {
        try (RawClient old = RawClient.connected311(broker.port(), "takeover-works", false)) {
            old.subscribe311("takeover/works", 1, 1);
            try (RawClient fresh = RawClient.connected311(broker.port(), "takeover-works", false);
                 RawClient pub = RawClient.connected311(broker.port(), "takeover-works-pub", true)) {
                assertThat(old.closedWithin(2000)).isTrue();
                assertThat(fresh.connack().u8(0)).as("session present").isEqualTo(1);
                pub.send(publish311("takeover/works", 1, false, false, 1, "to-new".getBytes(StandardCharsets.UTF_8)));
                Packet p = fresh.read();
                assertThat(payload311(p)).isEqualTo("to-new");
            }
        }
    }
}
