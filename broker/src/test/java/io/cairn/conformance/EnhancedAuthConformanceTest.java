package io.cairn.conformance;

import io.cairn.config.BrokerConfig;
import io.cairn.security.PasswordFile;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.ScramClient;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * MQTT 5.0 enhanced authentication (checklist section 9) over raw sockets, with the built-in
 * SCRAM-SHA-512 and a password file holding alice: the AUTH exchange before the CONNACK, its refusals,
 * re-authentication while the connection keeps working, and the Protocol Errors around AUTH.
 */
class EnhancedAuthConformanceTest {

    private static final int AUTH = 15;
    private static final String SCRAM = "SCRAM-SHA-512";
    private static TestBroker broker;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("cairn-enhanced-auth");
        Path passwords = dir.resolve("passwd");
        PasswordFile.setUser(passwords, "alice", "alice-pw".getBytes(StandardCharsets.UTF_8));
        broker = TestBroker.startWith(c -> c.withAuth(new BrokerConfig.Auth(true, passwords, null)));
    }

    @AfterAll
    static void stop() throws IOException {
        broker.close();
        Files.deleteIfExists(dir.resolve("passwd"));
        Files.deleteIfExists(dir);
    }

    // ------------------------------------------------------------------ the exchange before CONNACK

    @Test
    void v5_S4_12_scramWithTheRightPasswordEndsWithConnack0x00CarryingTheServerSignature() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            ScramClient scram = new ScramClient("alice", "alice-pw");
            Packet connack = authenticate(c, "ea-ok", scram, Props.none());
            assertThat(connackCode(connack)).isZero();
            assertThat(scram.verifyServerFinal(ScramClient.property(connack, 2, Props.AUTH_DATA)))
                    .as("CONNACK data is the SCRAM server-final with the server signature").isTrue();
            assertThat(c.subscribe5("ea/ok", 1, 1).type()).as("the connection works").isEqualTo(SUBACK);
        }
    }

    @Test
    void v5_MQTT_4_12_0_2_theBrokersChallengeIsAuthWithReason0x18() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            ScramClient scram = new ScramClient("alice", "alice-pw");
            c.send(connect5("ea-challenge", true, 60, Props.of().authMethod(SCRAM).authData(scram.clientFirst())));
            Packet challenge = c.read();
            assertThat(challenge.type()).isEqualTo(AUTH);
            assertThat(challenge.flags()).isZero();
            assertThat(challenge.u8(0)).isEqualTo(0x18);
            String serverFirst = ScramClient.stringProperty(challenge, 1, Props.AUTH_DATA);
            assertThat(serverFirst).startsWith("r=").contains(",s=", ",i=101");
        }
    }

    @Test
    void v5_MQTT_4_12_0_5_everyAuthAndTheConnackCarryTheConnectsMethod() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            ScramClient scram = new ScramClient("alice", "alice-pw");
            c.send(connect5("ea-method", true, 60, Props.of().authMethod(SCRAM).authData(scram.clientFirst())));
            Packet challenge = c.read();
            assertThat(ScramClient.stringProperty(challenge, 1, Props.AUTH_METHOD)).isEqualTo(SCRAM);
            c.send(auth(0x18, Props.of().authMethod(SCRAM).authData(
                    scram.clientFinal(ScramClient.property(challenge, 1, Props.AUTH_DATA)))));
            Packet connack = c.read();
            assertThat(connackCode(connack)).isZero();
            assertThat(connackProperties(connack)).containsEntry(Props.AUTH_METHOD, SCRAM);
            Packet[] reauth = reauthenticate(c, new ScramClient("alice", "alice-pw"));
            assertThat(ScramClient.stringProperty(reauth[0], 1, Props.AUTH_METHOD)).isEqualTo(SCRAM);
            assertThat(ScramClient.stringProperty(reauth[1], 1, Props.AUTH_METHOD)).isEqualTo(SCRAM);
        }
    }

    @Test
    void v5_MQTT_4_12_0_1_unknownAuthenticationMethodGets0x8CAndClose() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect5("ea-unknown", true, 60, Props.of().authMethod("SCRAM-SHA-1").authData(utf8("n,,n=alice,r=x"))));
            Packet ack = c.read();
            assertThat(ack.type()).as("no AUTH for a method not offered").isEqualTo(CONNACK);
            assertThat(connackCode(ack)).isEqualTo(0x8C);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_4_12_0_4_aWrongPasswordIsRefusedWithConnack0x86AndClose() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            Packet connack = authenticate(c, "ea-wrong", new ScramClient("alice", "alice-pW"), Props.none());
            assertThat(connackCode(connack)).isEqualTo(0x86);
            assertThat(connackProperties(connack)).doesNotContainKey(Props.AUTH_METHOD);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_4_12_0_4_malformedScramDataIsRefusedAtOnceWithConnack0x87AndClose() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect5("ea-garbage", true, 60, Props.of().authMethod(SCRAM).authData(utf8("hello"))));
            Packet ack = c.timeout(8000).read(); // refusals are slowed after the first from an address
            assertThat(ack.type()).isEqualTo(CONNACK);
            assertThat(connackCode(ack)).isEqualTo(0x87);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_4_12_0_6_withoutAMethodTheBrokerSendsNoAuthAndNoMethodInConnack() throws Exception {
        try (RawClient c = RawClient.accepted(broker.port(),
                connect("ea-plain").user("alice").password("alice-pw").v5())) {
            assertThat(connackProperties(c.connack())).doesNotContainKeys(Props.AUTH_METHOD, Props.AUTH_DATA);
            c.send(pingreq());
            assertThat(c.read().type()).as("nothing but the PINGRESP, no AUTH").isEqualTo(PINGRESP);
        }
    }

    @Test
    void v5_MQTT_4_12_0_7_authFromAClientWithoutAMethodIsDisconnect0x82() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "ea-nomethod", Props.none())) {
            c.send(auth(0x19, Props.of().authMethod(SCRAM).authData(new ScramClient("alice", "alice-pw").clientFirst())));
            Packet d = c.readUntil(DISCONNECT);
            assertThat(disconnectReason(d)).isEqualTo(0x82);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_1_2_30_publishBeforeConnackDuringTheExchangeIsAProtocolError() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            ScramClient scram = new ScramClient("alice", "alice-pw");
            c.send(connect5("ea-early", true, 60, Props.of().authMethod(SCRAM).authData(scram.clientFirst())));
            assertThat(c.read().type()).isEqualTo(AUTH);
            c.send(publish5("ea/early", 0, false, 0, "too soon"));
            Packet ack = c.read();
            assertThat(ack.type()).as("no DISCONNECT before a CONNACK [MQTT-3.14.0-1]").isEqualTo(CONNACK);
            assertThat(connackCode(ack)).isEqualTo(0x82);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_15_1_1_authWithFixedHeaderFlagsOtherThan0000Closes() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            ScramClient scram = new ScramClient("alice", "alice-pw");
            c.send(connect5("ea-flags", true, 60, Props.of().authMethod(SCRAM).authData(scram.clientFirst())));
            Packet challenge = c.read();
            byte[] reply = auth(0x18, Props.of().authMethod(SCRAM).authData(
                    scram.clientFinal(ScramClient.property(challenge, 1, Props.AUTH_DATA))));
            reply[0] = (byte) 0xF2;
            c.send(reply);
            assertThat(c.closedWithin(2000)).as("before CONNACK: closed").isTrue();
        }
        try (RawClient c = new RawClient(broker.port())) {
            authenticate(c, "ea-flags2", new ScramClient("alice", "alice-pw"), Props.none());
            byte[] reauth = auth(0x19, Props.of().authMethod(SCRAM).authData(new ScramClient("alice", "alice-pw").clientFirst()));
            reauth[0] = (byte) 0xF1;
            c.send(reauth);
            Packet d = c.readUntil(DISCONNECT);
            assertThat(disconnectReason(d)).isEqualTo(0x81);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_15_2_1_theBrokersAuthReasonCodesAre0x18ThenSuccess0x00() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            authenticate(c, "ea-codes", new ScramClient("alice", "alice-pw"), Props.none());
            ScramClient scram = new ScramClient("alice", "alice-pw");
            Packet[] reauth = reauthenticate(c, scram);
            assertThat(reauth[0].u8(0)).isEqualTo(0x18);
            assertThat(reauth[1].u8(0)).isEqualTo(0x00);
            assertThat(scram.verifyServerFinal(ScramClient.property(reauth[1], 1, Props.AUTH_DATA))).isTrue();
        }
    }

    @Test
    void v5_MQTT_3_15_2_2_theReasonStringIsLeftOutOfAuthWhenItWouldExceedTheMaximumPacketSize() throws Exception {
        int withReason;
        try (RawClient c = new RawClient(broker.port())) {
            authenticate(c, "ea-size", new ScramClient("alice", "alice-pw"), Props.none());
            Packet success = reauthenticate(c, new ScramClient("alice", "alice-pw"))[1];
            assertThat(ScramClient.stringProperty(success, 1, Props.REASON_STRING)).isEqualTo("re-authenticated");
            withReason = size(success);
        }
        try (RawClient c = new RawClient(broker.port())) {
            authenticate(c, "ea-size2", new ScramClient("alice", "alice-pw"), Props.of().maximumPacketSize(withReason - 1));
            Packet success = reauthenticate(c, new ScramClient("alice", "alice-pw"))[1];
            assertThat(success.u8(0)).isZero();
            assertThat(ScramClient.stringProperty(success, 1, Props.REASON_STRING)).isNull();
            assertThat(size(success)).isLessThan(withReason);
        }
    }

    @Test
    void v5_MQTT_3_1_2_29_requestProblemInformation0LeavesTheReasonStringOutOfAuth() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            authenticate(c, "ea-noproblem", new ScramClient("alice", "alice-pw"), Props.of().requestProblemInfo(0));
            Packet success = reauthenticate(c, new ScramClient("alice", "alice-pw"))[1];
            assertThat(success.u8(0)).isZero();
            assertThat(ScramClient.stringProperty(success, 1, Props.REASON_STRING)).isNull();
        }
    }

    // ------------------------------------------------------------------ re-authentication

    @Test
    void v5_S4_12_1_reauthenticationEndsWithAuth0x00AndTheConnectionKeepsWorkingDuringIt() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            authenticate(c, "ea-reauth", new ScramClient("alice", "alice-pw"), Props.none());
            ScramClient scram = new ScramClient("alice", "alice-pw");
            c.send(auth(0x19, Props.of().authMethod(SCRAM).authData(scram.clientFirst())));
            Packet challenge = c.read();
            assertThat(challenge.type()).isEqualTo(AUTH);
            // in the middle of the exchange, other packets are served as usual
            assertThat(c.subscribe5("ea/reauth", 1, 5).type()).isEqualTo(SUBACK);
            c.send(publish5("ea/reauth", 1, false, 6, "during"));
            assertThat(c.readUntil(PUBACK).u16(0)).isEqualTo(6);
            c.send(auth(0x18, Props.of().authMethod(SCRAM).authData(
                    scram.clientFinal(ScramClient.property(challenge, 1, Props.AUTH_DATA)))));
            Packet success = c.readUntil(AUTH);
            assertThat(success.u8(0)).isZero();
            assertThat(scram.verifyServerFinal(ScramClient.property(success, 1, Props.AUTH_DATA))).isTrue();
            c.send(pingreq());
            assertThat(c.readUntil(PINGRESP).type()).as("still connected").isEqualTo(PINGRESP);
        }
    }

    @Test
    void v5_MQTT_4_12_1_2_failedReauthenticationGetsDisconnect0x87AndClose() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            authenticate(c, "ea-reauth-bad", new ScramClient("alice", "alice-pw"), Props.none());
            ScramClient wrong = new ScramClient("alice", "guess");
            c.send(auth(0x19, Props.of().authMethod(SCRAM).authData(wrong.clientFirst())));
            Packet challenge = c.read();
            c.send(pingreq());
            assertThat(c.read().type()).as("working between the steps").isEqualTo(PINGRESP);
            c.send(auth(0x18, Props.of().authMethod(SCRAM).authData(
                    wrong.clientFinal(ScramClient.property(challenge, 1, Props.AUTH_DATA)))));
            Packet d = c.timeout(8000).readUntil(DISCONNECT);
            assertThat(disconnectReason(d)).isEqualTo(0x87);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_4_12_1_1_reauthenticationWithAnotherMethodIsAProtocolError() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            authenticate(c, "ea-other", new ScramClient("alice", "alice-pw"), Props.none());
            c.send(auth(0x19, Props.of().authMethod("SCRAM-SHA-256").authData(new ScramClient("alice", "alice-pw").clientFirst())));
            Packet d = c.readUntil(DISCONNECT);
            assertThat(disconnectReason(d)).isEqualTo(0x82);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_S4_12_1_continueAuthenticationWithNoExchangeUnderWayIsAProtocolError() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            authenticate(c, "ea-stray", new ScramClient("alice", "alice-pw"), Props.none());
            c.send(auth(0x18, Props.of().authMethod(SCRAM).authData(utf8("c=biws,r=x,p=AAAA"))));
            Packet d = c.readUntil(DISCONNECT);
            assertThat(disconnectReason(d)).isEqualTo(0x82);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    // ------------------------------------------------------------------ helpers

    /** CONNECT with SCRAM-SHA-512, the challenge, the client-final; returns the CONNACK. */
    private static Packet authenticate(RawClient c, String clientId, ScramClient scram, Props extra) throws IOException {
        c.send(connect5(clientId, true, 60, extra.authMethod(SCRAM).authData(scram.clientFirst())));
        Packet challenge = c.read();
        assertThat(challenge.type()).isEqualTo(AUTH);
        c.send(auth(0x18, Props.of().authMethod(SCRAM).authData(
                scram.clientFinal(ScramClient.property(challenge, 1, Props.AUTH_DATA)))));
        Packet connack = c.timeout(8000).read();
        assertThat(connack.type()).isEqualTo(CONNACK);
        c.timeout(5000);
        return connack;
    }

    /** AUTH 0x19 and 0x18 of a re-authentication; returns the broker's two AUTH packets. */
    private static Packet[] reauthenticate(RawClient c, ScramClient scram) throws IOException {
        c.send(auth(0x19, Props.of().authMethod(SCRAM).authData(scram.clientFirst())));
        Packet challenge = c.readUntil(AUTH);
        c.send(auth(0x18, Props.of().authMethod(SCRAM).authData(
                scram.clientFinal(ScramClient.property(challenge, 1, Props.AUTH_DATA)))));
        Packet done = c.readUntil(AUTH);
        return new Packet[] {challenge, done};
    }

    /** The whole packet's size: type byte, Remaining Length, body. */
    private static int size(Packet p) {
        int n = p.body().length;
        return 1 + (n < 128 ? 1 : n < 16384 ? 2 : 3) + n;
    }
}
