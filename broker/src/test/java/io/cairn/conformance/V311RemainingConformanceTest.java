package io.cairn.conformance;

import io.cairn.config.BrokerConfig;
import io.cairn.security.PasswordFile;
import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.RawClient;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The remaining MQTT 3.1.1 statements of sections 2, 3, 5, 6, 11 and 14 that have a 5.0 twin, one
 * test each, over real sockets. A broker with a password file and an ACL is started for the
 * statements about refused clients and publishes.
 */
class V311RemainingConformanceTest extends OneBrokerPerClass {

    @TempDir
    Path dir;

    private static RawClient client(String id) throws IOException {
        return RawClient.connected311(broker.port(), id, true);
    }

    private static RawClient persistent(String id) throws IOException {
        return RawClient.connected311(broker.port(), id, false);
    }

    /** A broker with user alice (password alice-pw), no anonymous access, alice may write only alice/#. */
    private TestBroker secured() throws Exception {
        Path passwords = dir.resolve("passwd");
        PasswordFile.setUser(passwords, "alice", "alice-pw".getBytes(StandardCharsets.UTF_8));
        Path acl = Files.writeString(dir.resolve("acl"), "user alice\ntopic readwrite alice/#\ntopic read watch/#\n");
        return TestBroker.startWith(c -> c.withAuth(new BrokerConfig.Auth(false, passwords, acl)));
    }

    /** Sends {@code connect}; asserts the close; returns the CONNACK return code, or -1 if none came. */
    private static int refusedAndClosed(int port, byte[] connect) throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.send(connect);
            Packet first;
            try {
                first = c.poll(3000);
            } catch (IOException closed) {
                return -1;
            }
            if (first == null) {
                throw new AssertionError("neither a CONNACK nor a close within 3 s");
            }
            assertThat(first.type()).isEqualTo(CONNACK);
            assertThat(first.u8(0)).as("Session Present 0 on a refusal").isZero();
            assertThat(c.closedWithin(2000)).as("closed after a non-zero return code").isTrue();
            return first.u8(1);
        }
    }

    // ---------------------------------------------------------------- section 2

    @Test
    void v311_MQTT_3_1_2_20_passwordFlagWithoutAPasswordFieldIsMalformed() throws IOException {
        // User Name and Password flags, Clean Session; only the user name follows
        assertThat(refusedAndClosed(broker.port(), connect("pw-flag").user("u").flags(0xC2).v311())).isEqualTo(-1);
        // and a password field without its flag: bytes left over
        byte[] withPassword = connect("pw-extra").user("u").password("p").flags(0x82).v311();
        assertThat(refusedAndClosed(broker.port(), withPassword)).isEqualTo(-1);
    }

    @Test
    void v311_S3_2_2_3_authenticationFailureGetsReturnCode4Or5AndTheClose() throws Exception {
        try (TestBroker secured = secured()) {
            assertThat(refusedAndClosed(secured.port(), connect("bad-pw").user("alice").password("nope").v311()))
                    .isEqualTo(0x04);
            assertThat(refusedAndClosed(secured.port(), connect("anon").v311())).isIn(0x04, 0x05);
        }
    }

    @Test
    void v311_MQTT_3_1_3_1_payloadFieldsAreReadInTheirOrder() throws Exception {
        try (TestBroker secured = secured();
             RawClient watcher = RawClient.accepted(secured.port(), connect("order-w").user("alice").password("alice-pw").v311())) {
            watcher.subscribe311("alice/will", 0, 1);
            // Client Identifier, Will Topic, Will Message, User Name, Password
            byte[] all = connect("order-311").will("alice/will", "the will", 0, false).user("alice").password("alice-pw").v311();
            try (RawClient c = RawClient.accepted(secured.port(), all)) {
                assertThat(c.connack().u8(1)).isZero();
            }
            Packet will = nextPublish(watcher);
            assertThat(topicOf(will)).isEqualTo("alice/will");
            assertThat(payload311(will)).isEqualTo("the will");
        }
    }

    @Test
    void v311_MQTT_3_1_3_3_theClientIdIsTheMandatoryFirstPayloadField() throws IOException {
        try (RawClient c = RawClient.accepted(broker.port(), connect311("", true, 60))) {
            assertThat(c.connack().u8(1)).as("a zero-length ClientId with Clean Session 1").isZero();
        }
        // no ClientId field at all: the payload is empty
        byte[] noId = packet(0x10, concat(str("MQTT"), bytes(4, 0x02), u16(60)));
        assertThat(refusedAndClosed(broker.port(), noId)).isEqualTo(-1);
    }

    @Test
    void v311_MQTT_3_1_3_9_aRejectedClientIdGetsReturnCode2AndTheClose() throws IOException {
        assertThat(refusedAndClosed(broker.port(), connect311("", false, 60))).isEqualTo(0x02);
    }

    @Test
    void v311_MQTT_3_1_4_1_aConnectThatDoesNotConformIsClosedWithoutConnack() throws IOException {
        assertThat(refusedAndClosed(broker.port(), connect("reserved").flags(0x03).v311())).as("reserved flag")
                .isEqualTo(-1);
        assertThat(refusedAndClosed(broker.port(), connect("q3").will("w/t", "x", 1, false).flags(0x1E).v311()))
                .as("Will QoS 3").isEqualTo(-1);
    }

    @Test
    void v311_MQTT_3_1_4_3_cleanSessionIsAppliedAfterTheConnectIsValidated() throws IOException {
        try (RawClient c = persistent("rules311")) {
            c.subscribe311("rules311/t", 1, 1);
        }
        refusedAndClosed(broker.port(), connect("rules311").clean(true).flags(0x03).v311()); // not valid: no effect
        try (RawClient c = persistent("rules311")) {
            assertThat(c.connack().u8(0)).as("Clean Session 0 resumes").isEqualTo(1);
        }
        try (RawClient c = client("rules311"); RawClient pub = client("rules311-pub")) {
            assertThat(c.connack().u8(0)).as("Clean Session 1 starts afresh").isZero();
            pub.send(publish311("rules311/t", 1, false, 1, "gone"));
            pub.readUntil(PUBACK);
            assertThat(c.silentFor(500)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_1_4_4_anAcceptedConnectGetsConnackWithReturnCode0() throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect311("accepted311", true, 60));
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(CONNACK);
            assertThat(ack.body()).containsExactly(0, 0);
        }
    }

    @Test
    void v311_MQTT_3_2_2_5_afterANonZeroReturnCodeTheBrokerCloses() throws IOException {
        assertThat(refusedAndClosed(broker.port(), connect("lvl6").protocol("MQTT", 6).v311())).isEqualTo(0x01);
        assertThat(refusedAndClosed(broker.port(), connect311("", false, 60))).isEqualTo(0x02);
    }

    @Test
    void v311_MQTT_3_2_2_6_aRefusalNoReturnCodeFitsIsAClosingWithoutConnack() throws IOException {
        // a Will Topic with a wildcard: no 3.1.1 return code means "invalid will topic"
        assertThat(refusedAndClosed(broker.port(), connect("will-wild311").will("w/#", "x", 0, false).v311())).isEqualTo(-1);
    }

    @Test
    void v311_S3_2_2_3_returnCodesComeFromTheTable() throws Exception {
        assertThat(refusedAndClosed(broker.port(), connect("lvl7").protocol("MQTT", 7).v311())).isEqualTo(0x01);
        assertThat(refusedAndClosed(broker.port(), connect311("", false, 60))).isEqualTo(0x02);
        try (TestBroker secured = secured()) {
            assertThat(refusedAndClosed(secured.port(), connect("rc4").user("alice").password("x").v311())).isEqualTo(0x04);
            assertThat(refusedAndClosed(secured.port(), connect("rc5").v311())).isIn(0x04, 0x05);
        }
    }

    // ---------------------------------------------------------------- section 3

    @Test
    void v311_MQTT_3_3_1_1_aRedeliveredPublishHasDup1() throws IOException {
        int id;
        try (RawClient s = persistent("redeliver311"); RawClient pub = client("redeliver311-pub")) {
            s.subscribe311("redeliver311/t", 1, 1);
            pub.send(publish311("redeliver311/t", 1, false, 1, "again"));
            Packet first = nextPublish(s);
            assertThat(first.flags() & 0x08).as("first transmission").isZero();
            id = packetIdOf(first);
        }
        try (RawClient s = persistent("redeliver311")) {
            Packet again = nextPublish(s);
            assertThat(again.flags() & 0x08).as("DUP 1").isEqualTo(0x08);
            assertThat(packetIdOf(again)).isEqualTo(id);
            s.send(puback(id));
        }
    }

    @Test
    void v311_MQTT_3_3_2_1_aTopicNameThatIsNotUtf8ClosesTheConnection() throws IOException {
        try (RawClient c = client("name-utf311")) {
            c.send(packet(0x30, concat(u16(2), bytes(0xC3, 0x28), bytes('x'))));
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_3_5_2_anUnauthorizedPublishIsAcknowledgedAndNotDistributed() throws Exception {
        try (TestBroker secured = secured();
             RawClient watcher = RawClient.accepted(secured.port(), connect("unauth-w").user("alice").password("alice-pw").v311());
             RawClient pub = RawClient.accepted(secured.port(), connect("unauth-p").user("alice").password("alice-pw").v311())) {
            watcher.subscribe311("watch/#", 1, 1);
            pub.send(publish311("watch/t", 1, false, 9, "not allowed"));
            Packet ack = pub.readUntil(PUBACK);
            assertThat(ack.u16(0)).isEqualTo(9);
            assertThat(watcher.silentFor(500)).as("not distributed").isTrue();
        }
    }

    // ---------------------------------------------------------------- sections 5 and 6

    @Test
    void v311_MQTT_3_8_4_5_theSubackHasOneReturnCodePerFilter() throws IOException {
        try (RawClient c = client("codes311")) {
            c.send(subscribe(4).filter("codes311/0", 0).filter("codes311/#/x", 1).filter("codes311/2", 2).v311());
            assertThat(subackCodes311(c.readUntil(SUBACK))).containsExactly(0, 0x80, 2);
        }
    }

    @Test
    void v311_MQTT_3_9_3_2_subackReturnCodesAre0To2Or0x80() throws IOException {
        try (RawClient c = client("rc311")) {
            c.send(subscribe(5).filter("rc311/a", 0).filter("rc311/b", 1).filter("rc311/c", 2).filter("rc311+", 1)
                    .filter("", 0).v311());
            for (int code : subackCodes311(c.readUntil(SUBACK))) {
                assertThat(code).isIn(0x00, 0x01, 0x02, 0x80);
            }
        }
    }

    @Test
    void v311_MQTT_3_10_4_4_everyUnsubscribeIsAnsweredWithAnUnsubackWithTheSameId() throws IOException {
        try (RawClient c = client("unsub-id311")) {
            c.subscribe311("uid311/t", 0, 1);
            for (int id : new int[] {1, 0x7FFF, 0xFFFF}) {
                c.send(unsubscribe311(id, "uid311/t"));
                Packet u = c.read();
                assertThat(u.type()).isEqualTo(UNSUBACK);
                assertThat(u.u16(0)).isEqualTo(id);
            }
        }
    }

    @Test
    void v311_S3_11_3_anUnsubackHasNoPayload() throws IOException {
        try (RawClient c = client("unsub-pl311")) {
            c.subscribe311("upl311/a", 0, 1);
            c.send(unsubscribe311(2, "upl311/a", "upl311/b", "upl311/c"));
            Packet u = c.read();
            assertThat(u.type()).isEqualTo(UNSUBACK);
            assertThat(u.body()).as("Remaining Length 2").hasSize(2);
        }
    }

    // ---------------------------------------------------------------- section 11

    @Test
    void v311_MQTT_4_1_0_1_sessionStateIsKeptWhileTheConnectionIsOpen() throws Exception {
        try (RawClient sub = client("keep311"); RawClient pub = client("keep311-pub")) {
            sub.subscribe311("keep311/t", 1, 1);
            Thread.sleep(1500);
            pub.send(publish311("keep311/t", 1, false, 1, "still"));
            Packet p = nextPublish(sub);
            assertThat(payload311(p)).isEqualTo("still");
            sub.send(puback(packetIdOf(p)));
            sub.send(pingreq());
            assertThat(sub.read().type()).isEqualTo(PINGRESP);
        }
    }

    @Test
    void v311_MQTT_4_6_0_5_topicsAreOrderedByDefault() throws IOException {
        try (RawClient sub = client("ordered311"); RawClient pub = client("ordered311-pub")) {
            sub.subscribe311("ordered311/#", 2, 1);
            for (int i = 0; i < 60; i++) {
                int qos = i % 3;
                pub.send(publish311("ordered311/" + (i % 2), qos, false, qos == 0 ? 0 : i + 1, "n" + i));
                if (qos == 1) {
                    pub.readUntil(PUBACK);
                } else if (qos == 2) {
                    pub.readUntil(PUBREC);
                    pub.send(pubrel(i + 1));
                    pub.readUntil(PUBCOMP);
                }
            }
            int next = 0;
            while (next < 60) {
                Packet p = sub.read();
                if (p.type() == PUBREL) {
                    sub.send(pubcomp(p.u16(0)));
                    continue;
                }
                assertThat(payload311(p)).isEqualTo("n" + next++);
                if (qos(p) == 1) {
                    sub.send(puback(packetIdOf(p)));
                } else if (qos(p) == 2) {
                    sub.send(pubrec(packetIdOf(p)));
                }
            }
        }
    }

    @Test
    void v311_S4_1_theSessionKeepsSubscriptionsAndQueuedMessages() throws IOException {
        try (RawClient s = persistent("state311")) {
            s.subscribe311("state311/t", 1, 1);
        }
        try (RawClient pub = client("state311-pub")) {
            pub.send(publish311("state311/t", 2, false, 1, "queued"));
            pub.readUntil(PUBREC);
            pub.send(pubrel(1));
            pub.readUntil(PUBCOMP);
        }
        try (RawClient s = persistent("state311")) {
            assertThat(s.connack().u8(0)).isEqualTo(1);
            Packet p = nextPublish(s);
            assertThat(payload311(p)).isEqualTo("queued");
            assertThat(qos(p)).as("the granted QoS kept").isEqualTo(1);
            s.send(puback(packetIdOf(p)));
        }
    }

    // ---------------------------------------------------------------- section 14

    @Test
    void v311_MQTT_3_3_1_11_anEmptyRetainedMessageRemovesTheRetainedMessage() throws IOException {
        try (RawClient pub = client("clr311-pub")) {
            pub.send(publish311("clr311/t", 1, true, 1, "something"));
            pub.readUntil(PUBACK);
            pub.send(publish311("clr311/t", 1, true, 2, ""));
            pub.readUntil(PUBACK);
        }
        try (RawClient sub = client("clr311-sub")) {
            sub.subscribe311("clr311/t", 1, 1);
            assertThat(sub.silentFor(500)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_3_1_8_aRetainedMessageSentOnANewSubscriptionHasRetain1() throws IOException {
        try (RawClient sub = client("ret1-311-live"); RawClient pub = client("ret1-311-pub")) {
            sub.subscribe311("ret1-311/t", 1, 1);
            pub.send(publish311("ret1-311/t", 1, true, 1, "kept"));
            pub.readUntil(PUBACK);
            Packet live = nextPublish(sub);
            assertThat(live.flags() & 0x01).as("a live delivery to an existing subscription: RETAIN 0").isZero();
            sub.send(puback(packetIdOf(live)));
        }
        try (RawClient sub = client("ret1-311-new")) {
            sub.subscribe311("ret1-311/t", 1, 1);
            Packet p = nextPublish(sub);
            assertThat(p.flags() & 0x01).as("RETAIN 1").isEqualTo(1);
            assertThat(payload311(p)).isEqualTo("kept");
        }
    }
}
