package io.cairn.security;

import io.cairn.config.BrokerConfig;
import io.cairn.test.Packets;
import io.cairn.test.RawClient;
import io.cairn.test.RawClient.Packet;
import io.cairn.test.Replies;
import io.cairn.test.TestBroker;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Authentication over real sockets: a password file and allow_anonymous, with raw 3.1.1 and 5.0
 * CONNECTs (exact CONNACK codes), Paho v3 and v5, and mosquitto_pub with a file made by the real
 * mosquitto_passwd; failed attempts are counted and slowed per source address.
 */
class AuthenticationTest {

    @TempDir
    Path dir;

    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private void start(boolean anonymous, Path passwords) throws Exception {
        broker = TestBroker.startWith(c -> c.withAuth(new BrokerConfig.Auth(anonymous, passwords, null)));
    }

    private Path passwords() throws Exception {
        Path f = dir.resolve("passwd");
        PasswordFile.setUser(f, "alice", "alice-pw".getBytes(StandardCharsets.UTF_8));
        return f;
    }

    private int connack(byte[] connect) throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            Packet ack = c.send(connect).read();
            assertThat(ack.type()).isEqualTo(RawClient.CONNACK);
            int code = Replies.connackCode(ack);
            if (code != 0) {
                assertThat(c.closedWithin(2000)).as("a refused client is closed").isTrue();
            }
            return code;
        }
    }

    @Test
    void v311GoodPasswordAdmittedWrongOne0x04AnonymousNotAllowed0x05() throws Exception {
        start(false, passwords());
        assertThat(connack(Packets.connect("a1").user("alice").password("alice-pw").v311())).isZero();
        assertThat(connack(Packets.connect("a2").user("alice").password("wrong").v311())).isEqualTo(0x04);
        assertThat(connack(Packets.connect("a3").user("mallory").password("alice-pw").v311())).isEqualTo(0x04);
        assertThat(connack(Packets.connect("a4").user("alice").v311())).as("no password").isEqualTo(0x04);
        assertThat(connack(Packets.connect("a5").v311())).as("anonymous").isEqualTo(0x05);
        assertThat(broker.stats().authFailures.sum()).isEqualTo(4);
    }

    @Test
    void v5GoodPasswordAdmittedWrongOne0x86AnonymousNotAllowed0x87() throws Exception {
        start(false, passwords());
        assertThat(connack(Packets.connect("b1").user("alice").password("alice-pw").v5())).isZero();
        assertThat(connack(Packets.connect("b2").user("alice").password("alice-pW").v5())).isEqualTo(0x86);
        assertThat(connack(Packets.connect("b3").v5())).isEqualTo(0x87);
    }

    @Test
    void anonymousClientsAreAdmittedAlongsideUsersWhenAllowed() throws Exception {
        start(true, passwords());
        assertThat(connack(Packets.connect("c1").v311())).isZero();
        assertThat(connack(Packets.connect("c2").user("alice").password("wrong").v311()))
                .as("a user name must still match the file").isEqualTo(0x04);
    }

    @Test
    void allowAnonymousFalseWithoutAPasswordFileAdmitsNobody() throws Exception {
        start(false, null);
        assertThat(connack(Packets.connect("d1").v311())).isEqualTo(0x05);
        assertThat(connack(Packets.connect("d2").user("anyone").password("x").v311())).isEqualTo(0x05);
        assertThat(connack(Packets.connect("d3").user("anyone").password("x").v5())).isEqualTo(0x87);
    }

    @Test
    void pahoClientsOfBothVersionsSeeTheRefusal() throws Exception {
        start(false, passwords());
        MqttConnectOptions good = new MqttConnectOptions();
        good.setUserName("alice");
        good.setPassword("alice-pw".toCharArray());
        MqttClient v3 = new MqttClient(broker.uri(), "paho3", new MemoryPersistence());
        v3.connect(good);
        assertThat(v3.isConnected()).isTrue();
        v3.disconnect();
        v3.close();

        MqttConnectOptions bad = new MqttConnectOptions();
        bad.setUserName("alice");
        bad.setPassword("nope".toCharArray());
        MqttClient v3bad = new MqttClient(broker.uri(), "paho3b", new MemoryPersistence());
        assertThatThrownBy(() -> v3bad.connect(bad)).isInstanceOf(MqttException.class)
                .satisfies(e -> assertThat(((MqttException) e).getReasonCode())
                        .isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION));
        v3bad.close();

        var v5 = new org.eclipse.paho.mqttv5.client.MqttClient(broker.uri(), "paho5",
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        var o5 = new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
        o5.setUserName("alice");
        o5.setPassword("wrong".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> v5.connect(o5)).isInstanceOf(org.eclipse.paho.mqttv5.common.MqttException.class)
                .satisfies(e -> assertThat(((org.eclipse.paho.mqttv5.common.MqttException) e).getReasonCode())
                        .isEqualTo(0x86));
        o5.setPassword("alice-pw".getBytes(StandardCharsets.UTF_8));
        v5.connect(o5);
        assertThat(v5.isConnected()).isTrue();
        v5.disconnect();
        v5.close();
    }

    @Test
    void aFileMadeByMosquittoPasswdWorksWithMosquittoPub() throws Exception {
        Assumptions.assumeTrue(SecurityFiles.onPath("mosquitto_passwd"), "mosquitto_passwd is not installed");
        Assumptions.assumeTrue(SecurityFiles.onPath("mosquitto_pub"), "mosquitto_pub is not installed");
        Path f = dir.resolve("mosquitto-passwd");
        SecurityFiles.mosquittoPasswd(f, "bob", "bob-pw", "-c");
        start(false, f);
        assertThat(mosquittoPub("bob", "bob-pw", "5")).isZero();
        assertThat(mosquittoPub("bob", "bob-pw", "311")).isZero();
        assertThat(mosquittoPub("bob", "wrong", "311")).isNotZero();
        assertThat(broker.stats().authFailures.sum()).isEqualTo(1);
    }

    private int mosquittoPub(String user, String password, String version) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mosquitto_pub", "-h", "127.0.0.1", "-p",
                Integer.toString(broker.port()), "-V", version, "-t", "t", "-m", "hello", "-q", "1",
                "-u", user, "-P", password));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            return p.exitValue();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void repeatedFailuresFromOneAddressAreAnsweredLaterAndLaterButAGoodLoginIsNotSlowed() throws Exception {
        start(false, passwords());
        byte[] bad = Packets.connect("e").user("alice").password("guess").v311();
        long first = timed(bad, 0x04);
        long second = timed(bad, 0x04);
        long third = timed(bad, 0x04);
        assertThat(first).as("the first failure is answered at once").isLessThan(400);
        assertThat(second).as("the second waits the first back-off").isBetween(450L, 2000L);
        assertThat(third).as("the third waits twice as long").isGreaterThanOrEqualTo(950);
        long good = timed(Packets.connect("e").user("alice").password("alice-pw").v311(), 0);
        assertThat(good).isLessThan(400);
        assertThat(broker.stats().authFailures.sum()).isEqualTo(3);
    }

    private long timed(byte[] connect, int expected) throws Exception {
        long t0 = System.nanoTime();
        assertThat(connack(connect)).isEqualTo(expected);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    @Test
    void aClientWaitingForItsDelayedRefusalDoesNotHoldUpOthers() throws Exception {
        start(false, passwords());
        byte[] bad = Packets.connect("f").user("alice").password("guess").v311();
        for (int i = 0; i < 4; i++) {
            connack(bad); // the next refusal from here waits 4 s
        }
        try (RawClient slow = new RawClient(broker.port())) {
            slow.send(bad);
            long t0 = System.nanoTime();
            assertThat(connack(Packets.connect("g").user("alice").password("alice-pw").v5())).isZero();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
                    .as("the event loop is not blocked by the delay").isLessThan(1000);
            assertThat(Replies.connackCode(slow.read())).isEqualTo(0x04);
        }
    }
}
