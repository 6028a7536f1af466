package io.cairn.security;

import io.cairn.config.BrokerConfig;
import io.cairn.test.Packets;
import io.cairn.test.RawClient;
import io.cairn.test.RawClient.Packet;
import io.cairn.test.Replies;
import io.cairn.test.TestBroker;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ACL over real sockets, 3.1.1 and 5.0: refused SUBSCRIBEs (0x80 / 0x87), refused PUBLISHes
 * (5.0 0x87; 3.1.1 acknowledged and discarded), %c and %u patterns, retained messages and live
 * deliveries on a denied topic under a granted wildcard, Wills, and a reload of the file.
 */
class AclBrokerTest {

    private static final String ACL = """
            # clients without a user name
            topic read public/#
            topic write sensors/#

            user alice
            topic readwrite alice/#
            topic read sensors/#
            topic deny sensors/secret
            topic write public/#

            user bob
            topic read alice/#
            topic write bob/#

            pattern readwrite devices/%c/#
            pattern read inbox/%u
            """;

    @TempDir
    Path dir;

    private Path aclFile;
    private TestBroker broker;

    @BeforeEach
    void start() throws Exception {
        Path passwords = dir.resolve("passwd");
        PasswordFile.setUser(passwords, "alice", bytes("alice-pw"));
        PasswordFile.setUser(passwords, "bob", bytes("bob-pw"));
        aclFile = Files.writeString(dir.resolve("acl"), ACL);
        broker = TestBroker.startWith(c -> c.withAuth(new BrokerConfig.Auth(true, passwords, aclFile)));
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private RawClient v311(String id, String user) throws Exception {
        Packets.Connect c = Packets.connect(id);
        return RawClient.accepted(broker.port(), (user == null ? c : c.user(user).password(user + "-pw")).v311());
    }

    private RawClient v5(String id, String user) throws Exception {
        Packets.Connect c = Packets.connect(id);
        return RawClient.accepted(broker.port(), (user == null ? c : c.user(user).password(user + "-pw")).v5());
    }

    private static int[] subscribe311(RawClient c, int id, String... filters) throws Exception {
        Packets.Subscribe s = Packets.subscribe(id);
        for (String f : filters) {
            s.filter(f, 1);
        }
        return Replies.subackCodes311(c.send(s.v311()).readUntil(RawClient.SUBACK));
    }

    private static int[] subscribe5(RawClient c, int id, String... filters) throws Exception {
        Packets.Subscribe s = Packets.subscribe(id);
        for (String f : filters) {
            s.filter(f, 1);
        }
        return Replies.reasonCodes5(c.send(s.v5()).readUntil(RawClient.SUBACK));
    }

    @Test
    void aDeniedReadRefusesTheSubscribe0x80In311And0x87In5() throws Exception {
        try (RawClient a3 = v311("a3", "alice"); RawClient a5 = v5("a5", "alice")) {
            assertThat(subscribe311(a3, 1, "alice/#", "bob/#", "sensors/+")).containsExactly(1, 0x80, 1);
            assertThat(subscribe5(a5, 1, "alice/#", "bob/#", "#")).containsExactly(1, 0x87, 0x87);
            assertThat(subscribe5(a5, 2, "sensors/secret")).as("covered by a deny").containsExactly(0x87);
        }
        assertThat(broker.stats().aclRefusals.sum()).isEqualTo(4);
    }

    @Test
    void aDeniedWriteIsRefusedWith0x87In5AndAcknowledgedAndDiscardedIn311() throws Exception {
        try (RawClient alice = v5("alice-sub", "alice"); RawClient bob5 = v5("bob5", "bob");
             RawClient bob3 = v311("bob3", "bob")) {
            assertThat(subscribe5(alice, 1, "alice/#", "bob/#".replace("bob", "alice/in"))).containsExactly(1, 1);
            Packet puback = bob5.send(Packets.publish5("alice/x", 1, false, 7, "from bob 5")).readUntil(RawClient.PUBACK);
            assertThat(Replies.ackId(puback)).isEqualTo(7);
            assertThat(Replies.ackReason(puback)).isEqualTo(0x87);
            Packet pubrec = bob5.send(Packets.publish5("alice/x", 2, true, 8, "from bob 5, QoS 2")).readUntil(RawClient.PUBREC);
            assertThat(Replies.ackReason(pubrec)).isEqualTo(0x87);

            Packet ack311 = bob3.send(Packets.publish311("alice/x", 1, false, 9, "from bob 3")).readUntil(RawClient.PUBACK);
            assertThat(Replies.ackId(ack311)).as("3.1.1: acknowledged").isEqualTo(9);
            assertThat(bob3.stillOpenAfter(200)).as("3.1.1: and not disconnected").isTrue();

            // alice's own message arrives first: nothing of bob's was routed (or retained) before it
            alice.send(Packets.publish5("alice/self", 0, false, 0, "mine"));
            Packet first = alice.readUntil(RawClient.PUBLISH);
            assertThat(Replies.topicOf(first)).isEqualTo("alice/self");
            assertThat(alice.silentFor(300)).isTrue();
        }
        try (RawClient late = v5("alice-late", "alice")) {
            assertThat(subscribe5(late, 1, "alice/#")).containsExactly(1);
            assertThat(late.silentFor(300)).as("the refused retained PUBLISH was not retained").isTrue();
        }
        assertThat(broker.stats().aclRefusals.sum()).isEqualTo(3);
    }

    @Test
    void patternsGiveEachClientIdAndUserItsOwnTopics() throws Exception {
        try (RawClient dev = v5("dev1", null); RawClient alice = v5("alice-in", "alice")) {
            assertThat(subscribe5(dev, 1, "devices/dev1/#", "devices/dev2/#")).containsExactly(1, 0x87);
            dev.send(Packets.publish5("devices/dev1/state", 0, false, 0, "up"));
            assertThat(Replies.topicOf(dev.readUntil(RawClient.PUBLISH))).isEqualTo("devices/dev1/state");
            int ok = Replies.ackReason(dev.send(Packets.publish5("devices/dev1/cmd", 1, false, 2, "on"))
                    .readUntil(RawClient.PUBACK));
            int other = Replies.ackReason(dev.send(Packets.publish5("devices/dev2/cmd", 1, false, 3, "on"))
                    .readUntil(RawClient.PUBACK));
            assertThat(ok).isZero();
            assertThat(other).isEqualTo(0x87);
            assertThat(subscribe5(alice, 1, "inbox/alice", "inbox/bob")).containsExactly(1, 0x87);
        }
    }

    @Test
    void retainedAndLiveMessagesOnADeniedTopicUnderAGrantedWildcardAreNotDelivered() throws Exception {
        try (RawClient sensor = v5("sensor", null)) {
            for (String topic : new String[] {"sensors/open", "sensors/secret"}) {
                assertThat(Replies.ackReason(sensor.send(Packets.publish5(topic, 1, true, 1, "r-" + topic))
                        .readUntil(RawClient.PUBACK))).isZero();
            }
            try (RawClient alice = v311("alice-sensors", "alice")) {
                assertThat(subscribe311(alice, 1, "sensors/#")).containsExactly(1);
                Packet retained = alice.readUntil(RawClient.PUBLISH);
                assertThat(Replies.topicOf(retained)).isEqualTo("sensors/open");
                assertThat(Replies.retain(retained)).isTrue();
                assertThat(alice.silentFor(300)).as("the retained sensors/secret is not sent").isTrue();

                sensor.send(Packets.publish5("sensors/secret", 0, false, 0, "live secret"));
                sensor.send(Packets.publish5("sensors/open", 0, false, 0, "live open"));
                Packet live = alice.readUntil(RawClient.PUBLISH);
                assertThat(Replies.topicOf(live)).isEqualTo("sensors/open");
                assertThat(Replies.payload311(live)).isEqualTo("live open");
                assertThat(alice.silentFor(300)).isTrue();
            }
        }
        assertThat(broker.stats().aclDeliveriesDropped.sum()).as("the live secret, dropped at delivery").isEqualTo(1);
    }

    @Test
    void aWillOnATopicTheClientMayNotWriteIsRefusedAtConnect() throws Exception {
        byte[] bad311 = Packets.connect("w1").user("alice").password("alice-pw").will("bob/will", "x", 1, false).v311();
        byte[] bad5 = Packets.connect("w2").user("alice").password("alice-pw").will("bob/will", "x", 1, false).v5();
        for (byte[] connect : new byte[][] {bad311, bad5}) {
            try (RawClient c = new RawClient(broker.port())) {
                Packet ack = c.send(connect).read();
                assertThat(Replies.connackCode(ack)).isEqualTo(connect == bad311 ? 0x05 : 0x87);
                assertThat(c.closedWithin(2000)).isTrue();
            }
        }
        RawClient.accepted(broker.port(),
                Packets.connect("w3").user("alice").password("alice-pw").will("alice/will", "x", 1, false).v5()).close();
        assertThat(broker.stats().authFailures.sum()).as("a refused Will is not a failed login").isZero();
    }

    @Test
    void aReloadedAclDecidesNewSubscriptionsAndABrokenOneKeepsTheOldRules() throws Exception {
        try (RawClient alice = v5("alice-reload", "alice")) {
            assertThat(subscribe5(alice, 1, "bob/#")).containsExactly(0x87);
            Files.writeString(aclFile, ACL.replace("user alice\n", "user alice\ntopic read bob/#\n"));
            broker.reload();
            assertThat(subscribe5(alice, 2, "bob/#")).containsExactly(1);

            Files.writeString(aclFile, "user alice\ntopic sometimes bob/#\n");
            broker.reload(); // does not parse: logged, old rules stay
            assertThat(subscribe5(alice, 3, "bob/+")).containsExactly(1);
            assertThat(subscribe5(alice, 4, "nothing/#")).containsExactly(0x87);
        }
    }

    @Test
    void pahoV3SeesTheRefusedFilterAsGrantedQos128() throws Exception {
        MqttClient c = new MqttClient(broker.uri(), "paho-acl", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("bob");
        o.setPassword("bob-pw".toCharArray());
        c.connect(o);
        try {
            IMqttToken t = c.subscribeWithResponse(new String[] {"alice/#", "bob/#"}, new int[] {1, 1});
            assertThat(t.getGrantedQos()).containsExactly(1, 128);
        } finally {
            c.disconnect();
            c.close();
        }
    }
}
