package io.cairn.conformance;

import io.cairn.test.RawClient;
import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.TestBroker;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.cairn.test.RawClient.*;
import static org.assertj.core.api.Assertions.assertThat;

/** CONNECT / CONNACK rules of MQTT 3.1, 3.1.1 and 5.0 (checklist section 2), over real sockets. */
class ConnectConformanceTest extends OneBrokerPerClass {

    @Test
    void v311_MQTT_3_1_0_1_firstPacketOtherThanConnectClosesWithoutAnswer() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(0xC0, 0x00); // PINGREQ
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
            c.send(connect5("second-connect-5", true, 60, new byte[0]));
            Packet d = c.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).isEqualTo(0x82);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_2_2_unsupportedProtocolLevelGetsConnack0x01ThenClose() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(packet(0x10, concat(str("MQTT"), bytes(6, 0x02), u16(60), str("lvl6"))));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(CONNACK);
            assertThat(ack.u8(1)).isEqualTo(0x01);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_2_1_unknownProtocolNameClosesWithoutConnack() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(packet(0x10, concat(str("MQTX"), bytes(4, 0x02), u16(60), str("x"))));
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_2_3_reservedConnectFlagSetCloses() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(packet(0x10, concat(str("MQTT"), bytes(4, 0x03), u16(60), str("reserved"))));
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

    private static byte[] disconnect() {
        return bytes(0xE0, 0x00);
    }

    @Test
    void v311_MQTT_3_1_4_2_sameClientIdTakesOverAndClosesTheOldConnection() throws Exception {
        try (RawClient old = RawClient.connected311(broker.port(), "takeover", true);
             RawClient fresh = RawClient.connected311(broker.port(), "takeover", true)) {
            assertThat(old.closedWithin(2000)).isTrue();
            fresh.send(0xC0, 0x00);
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
                c.send(0xC0, 0x00);
                Packet p = c.read();
                assertThat(p.type()).isEqualTo(PINGRESP);
                assertThat(p.body()).isEmpty();
            }
        }
    }

    @Test
    void v5_MQTT_3_2_2_21_maxKeepaliveIsAnnouncedAsServerKeepAlive() throws Exception {
        try (TestBroker capped = TestBroker.start(m -> m.withMaxKeepalive(10))) {
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
            c.send(connect5("auth", true, 60, concat(bytes(0x15), str("SCRAM-SHA-1"))));
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
}
