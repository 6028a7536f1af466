package io.cairn.conformance;

import io.cairn.test.RawClient;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static io.cairn.test.RawClient.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed packets and protocol errors close only the connection that sent them (checklist
 * sections 1 and 13): after every case a healthy client on the same broker still publishes and
 * receives.
 */
class BadInputConformanceTest {

    static TestBroker broker;
    RawClient healthy;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(m -> m.withMaxPacketSize(4096));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @BeforeEach
    void connectHealthyClient() throws IOException {
        healthy = RawClient.connected311(broker.port(), "healthy", true);
        healthy.subscribe311("healthy/t", 1, 1);
    }

    @AfterEach
    void healthyClientIsUnaffected() throws IOException {
        healthy.send(publish311("healthy/t", 1, false, false, 5, "still here".getBytes()));
        Packet a = healthy.read();
        Packet b = healthy.read();
        Packet publish = a.type() == PUBLISH ? a : b;
        assertThat(payload311(publish)).isEqualTo("still here");
        healthy.close();
    }

    /** Sends the bytes after a good 3.1.1 CONNECT and asserts the broker closes the connection. */
    private static void closes311(byte[] bad) throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), "bad311", true)) {
            c.send(bad);
            assertThat(c.closedWithin(3000)).isTrue();
        }
    }

    /** Sends the bytes after a good 5.0 CONNECT and asserts DISCONNECT with {@code reason}, then close. */
    private static void disconnects5(byte[] bad, int reason) throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "bad5", true, 0)) {
            c.send(bad);
            Packet d = c.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).isEqualTo(reason);
            assertThat(c.closedWithin(3000)).isTrue();
        }
    }

    @Test
    void v311_S2_2_3_remainingLengthOfFiveBytesIsMalformed() throws IOException {
        closes311(bytes(0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01));
    }

    @Test
    void v5_S2_1_4_remainingLengthOfFiveBytesIsMalformed() throws IOException {
        disconnects5(bytes(0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01), 0x81);
    }

    @Test
    void v311_S2_2_3_remainingLengthShorterThanTheFieldsIsMalformed() throws IOException {
        // PUBLISH QoS 1 claiming 3 bytes: the topic length says 5
        closes311(bytes(0x32, 0x03, 0x00, 0x05, 0x61));
    }

    @Test
    void v311_MQTT_2_2_2_2_invalidFixedHeaderFlagsClose() throws IOException {
        closes311(bytes(0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00)); // SUBSCRIBE with flags 0000
    }

    @Test
    void v5_MQTT_2_1_3_1_reservedFlagsOnPubackAreMalformed() throws IOException {
        disconnects5(bytes(0x41, 0x02, 0x00, 0x01), 0x81);
    }

    @Test
    void v311_MQTT_3_6_1_1_pubrelWithFlags0000Closes() throws IOException {
        closes311(bytes(0x60, 0x02, 0x00, 0x01));
    }

    @Test
    void v311_MQTT_3_8_1_1_subscribeWithReservedFlagsCloses() throws IOException {
        closes311(packet(0x83, concat(u16(1), str("a"), bytes(0))));
    }

    @Test
    void v311_MQTT_3_10_1_1_unsubscribeWithReservedFlagsCloses() throws IOException {
        closes311(packet(0xA0, concat(u16(1), str("a"))));
    }

    @Test
    void v5_MQTT_3_14_1_1_disconnectWithReservedFlagsIsMalformed() throws IOException {
        disconnects5(bytes(0xE1, 0x00), 0x81);
    }

    @Test
    void v311_S2_2_1_packetType0IsRejected() throws IOException {
        closes311(bytes(0x00, 0x00));
    }

    @Test
    void v311_S2_2_1_packetType15DoesNotExistIn311() throws IOException {
        closes311(bytes(0xF0, 0x00));
    }

    @Test
    void v311_MQTT_1_5_3_1_illFormedUtf8InATopicCloses() throws IOException {
        closes311(packet(0x30, concat(u16(2), bytes(0xC3, 0x28), "x".getBytes())));
    }

    @Test
    void v5_MQTT_1_5_4_1_encodedSurrogateInATopicIsMalformed() throws IOException {
        disconnects5(packet(0x30, concat(u16(3), bytes(0xED, 0xA0, 0x80), bytes(0), "x".getBytes())), 0x81);
    }

    @Test
    void v5_MQTT_1_5_4_2_nullCharacterInATopicIsMalformed() throws IOException {
        disconnects5(packet(0x30, concat(u16(3), bytes(0x61, 0x00, 0x62), bytes(0), "x".getBytes())), 0x81);
    }

    @Test
    void v311_MQTT_3_1_3_4_illFormedUtf8ClientIdClosesWithoutConnack() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(packet(0x10, concat(str("MQTT"), bytes(4, 0x02), u16(60), u16(2), bytes(0xC3, 0x28))));
            assertThat(c.closedWithin(3000)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_3_1_4_publishWithQos3Closes() throws IOException {
        closes311(bytes(0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01));
    }

    @Test
    void v5_MQTT_3_3_1_4_publishWithQos3IsMalformed() throws IOException {
        disconnects5(bytes(0x36, 0x06, 0x00, 0x01, 0x61, 0x00, 0x01, 0x00), 0x81);
    }

    @Test
    void v311_MQTT_2_3_1_1_qos1PublishWithPacketId0Closes() throws IOException {
        closes311(publish311("a", 1, false, false, 0, "x".getBytes()));
    }

    @Test
    void v311_MQTT_2_3_1_1_subscribeWithPacketId0Closes() throws IOException {
        closes311(packet(0x82, concat(u16(0), str("a"), bytes(0))));
    }

    @Test
    void v311_MQTT_3_8_3_3_subscribeWithoutAnyFilterCloses() throws IOException {
        closes311(packet(0x82, u16(1)));
    }

    @Test
    void v311_MQTT_3_8_3_4_subscribeRequestingQos3Closes() throws IOException {
        closes311(packet(0x82, concat(u16(1), str("a"), bytes(3))));
    }

    @Test
    void v311_MQTT_3_8_3_4_subscribeWithReservedBitsInTheQosByteCloses() throws IOException {
        closes311(packet(0x82, concat(u16(1), str("a"), bytes(0x81))));
    }

    @Test
    void v5_MQTT_3_8_3_5_subscriptionOptionsReservedBitsAreMalformed() throws IOException {
        disconnects5(packet(0x82, concat(u16(1), bytes(0), str("a"), bytes(0xC1))), 0x81);
    }

    @Test
    void v5_S3_8_3_1_retainHandling3IsAProtocolError() throws IOException {
        disconnects5(packet(0x82, concat(u16(1), bytes(0), str("a"), bytes(0x30))), 0x82);
    }

    @Test
    void v311_MQTT_3_10_3_2_unsubscribeWithoutAnyFilterCloses() throws IOException {
        closes311(packet(0xA2, u16(1)));
    }

    @Test
    void v5_S2_2_2_2_duplicatePropertyIsAProtocolError() throws IOException {
        disconnects5(packet(0x30, concat(str("a"), bytes(10, 0x02, 0, 0, 0, 9, 0x02, 0, 0, 0, 9), "x".getBytes())), 0x82);
    }

    @Test
    void v5_S2_2_2_2_propertyNotAllowedInThePacketIsMalformed() throws IOException {
        disconnects5(packet(0x30, concat(str("a"), bytes(3, 0x21, 0, 5), "x".getBytes())), 0x81); // Receive Maximum in PUBLISH
    }

    @Test
    void v5_MQTT_3_3_4_6_subscriptionIdentifierFromAClientIsAProtocolError() throws IOException {
        disconnects5(packet(0x30, concat(str("a"), bytes(2, 0x0B, 5), "x".getBytes())), 0x82);
    }

    @Test
    void v5_S3_1_2_11_3_receiveMaximum0InConnectClosesWithoutConnack() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect5("rm0", true, 60, bytes(0x21, 0, 0)));
            assertThat(c.closedWithin(3000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_2_2_15_packetLargerThanMaximumPacketSizeGetsDisconnect0x95() throws IOException {
        disconnects5(packet(0x30, concat(str("big"), bytes(0), new byte[5000])), 0x95);
    }

    @Test
    void v311_packetLargerThanMaxPacketSizeCloses() throws IOException {
        closes311(packet(0x30, concat(str("big"), new byte[5000])));
    }

    @Test
    void v311_MQTT_4_8_0_1_serverOnlyPacketFromAClientCloses() throws IOException {
        closes311(bytes(0x20, 0x02, 0x00, 0x00)); // CONNACK
    }

    @Test
    void v5_MQTT_4_12_0_7_authWithoutAnAuthenticationMethodIsAProtocolError() throws IOException {
        disconnects5(bytes(0xF0, 0x00), 0x82);
    }

    @Test
    void v5_S3_14_2_1_disconnectWithAServerOnlyReasonCodeIsMalformed() throws IOException {
        disconnects5(bytes(0xE0, 0x01, 0x8E), 0x81);
    }

    @Test
    void v311_publishBeforeConnectClosesWithoutAnswer() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(publish311("a", 0, false, false, 0, "x".getBytes()));
            assertThat(c.closedWithin(3000)).isTrue();
        }
    }
}
