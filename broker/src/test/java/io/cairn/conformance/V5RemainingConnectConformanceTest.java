package io.cairn.conformance;

import io.cairn.config.BrokerConfig;
import io.cairn.security.PasswordFile;
import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The remaining MQTT 5.0 statements of checklist sections 2 (CONNECT / CONNACK), 8 (DISCONNECT)
 * and 15 (Will), one test each, over real sockets; most have a 3.1.1 twin elsewhere.
 */
class V5RemainingConnectConformanceTest extends OneBrokerPerClass {

    /** The CONNACK reason codes of the 5.0 table (section 3.2.2.2). */
    static final Set<Integer> CONNACK_CODES = Set.of(0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
            0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F);
    /** The DISCONNECT reason codes a server may send (section 3.14.2.1; 0x04 is the client's). */
    static final Set<Integer> SERVER_DISCONNECT_CODES = Set.of(0x00, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B,
            0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F,
            0xA0, 0xA1, 0xA2);

    @TempDir
    Path dir;

    /**
     * Sends {@code connect} on a new connection and asserts that the broker closes it, with or
     * without a refusing CONNACK first; returns that CONNACK's reason code, or -1 if there was none.
     */
    static int refusedAndClosed(int port, byte[] connect) throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.send(connect);
            Packet first;
            try {
                first = c.poll(3000);
            } catch (IOException closed) {
                return -1; // closed without a CONNACK
            }
            if (first == null) {
                throw new AssertionError("neither a CONNACK nor a close within 3 s");
            }
            assertThat(first.type()).isEqualTo(CONNACK);
            int code = connackCode(first);
            assertThat(code).as("a refusal").isGreaterThanOrEqualTo(0x80);
            assertThat(sessionPresent(first)).as("Session Present 0 on a refusal").isFalse();
            assertThat(c.closedWithin(2000)).as("closed after the refusing CONNACK").isTrue();
            return code;
        }
    }

    private static int refusedAndClosed(byte[] connect) throws IOException {
        return refusedAndClosed(broker.port(), connect);
    }

    // ---------------------------------------------------------------- section 2

    @Test
    void v5_MQTT_3_1_2_1_aProtocolNameOtherThanMqttIsRefusedAndClosed() throws IOException {
        int code = refusedAndClosed(connect("bad-name5").protocol("MQTX", 5).v5());
        assertThat(code).as("no CONNACK, or 0x84 Unsupported Protocol Version").isIn(-1, 0x84);
    }

    @Test
    void v5_MQTT_3_1_3_12_aUserNameThatIsNotUtf8IsRefusedAndClosed() throws IOException {
        int code = refusedAndClosed(connect("bad-user5").user(bytes(0xC3, 0x28)).v5());
        assertThat(code).isIn(-1, 0x80, 0x81);
        // the password, binary data, may hold any bytes
        try (RawClient c = RawClient.accepted(broker.port(), connect("bin-pw5").user("u").password(bytes(0xFF, 0x00, 0xC3)).v5())) {
            assertThat(connackCode(c.connack())).isZero();
        }
    }

    @Test
    void v5_MQTT_3_1_4_2_failedAuthenticationIsRefusedWithConnack0x86Or0x87AndClosed() throws Exception {
        Path passwords = dir.resolve("passwd");
        PasswordFile.setUser(passwords, "alice", "alice-pw".getBytes(StandardCharsets.UTF_8));
        try (TestBroker auth = TestBroker.startWith(c -> c.withAuth(new BrokerConfig.Auth(false, passwords, null)))) {
            assertThat(refusedAndClosed(auth.port(), connect("auth-bad").user("alice").password("wrong").v5()))
                    .isEqualTo(0x86);
            assertThat(refusedAndClosed(auth.port(), connect("auth-anon").v5())).isEqualTo(0x87);
            try (RawClient ok = RawClient.accepted(auth.port(), connect("auth-ok").user("alice").password("alice-pw").v5())) {
                assertThat(connackCode(ok.connack())).isZero();
            }
        }
    }

    @Test
    void v5_MQTT_3_1_3_1_payloadFieldsAreReadInTheirOrder() throws Exception {
        Path passwords = dir.resolve("passwd-order");
        PasswordFile.setUser(passwords, "bob", "bob-pw".getBytes(StandardCharsets.UTF_8));
        try (TestBroker auth = TestBroker.startWith(c -> c.withAuth(new BrokerConfig.Auth(false, passwords, null)));
             RawClient watcher = RawClient.accepted(auth.port(), connect("order-watch").user("bob").password("bob-pw").v5())) {
            watcher.subscribe5("order/will", 0, 1);
            // Client Identifier, Will Properties, Will Topic, Will Payload, User Name, Password
            byte[] all = connect("order-all").will("order/will", "the will", 0, false)
                    .willProps(Props.of().contentType("text/plain")).user("bob").password("bob-pw").v5();
            try (RawClient c = RawClient.accepted(auth.port(), all)) {
                assertThat(connackCode(c.connack())).as("user name and password read after the will fields").isZero();
            } // closed without DISCONNECT: the will is published
            Packet will = nextPublish(watcher);
            assertThat(topicOf(will)).isEqualTo("order/will");
            assertThat(payload5(will)).isEqualTo("the will");
            assertThat(prop(will, Props.CONTENT_TYPE)).containsExactly("text/plain");
        }
    }

    @Test
    void v5_MQTT_3_1_3_2_theClientIdKeysTheSessionState() throws IOException {
        try (RawClient a = RawClient.connected5(broker.port(), "keyed5-a", false, 300)) {
            a.subscribe5("keyed5/t", 1, 1);
        }
        try (RawClient b = RawClient.connected5(broker.port(), "keyed5-b", false, 300)) {
            assertThat(sessionPresent(b.connack())).as("another client id has no session").isFalse();
        }
        try (RawClient pub = RawClient.connected5(broker.port(), "keyed5-pub", true, 0)) {
            pub.send(publish5("keyed5/t", 1, false, 1, "for a"));
            pub.readUntil(PUBACK);
        }
        try (RawClient a = RawClient.connected5(broker.port(), "keyed5-a", false, 0)) {
            assertThat(sessionPresent(a.connack())).isTrue();
            assertThat(payload5(nextPublish(a))).as("the session's queued message").isEqualTo("for a");
        }
    }

    @Test
    void v5_MQTT_3_1_3_5_clientIdsOf1To23AlphanumericCharactersAreAccepted() throws IOException {
        for (String id : new String[] {"a", "Z9", "abcdefghijklmnopqrstuvW", "0123456789ABCDEFGHIJKLM"}) {
            try (RawClient c = RawClient.connected5(broker.port(), id, true, 0)) {
                assertThat(connackCode(c.connack())).isZero();
                assertThat(connackProperties(c.connack())).as("the client's own id is kept")
                        .doesNotContainKey(Props.ASSIGNED_CLIENT_ID);
            }
        }
    }

    @Test
    void v5_MQTT_3_1_3_8_aClientIdThatIsNotUtf8IsRefusedAndClosed() throws IOException {
        // Protocol Name, Level 5, Clean Start, Keep Alive 60, no properties, Client Identifier 0xFF
        byte[] connect = packet(0x10, concat(str("MQTT"), bytes(5, 0x02), u16(60), bytes(0), u16(1), bytes(0xFF)));
        assertThat(refusedAndClosed(connect)).as("no CONNACK, or a failure code such as 0x85")
                .isIn(-1, 0x80, 0x81, 0x85);
    }

    @Test
    void v5_MQTT_3_1_4_4_cleanStartIsAppliedAfterTheConnectIsValidated() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "rules5", false, 300)) {
            assertThat(sessionPresent(c.connack())).isFalse();
            c.subscribe5("rules5/t", 1, 1);
        }
        // a refused CONNECT (Will QoS 1 with an invalid Will Topic) must not discard the session
        refusedAndClosed(connect("rules5").clean(true).will("rules5/#", "w", 1, false).v5());
        try (RawClient c = RawClient.connected5(broker.port(), "rules5", false, 300)) {
            assertThat(sessionPresent(c.connack())).as("Clean Start 0 resumes the session").isTrue();
        }
        try (RawClient c = RawClient.connected5(broker.port(), "rules5", true, 300);
             RawClient pub = RawClient.connected5(broker.port(), "rules5-pub", true, 0)) {
            assertThat(sessionPresent(c.connack())).as("Clean Start 1 discards it").isFalse();
            pub.send(publish5("rules5/t", 1, false, 1, "gone"));
            pub.readUntil(PUBACK);
            assertThat(c.silentFor(500)).as("the old subscription went with the session").isTrue();
        }
    }

    @Test
    void v5_MQTT_3_1_4_6_dataSentAfterARefusedConnectIsNotActedOn() throws IOException {
        // refused (Will Topic with a wildcard: 0x90), followed in the same write by a retained PUBLISH
        byte[] refused = connect("after-refusal").will("after/#", "w", 0, false).v5();
        byte[] publish = publish5("after/refusal", 0, true, 0, "must not be stored");
        try (RawClient c = new RawClient(broker.port())) {
            c.send(concat(refused, publish));
            Packet ack = c.read();
            assertThat(connackCode(ack)).isGreaterThanOrEqualTo(0x80);
            assertThat(c.closedWithin(2000)).isTrue();
        }
        try (RawClient sub = RawClient.connected5(broker.port(), "after-refusal-sub", true, 0)) {
            sub.subscribe5("after/refusal", 0, 1);
            assertThat(sub.silentFor(500)).as("no retained message from the refused connection").isTrue();
        }
    }

    @Test
    void v5_MQTT_3_2_0_1_theFirstPacketTheBrokerSendsIsConnack() throws IOException {
        try (RawClient sub = RawClient.connected5(broker.port(), "first5-sub", false, 300)) {
            sub.subscribe5("first5/t", 1, 1);
        }
        try (RawClient pub = RawClient.connected5(broker.port(), "first5-pub", true, 0)) {
            pub.send(publish5("first5/t", 1, false, 1, "queued"));
            pub.readUntil(PUBACK);
        }
        try (RawClient sub = new RawClient(broker.port())) {
            sub.send(connect5("first5-sub", false, 60, Props.of().sessionExpiry(300)));
            assertThat(sub.read().type()).isEqualTo(CONNACK);
            assertThat(sub.read().type()).isEqualTo(PUBLISH);
        }
    }

    @Test
    void v5_MQTT_3_2_2_2_cleanStart1GivesSessionPresent0AndReasonCode0() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "sp0-5", false, 300)) {
            c.subscribe5("sp0/t", 0, 1);
        }
        try (RawClient c = RawClient.connected5(broker.port(), "sp0-5", true, 300)) {
            assertThat(c.connack().u8(0)).as("Session Present 0 (and no other flag)").isZero();
            assertThat(connackCode(c.connack())).isZero();
        }
    }

    @Test
    void v5_S3_2_2_2_refusalsCarryTheConnackCodeForTheirCause() throws IOException {
        assertThat(refusedAndClosed(connect5("rm0", true, 60, Props.of().receiveMaximum(0))))
                .as("Receive Maximum 0: closed, or malformed or protocol error").isIn(-1, 0x81, 0x82);
        assertThat(refusedAndClosed(connect("will-wild").will("w/+", "x", 0, false).v5())).as("will topic")
                .isEqualTo(0x90);
        assertThat(refusedAndClosed(connect5("auth-m", true, 60, Props.of().authMethod("NOPE")))).as("auth method")
                .isEqualTo(0x8C);
        try (RawClient c = RawClient.connected5(broker.port(), "ok-code", true, 0)) {
            assertThat(connackCode(c.connack())).isZero();
        }
    }

    @Test
    void v5_MQTT_3_2_2_8_everyConnackCodeComesFromTheTable() throws IOException {
        byte[][] connects = {
                connect("t1").protocol("MQTX", 5).v5(),
                connect("t2").will("w/#", "x", 0, false).v5(),
                connect5("t3", true, 60, Props.of().authMethod("X")),
                connect5("t4", true, 60, Props.of().receiveMaximum(0)),
                connect5("t5", true, 60, Props.of().maximumPacketSize(0)),
                connect("t6").flags(0x03).v5(), // reserved flag set
                connect("t7").will("w/t", "x", 3, false).v5(), // Will QoS 3
        };
        for (byte[] connect : connects) {
            int code = refusedAndClosed(connect);
            if (code >= 0) {
                assertThat(CONNACK_CODES).contains(code);
            }
        }
        try (RawClient c = RawClient.connected5(broker.port(), "t-ok", true, 0)) {
            assertThat(CONNACK_CODES).contains(connackCode(c.connack()));
        }
    }

    @Test
    void v5_MQTT_3_2_2_20_connackCarriesNoUserPropertyAndFitsTheClientsMaximumPacketSize() throws IOException {
        for (long max : new long[] {40, 64, 1 << 20}) {
            try (RawClient c = RawClient.connected5(broker.port(), "cap-up", Props.of().maximumPacketSize(max))) {
                Packet ack = c.connack();
                assertThat(connackProperties(ack)).doesNotContainKey(Props.USER_PROPERTY);
                assertThat(2L + ack.body().length).as("CONNACK size").isLessThanOrEqualTo(max);
            }
        }
    }

    @Test
    void v5_S3_1_2_10_keepAlive0SwitchesTheTimeoutOff() throws IOException {
        try (RawClient c = RawClient.accepted(broker.port(), connect5("ka0-5", true, 0))) {
            Object serverKeepAlive = connackProperties(c.connack()).get(Props.SERVER_KEEP_ALIVE);
            assertThat(serverKeepAlive == null || (Integer) serverKeepAlive == 0 || (Integer) serverKeepAlive > 3)
                    .as("no Server Keep Alive short enough to end the test's silence: " + serverKeepAlive).isTrue();
            assertThat(c.stillOpenAfter(2500)).isTrue();
        }
    }

    // ---------------------------------------------------------------- section 8

    @Test
    void v5_MQTT_3_14_2_1_everyDisconnectCodeTheBrokerSendsComesFromTheTable() throws IOException {
        byte[][] violations = {
                connect5("dc-x", true, 60),                                           // second CONNECT: 0x82
                publish5("dc/t", 0, false, 0, Props.of().topicAlias(0), "x"), // alias 0: 0x94
                bytes(0xC0, 0x80, 0x00),                                              // malformed: 0x81
                publish5("dc/#", 0, false, 0, "x"),                                   // wildcard name: 0x90
        };
        for (byte[] bad : violations) {
            try (RawClient c = RawClient.connected5(broker.port(), "dc-codes", true, 0)) {
                c.send(bad);
                Packet d = c.readUntil(DISCONNECT);
                assertThat(SERVER_DISCONNECT_CODES).contains(disconnectReason(d));
            }
        }
        try (RawClient old = RawClient.connected5(broker.port(), "dc-over", true, 0);
             RawClient fresh = RawClient.connected5(broker.port(), "dc-over", true, 0)) {
            assertThat(disconnectReason(old.readUntil(DISCONNECT))).isEqualTo(0x8E).isIn(SERVER_DISCONNECT_CODES);
        }
    }

    @Test
    void v5_MQTT_3_14_4_2_theBrokerClosesTheConnectionAfterSendingDisconnect() throws IOException {
        try (RawClient c = RawClient.connected5(broker.port(), "dc-close", true, 0)) {
            c.send(connect5("dc-close", true, 60));
            assertThat(c.read().type()).isEqualTo(DISCONNECT);
            assertThat(c.closedWithin(2000)).isTrue();
        }
        try (RawClient old = RawClient.connected5(broker.port(), "dc-close2", true, 0);
             RawClient fresh = RawClient.connected5(broker.port(), "dc-close2", true, 0)) {
            assertThat(old.read().type()).isEqualTo(DISCONNECT);
            assertThat(old.closedWithin(2000)).as("the taken-over connection is closed").isTrue();
        }
    }

    // ---------------------------------------------------------------- section 15

    @Test
    void v5_MQTT_3_1_2_7_anAcceptedWillIsStoredAndPublishedWhenTheConnectionEndsWithoutDisconnect() throws IOException {
        try (RawClient watcher = RawClient.connected5(broker.port(), "will5-watch", true, 0)) {
            watcher.subscribe5("will5/stored", 1, 1);
            try (RawClient c = RawClient.accepted(broker.port(), connect("will5-c").will("will5/stored", "stored", 1, false).v5())) {
                c.send(pingreq());
                assertThat(c.read().type()).isEqualTo(PINGRESP);
            } // socket closed, no DISCONNECT
            Packet will = nextPublish(watcher);
            assertThat(topicOf(will)).isEqualTo("will5/stored");
            assertThat(payload5(will)).isEqualTo("stored");
        }
    }

    @Test
    void v5_MQTT_3_1_2_9_willFlagWithoutTheWillFieldsIsMalformed() throws IOException {
        assertThat(refusedAndClosed(connect("will5-missing").flags(0x02 | 0x04).v5())).isIn(-1, 0x80, 0x81);
    }

    @Test
    void v5_MQTT_3_1_2_12_willQos3IsMalformed() throws IOException {
        // Will Flag, Will QoS bits 11, Clean Start; the will fields are present
        assertThat(refusedAndClosed(connect("will5-q3").will("w/q3", "x", 1, false).flags(0x02 | 0x04 | 0x18).v5()))
                .isIn(-1, 0x80, 0x81);
        for (int qos = 0; qos <= 2; qos++) {
            try (RawClient c = RawClient.accepted(broker.port(), connect("will5-q" + qos).will("w/q", "x", qos, false).v5())) {
                assertThat(connackCode(c.connack())).isZero();
                c.send(disconnect5(0));
            }
        }
    }

    @Test
    void v5_MQTT_3_1_3_11_aWillTopicThatIsNotUtf8IsRefused() throws IOException {
        // Level 5, flags Will + Clean Start, no properties, id "wt", no Will Properties, Will Topic 0xFF, payload "p"
        byte[] connect = packet(0x10, concat(str("MQTT"), bytes(5, 0x06), u16(60), bytes(0), str("wt"), bytes(0),
                u16(1), bytes(0xFF), u16(1), bytes('p')));
        assertThat(refusedAndClosed(connect)).isIn(-1, 0x80, 0x81, 0x90);
    }

    @Test
    void v5_S3_1_2_5_aProtocolErrorAndDisconnect0x04PublishTheWill() throws IOException {
        try (RawClient watcher = RawClient.connected5(broker.port(), "will5-trig", true, 0)) {
            watcher.subscribe5("will5/trig", 0, 1);
            try (RawClient c = RawClient.accepted(broker.port(), connect("will5-err").will("will5/trig", "error", 0, false).v5())) {
                c.send(connect5("will5-err", true, 60)); // second CONNECT: the broker closes with 0x82
                assertThat(disconnectReason(c.readUntil(DISCONNECT))).isEqualTo(0x82);
            }
            assertThat(payload5(nextPublish(watcher))).isEqualTo("error");
            try (RawClient c = RawClient.accepted(broker.port(), connect("will5-04").will("will5/trig", "with will", 0, false).v5())) {
                c.send(disconnect5(0x04));
                assertThat(c.closedWithin(2000)).isTrue();
            }
            assertThat(payload5(nextPublish(watcher))).isEqualTo("with will");
            try (RawClient c = RawClient.accepted(broker.port(), connect("will5-00").will("will5/trig", "not sent", 0, false).v5())) {
                c.send(disconnect5(0x00));
                assertThat(c.closedWithin(2000)).isTrue();
            }
            assertThat(watcher.silentFor(500)).as("DISCONNECT 0x00 discards the will").isTrue();
        }
    }
}
