package io.cairn.conformance;

import io.cairn.test.Packets;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.TestBroker;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Malformed packets and protocol errors (checklist sections 1, 7 and 13) close only the connection
 * that sent them. One healthy Eclipse Paho client stays connected for the whole class, subscribed
 * and publishing: after every case it must still be connected and get its own message back, and
 * nothing the offending connection sent after its bad packet may have reached it.
 *
 * <p>3.1.1 cases assert that the broker closes without answering anything; 5.0 cases after a
 * successful CONNACK assert DISCONNECT 0x81 (Malformed Packet) or 0x82 (Protocol Error) first
 * [MQTT-4.13.1-1]; a bad CONNECT may be answered by a CONNACK with a code >= 0x80 and nothing else.
 */
class BadInputConformanceTest {

    private static final int MAX_PACKET_SIZE = 4096;
    private static final AtomicInteger ids = new AtomicInteger();

    static TestBroker broker;
    static MqttClient healthy;
    static final BlockingQueue<String> healthyReceived = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(m -> m.with(b -> b.maxPacketSize = MAX_PACKET_SIZE));
        healthy = new MqttClient(broker.uri(), "healthy", new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setAutomaticReconnect(false);
        options.setCleanSession(true);
        healthy.connect(options);
        healthy.subscribe("healthy/t", 1, (topic, m) -> healthyReceived.add(new String(m.getPayload(), StandardCharsets.UTF_8)));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            healthy.disconnect();
            healthy.close();
        } finally {
            broker.close();
        }
    }

    @BeforeEach
    void healthyClientIsConnected() {
        healthyReceived.clear();
        assertThat(healthy.isConnected()).as("healthy client connected before the case").isTrue();
    }

    @AfterEach
    void healthyClientIsUnaffected(TestInfo info) throws Exception {
        assertThat(healthy.isConnected()).as("healthy client still connected after " + info.getDisplayName()).isTrue();
        String text = "still here after " + info.getDisplayName();
        healthy.publish("healthy/t", text.getBytes(StandardCharsets.UTF_8), 1, false);
        // the first message it gets is its own: nothing smuggled behind a bad packet was routed
        assertThat(healthyReceived.poll(5, TimeUnit.SECONDS)).isEqualTo(text);
    }

    // ---------------------------------------------------------------- helpers

    private static String id() {
        return "bad-" + ids.incrementAndGet();
    }

    /** The broker closes without sending anything more. */
    private static void assertClosedWithoutAnswer(RawClient c) {
        assertThatThrownBy(c::read).as("the broker closes without answering")
                .isInstanceOfAny(EOFException.class, SocketException.class);
    }

    /** Sends {@code bad} after a good 3.1.1 CONNECT; the broker must close without answering [MQTT-4.8.0-1]. */
    private static void closes311(byte[] bad) throws IOException {
        try (RawClient c = RawClient.connected311(broker.port(), id(), true)) {
            c.send(bad);
            assertClosedWithoutAnswer(c);
        }
    }

    /**
     * Sends {@code bad} after a good 5.0 CONNECT; the broker must send DISCONNECT with one of
     * {@code reasons} and then close [MQTT-4.13.1-1], [MQTT-4.13.2-1].
     */
    private static void disconnects5(byte[] bad, int... reasons) throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), id(), true, 0)) {
            c.send(bad);
            assertDisconnectThenClose(c, reasons);
        }
    }

    private static void assertDisconnectThenClose(RawClient c, int... reasons) throws IOException {
        Packet d = c.read();
        assertThat(d.type()).as("DISCONNECT expected, got %s", d).isEqualTo(DISCONNECT);
        assertThat(d.u8(0)).as("DISCONNECT reason code").isIn(Arrays.stream(reasons).boxed().toArray());
        assertClosedWithoutAnswer(c);
    }

    /**
     * A CONNECT the broker must refuse: it closes, at most after one CONNACK whose code is one of
     * {@code connackCodes} (none given: no CONNACK allowed) [MQTT-3.1.4-1].
     */
    private static void refusesConnect(byte[] connect, int... connackCodes) throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect);
            Packet first;
            try {
                first = c.read();
            } catch (EOFException | SocketException closed) {
                return; // closed without a CONNACK
            }
            assertThat(first.type()).as("only a refusing CONNACK may come before the close: %s", first).isEqualTo(CONNACK);
            assertThat(first.u8(1)).as("CONNACK code").isIn(Arrays.stream(connackCodes).boxed().toArray());
            assertClosedWithoutAnswer(c);
        }
    }

    /** A 3.1.1 or 5.0 CONNECT with the given raw client identifier bytes. */
    private static byte[] connectWithRawClientId(int level, byte[] clientId) {
        byte[] props = level == 5 ? bytes(0) : new byte[0];
        return packet(0x10, concat(str("MQTT"), bytes(level, 0x02), u16(60), props, bin(clientId)));
    }

    /** A 3.1.1 (level 4) or 5.0 CONNECT with a QoS 0 Will on {@code willTopic}. */
    private static byte[] connectWithWill(int level, String clientId, String willTopic) {
        Packets.Connect c = connect(clientId).will(willTopic, "gone", 0, false);
        return level == 5 ? c.v5() : c.v311();
    }

    private static byte[] topicBytes(int... raw) {
        return bin(bytes(raw));
    }

    // ---------------------------------------------------------------- Remaining Length

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
        // QoS 1 PUBLISH claiming 3 bytes while its topic length says 5, then garbage
        closes311(bytes(0x32, 0x03, 0x00, 0x05, 0x61, 0x62, 0x63, 0x64, 0xFF, 0xFF, 0x00));
    }

    @Test
    void v5_S2_1_4_remainingLengthShorterThanTheFieldsIsMalformed() throws IOException {
        disconnects5(bytes(0x32, 0x03, 0x00, 0x05, 0x61, 0x62, 0x63, 0x64, 0xFF, 0xFF, 0x00), 0x81);
    }

    @Test
    void v311_S2_2_3_remainingLengthLongerThanTheFieldsSwallowsTheNextPacketAndCloses() throws IOException {
        // PUBACK says 4 bytes (3.1.1: always 2); the PINGREQ behind it becomes part of it: no PINGRESP, close
        closes311(bytes(0x40, 0x04, 0x00, 0x01, 0xC0, 0x00));
    }

    @Test
    void v5_S2_1_4_remainingLengthLongerThanTheFieldsIsMalformed() throws IOException {
        // UNSUBSCRIBE of "a" claiming 2 more bytes: it swallows the PINGREQ behind it, read as a string length
        byte[] fields = concat(u16(1), bytes(0), str("a"));
        disconnects5(concat(bytes(0xA2, fields.length + 2), fields, pingreq()), 0x81);
    }

    // ---------------------------------------------------------------- fixed-header flags and packet types

    @Test
    void v311_MQTT_2_2_2_2_invalidFixedHeaderFlagsClose() throws IOException {
        closes311(bytes(0x41, 0x02, 0x00, 0x01)); // PUBACK with flags 0001
    }

    @Test
    void v5_MQTT_2_1_3_1_reservedFlagsOnPubackAreMalformed() throws IOException {
        disconnects5(bytes(0x41, 0x02, 0x00, 0x01), 0x81);
    }

    @Test
    void v311_MQTT_3_8_1_1_subscribeWithFlags0000Closes() throws IOException {
        closes311(packet(0x80, concat(u16(1), str("a"), bytes(0))));
    }

    @Test
    void v5_MQTT_3_8_1_1_subscribeWithFlags0000IsMalformed() throws IOException {
        disconnects5(packet(0x80, concat(u16(1), bytes(0), str("a"), bytes(0))), 0x81);
    }

    @Test
    void v311_MQTT_3_8_1_1_subscribeWithFlags0011Closes() throws IOException {
        closes311(packet(0x83, concat(u16(1), str("a"), bytes(0))));
    }

    @Test
    void v311_MQTT_3_6_1_1_pubrelWithFlags0000Closes() throws IOException {
        closes311(bytes(0x60, 0x02, 0x00, 0x01)); // a valid PUBREL would get a PUBCOMP
    }

    @Test
    void v5_MQTT_3_6_1_1_pubrelWithFlags0000IsMalformed() throws IOException {
        disconnects5(bytes(0x60, 0x02, 0x00, 0x01), 0x81);
    }

    @Test
    void v311_MQTT_3_10_1_1_unsubscribeWithFlags0000Closes() throws IOException {
        closes311(packet(0xA0, concat(u16(1), str("a"))));
    }

    @Test
    void v5_MQTT_3_10_1_1_unsubscribeWithFlags0000IsMalformed() throws IOException {
        disconnects5(packet(0xA0, concat(u16(1), bytes(0), str("a"))), 0x81);
    }

    @Test
    void v311_MQTT_2_2_2_2_pingreqWithFlags0001Closes() throws IOException {
        closes311(bytes(0xC1, 0x00)); // a valid PINGREQ would get a PINGRESP
    }

    @Test
    void v5_MQTT_2_1_3_1_pingreqWithFlags0001IsMalformed() throws IOException {
        disconnects5(bytes(0xC1, 0x00), 0x81);
    }

    @Test
    void v311_MQTT_3_14_1_1_disconnectWithFlags0001ClosesAndPublishesTheWill() throws IOException {
        // a valid DISCONNECT discards the Will; a malformed one is a network failure, so the Will is sent
        String willTopic = "will/" + id();
        try (RawClient watcher = RawClient.connected311(broker.port(), id(), true);
             RawClient c = new RawClient(broker.port())) {
            watcher.subscribe311(willTopic, 0, 1);
            c.send(connectWithWill(4, id(), willTopic));
            assertThat(c.read().u8(1)).isZero();
            c.send(bytes(0xE1, 0x00));
            assertClosedWithoutAnswer(c);
            Packet will = watcher.read();
            assertThat(topicOf(will)).isEqualTo(willTopic);
            assertThat(payload311(will)).isEqualTo("gone");
        }
    }

    @Test
    void v5_MQTT_3_14_1_1_disconnectWithReservedFlagsIsMalformedAndPublishesTheWill() throws IOException {
        String willTopic = "will/" + id();
        try (RawClient watcher = RawClient.connected311(broker.port(), id(), true);
             RawClient c = new RawClient(broker.port())) {
            watcher.subscribe311(willTopic, 0, 1);
            c.send(connectWithWill(5, id(), willTopic));
            assertThat(c.read().u8(1)).isZero();
            c.send(bytes(0xE1, 0x00));
            assertDisconnectThenClose(c, 0x81);
            assertThat(topicOf(watcher.read())).isEqualTo(willTopic);
        }
    }

    @Test
    void v311_S2_2_1_packetType0IsRejected() throws IOException {
        closes311(bytes(0x00, 0x00));
    }

    @Test
    void v5_S2_1_2_packetType0IsMalformed() throws IOException {
        disconnects5(bytes(0x00, 0x00), 0x81, 0x82);
    }

    @Test
    void v311_S2_2_1_packetType15DoesNotExistIn311() throws IOException {
        closes311(bytes(0xF0, 0x00));
    }

    @Test
    void v311_MQTT_4_8_0_1_serverOnlyPacketFromAClientCloses() throws IOException {
        closes311(bytes(0x20, 0x02, 0x00, 0x00)); // CONNACK
    }

    @Test
    void v5_MQTT_4_13_1_1_serverOnlyPacketFromAClientGetsDisconnect0x82() throws IOException {
        disconnects5(bytes(0x20, 0x03, 0x00, 0x00, 0x00), 0x81, 0x82); // CONNACK
    }

    // ---------------------------------------------------------------- UTF-8 strings

    @Test
    void v311_MQTT_1_5_3_1_illFormedUtf8InATopicCloses() throws IOException {
        closes311(packet(0x30, concat(topicBytes(0x61, 0xC3, 0x28), "x".getBytes())));
    }

    @Test
    void v311_MQTT_1_5_3_1_encodedSurrogateInATopicCloses() throws IOException {
        closes311(packet(0x30, concat(topicBytes(0x61, 0xED, 0xA0, 0x80), "x".getBytes())));
    }

    @Test
    void v311_MQTT_1_5_3_2_nullCharacterInATopicCloses() throws IOException {
        closes311(packet(0x30, concat(topicBytes(0x61, 0x00, 0x62), "x".getBytes())));
    }

    @Test
    void v5_MQTT_1_5_4_1_illFormedUtf8InATopicIsMalformed() throws IOException {
        disconnects5(packet(0x30, concat(topicBytes(0x61, 0xC3, 0x28), bytes(0), "x".getBytes())), 0x81);
    }

    @Test
    void v5_MQTT_1_5_4_1_encodedSurrogateInATopicIsMalformed() throws IOException {
        disconnects5(packet(0x30, concat(topicBytes(0x61, 0xED, 0xA0, 0x80), bytes(0), "x".getBytes())), 0x81);
    }

    @Test
    void v5_MQTT_1_5_4_2_nullCharacterInTopicIsMalformed() throws IOException {
        disconnects5(packet(0x30, concat(topicBytes(0x61, 0x00, 0x62), bytes(0), "x".getBytes())), 0x81);
    }

    @Test
    void v311_MQTT_3_1_3_4_illFormedUtf8ClientIdClosesWithoutConnack() throws IOException {
        refusesConnect(connectWithRawClientId(4, bytes(0x61, 0xC3, 0x28)));
    }

    @Test
    void v311_MQTT_1_5_3_1_encodedSurrogateInClientIdClosesWithoutConnack() throws IOException {
        refusesConnect(connectWithRawClientId(4, bytes(0x61, 0xED, 0xA0, 0x80)));
    }

    @Test
    void v311_MQTT_1_5_3_2_nullCharacterInClientIdClosesWithoutConnack() throws IOException {
        refusesConnect(connectWithRawClientId(4, bytes(0x61, 0x00, 0x62)));
    }

    @Test
    void v5_MQTT_3_1_3_4_illFormedUtf8ClientIdIsRefused() throws IOException {
        refusesConnect(connectWithRawClientId(5, bytes(0x61, 0xC3, 0x28)), 0x81, 0x85);
    }

    @Test
    void v5_MQTT_1_5_4_1_encodedSurrogateInClientIdIsRefused() throws IOException {
        refusesConnect(connectWithRawClientId(5, bytes(0x61, 0xED, 0xA0, 0x80)), 0x81, 0x85);
    }

    @Test
    void v5_MQTT_1_5_4_2_nullCharacterInClientIdIsRefused() throws IOException {
        refusesConnect(connectWithRawClientId(5, bytes(0x61, 0x00, 0x62)), 0x81, 0x85);
    }

    @Test
    void v5_MQTT_1_5_4_3_byteOrderMarkInATopicIsDeliveredUnchanged() throws IOException {
        // EF BB BF is U+FEFF, a legal character: kept, matched exactly, forwarded byte for byte
        byte[] topic = concat("bom/".getBytes(), bytes(0xEF, 0xBB, 0xBF), "x".getBytes());
        String topicString = new String(topic, StandardCharsets.UTF_8);
        try (RawClient sub = RawClient.connected5(broker.port(), id(), true, 0);
             RawClient plain = RawClient.connected5(broker.port(), id(), true, 0);
             RawClient pub = RawClient.connected5(broker.port(), id(), true, 0)) {
            sub.send(subscribe5(1, topicString, 0));
            assertThat(sub.readUntil(SUBACK).u8(3)).isZero();
            plain.send(subscribe5(1, "bom/x", 0));
            assertThat(plain.readUntil(SUBACK).u8(3)).isZero();
            pub.send(publish5(topicString, 0, false, 0, "with bom"));
            Packet p = sub.read();
            assertThat(Arrays.copyOfRange(p.body(), 2, 2 + p.u16(0))).isEqualTo(topic);
            assertThat(payload5(p)).isEqualTo("with bom");
            assertThat(pub.stillOpenAfter(200)).as("the publisher is not disconnected").isTrue();
            assertThat(plain.stillOpenAfter(200)).as("'bom/x' does not match a topic with U+FEFF in it").isTrue();
        }
    }

    // ---------------------------------------------------------------- PUBLISH

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
        closes311(publish311("a", 1, false, false, 0, "x".getBytes())); // a valid one would get a PUBACK
    }

    @Test
    void v311_MQTT_2_3_1_1_qos2PublishWithPacketId0Closes() throws IOException {
        closes311(publish311("a", 2, false, false, 0, "x".getBytes()));
    }

    @Test
    void v5_MQTT_2_2_1_3_qos1PublishWithPacketId0IsRejected() throws IOException {
        disconnects5(publish5("a", 1, false, 0, "x"), 0x81, 0x82);
    }

    @Test
    void v311_MQTT_2_3_1_6_pubackWithPacketId0Closes() throws IOException {
        closes311(puback(0)); // no PUBLISH has id 0, so this acknowledges none
    }

    @Test
    void v311_MQTT_2_3_1_6_pubrelWithPacketId0Closes() throws IOException {
        closes311(pubrel(0)); // a PUBREL of an unknown non-zero id would get a PUBCOMP
    }

    @Test
    void v5_MQTT_2_2_1_5_pubackWithPacketId0IsMalformed() throws IOException {
        disconnects5(puback(0), 0x81);
    }

    @Test
    void v5_MQTT_2_2_1_5_pubrelWithPacketId0IsMalformed() throws IOException {
        disconnects5(pubrel(0, 0x00), 0x81); // not PUBCOMP 0x92
    }

    @Test
    void v5_S3_3_2_3_2_payloadFormatIndicator2IsMalformed() throws IOException {
        // the spec defines only 0 and 1 and names no Protocol Error for other values (§2.2.2.2)
        disconnects5(publish5("a", 0, false, 0, Props.of().payloadFormat(2), "x"), 0x81);
    }

    @Test
    void v5_S3_1_2_11_7_requestProblemInformation2IsAProtocolError() throws IOException {
        refusesConnect(connect5(id(), true, 30, Props.of().requestProblemInfo(2)), 0x82);
    }

    // ---------------------------------------------------------------- SUBSCRIBE / UNSUBSCRIBE

    @Test
    void v311_MQTT_2_3_1_1_subscribeWithPacketId0Closes() throws IOException {
        closes311(subscribe311(0, "a", 0));
    }

    @Test
    void v5_MQTT_2_2_1_3_subscribeWithPacketId0IsRejected() throws IOException {
        disconnects5(subscribe5(0, "a", 0), 0x81, 0x82);
    }

    @Test
    void v311_MQTT_3_8_3_3_subscribeWithoutAnyFilterCloses() throws IOException {
        closes311(subscribe(1).v311()); // no filter
    }

    @Test
    void v5_MQTT_3_8_3_2_subscribeWithoutAnyFilterIsAProtocolError() throws IOException {
        disconnects5(subscribe(1).v5(), 0x82); // no filter
    }

    @Test
    void v311_MQTT_3_8_3_4_subscribeRequestingQos3Closes() throws IOException {
        closes311(subscribe311(1, "a", 3));
    }

    @Test
    void v311_MQTT_3_8_3_4_subscribeWithReservedBitsInTheQosByteCloses() throws IOException {
        closes311(subscribe311(1, "a", 0x81));
    }

    @Test
    void v5_MQTT_3_8_3_5_subscriptionOptionsReservedBitsAreMalformed() throws IOException {
        disconnects5(subscribe5(1, "a", 0xC1), 0x81);
    }

    @Test
    void v5_S3_8_3_1_retainHandling3IsAProtocolError() throws IOException {
        disconnects5(subscribe5(1, "a", 0x30), 0x82);
    }

    @Test
    void v311_MQTT_3_10_3_2_unsubscribeWithoutAnyFilterCloses() throws IOException {
        closes311(unsubscribe311(1)); // no filter
    }

    @Test
    void v5_MQTT_3_10_3_2_unsubscribeWithoutAnyFilterIsAProtocolError() throws IOException {
        disconnects5(unsubscribe5(1), 0x82); // no filter
    }

    @Test
    void v311_S4_13_subscribeWithoutItsQosByteIsMalformed() throws IOException {
        closes311(packet(0x82, concat(u16(1), str("a"))));
    }

    @Test
    void v5_S4_13_publishWithoutItsPropertyLengthIsMalformed() throws IOException {
        disconnects5(bytes(0x30, 0x03, 0x00, 0x01, 0x61), 0x81);
    }

    // ---------------------------------------------------------------- CONNECT first

    @Test
    void v311_MQTT_3_1_0_1_pingreqBeforeConnectClosesWithoutAnswer() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(pingreq());
            assertClosedWithoutAnswer(c);
        }
    }

    @Test
    void v311_MQTT_3_1_0_1_publishBeforeConnectClosesWithoutAnswer() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(publish311("healthy/t", 0, false, false, 0, "smuggled before CONNECT".getBytes()));
            assertClosedWithoutAnswer(c);
        }
    }

    @Test
    void v5_MQTT_3_1_0_1_subscribeBeforeConnectClosesWithoutAnswer() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(subscribe5(1, "a", 0));
            assertClosedWithoutAnswer(c);
        }
    }

    // ---------------------------------------------------------------- nothing after the error is acted on

    @Test
    void v311_MQTT_4_8_0_1_packetsAfterAMalformedOneAreNotProcessed() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), id(), true)) {
            c.send(concat(bytes(0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01),
                    publish311("healthy/t", 0, false, false, 0, "smuggled after a bad packet".getBytes())));
            assertClosedWithoutAnswer(c);
        }
        assertThat(healthyReceived.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void v5_MQTT_4_13_2_1_packetsAfterAMalformedOneAreNotProcessed() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), id(), true, 0)) {
            c.send(concat(bytes(0x36, 0x06, 0x00, 0x01, 0x61, 0x00, 0x01, 0x00),
                    publish5("healthy/t", 0, false, 0, "smuggled after a bad packet")));
            assertDisconnectThenClose(c, 0x81);
        }
        assertThat(healthyReceived.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }

    // ---------------------------------------------------------------- 5.0 properties and limits

    @Test
    void v5_S2_2_2_2_duplicatePropertyIsAProtocolError() throws IOException {
        // Message Expiry Interval twice in a PUBLISH
        disconnects5(publish5("a", 0, false, 0, Props.of().messageExpiry(9).messageExpiry(9), "x"), 0x82);
    }

    @Test
    void v5_S2_2_2_2_duplicatePropertyInConnectIsRefused() throws IOException {
        // Session Expiry Interval twice: no CONNACK 0x00; at most CONNACK 0x82 then close
        refusesConnect(connect5(id(), true, 60, Props.of().sessionExpiry(5).sessionExpiry(5)), 0x81, 0x82);
    }

    @Test
    void v5_S2_2_2_2_propertyNotAllowedInThePacketIsMalformed() throws IOException {
        disconnects5(publish5("a", 0, false, 0, Props.of().receiveMaximum(5), "x"), 0x81); // Receive Maximum in PUBLISH
    }

    @Test
    void v5_MQTT_3_3_4_6_subscriptionIdentifierFromAClientIsAProtocolError() throws IOException {
        disconnects5(publish5("a", 0, false, 0, Props.of().subscriptionId(5), "x"), 0x82);
    }

    @Test
    void v5_S3_1_2_11_3_receiveMaximum0InConnectIsRefused() throws IOException {
        refusesConnect(connect5(id(), true, 60, Props.of().receiveMaximum(0)), 0x82);
    }

    @Test
    void v5_MQTT_4_12_0_7_authWithoutAnAuthenticationMethodIsAProtocolError() throws IOException {
        disconnects5(auth(), 0x82);
    }

    @Test
    void v5_S3_14_2_1_disconnectWithAServerOnlyReasonCodeIsMalformed() throws IOException {
        disconnects5(disconnect5(0x8E), 0x81);
    }

    @Test
    void v5_MQTT_3_2_2_15_packetLargerThanMaximumPacketSizeGetsDisconnect0x95() throws IOException {
        disconnects5(publish5("big", 0, false, false, 0, Props.none(), new byte[MAX_PACKET_SIZE + 100]), 0x95);
    }

    @Test
    void v5_MQTT_3_2_2_15_oversizePacketIsRefusedFromItsHeaderAlone() throws IOException {
        // Remaining Length says 10 MB; the broker must not wait for (or buffer) the body to refuse it
        disconnects5(concat(bytes(0x30, 0x80, 0x80, 0x80, 0x05), str("big"), bytes(0)), 0x95);
    }

    @Test
    void v311_oversizePacketClosesOnlyThatConnection() throws IOException {
        // 3.1.1 has no Maximum Packet Size; the configured max_packet_size still bounds what is buffered
        closes311(publish311("big", 0, false, false, 0, new byte[MAX_PACKET_SIZE + 100]));
    }
}
