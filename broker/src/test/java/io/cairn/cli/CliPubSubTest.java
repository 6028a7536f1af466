package io.cairn.cli;

import io.cairn.config.BrokerConfig;
import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.TestBroker;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code cairn pub} and {@code cairn sub} (without --exec) as separate processes against a real broker:
 * pub's exit code says whether every message was acknowledged; sub prints like mosquitto_sub.
 */
class CliPubSubTest extends OneBrokerPerClass {

    @TempDir
    Path dir;

    private String port() {
        return String.valueOf(broker.port());
    }

    /** A Paho subscriber that queues "topic payload qos". */
    private static MqttClient subscriber(int port, String filter, BlockingQueue<String> got) throws Exception {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + port, "checker-" + System.nanoTime(), new MemoryPersistence());
        c.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage m) {
                got.add(topic + " " + new String(m.getPayload(), StandardCharsets.UTF_8) + " " + m.getQos());
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        c.connect();
        c.subscribe(filter, 2);
        return c;
    }

    @Test
    void pubExitsZeroOnceEveryMessageIsAcknowledgedAtEveryQos() throws Exception {
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        MqttClient checker = subscriber(broker.port(), "pub/#", got);
        try {
            assertThat(CliProcess.run(dir, null, "pub", "-p", port(), "-t", "pub/0", "-m", "zero").exitCode()).isZero();
            assertThat(CliProcess.run(dir, null, "pub", "-p", port(), "-t", "pub/1", "-q", "1", "-V", "5", "-m", "one")
                    .exitCode()).isZero();
            CliProcess lines = CliProcess.run(dir, "a\nb\nc\n", "pub", "-h", "127.0.0.1", "-p", port(), "-t", "pub/2",
                    "-q", "2", "-V", "5", "-l");
            assertThat(lines.exitCode()).as(lines.stderr()).isZero();
            Path file = Files.writeString(dir.resolve("payload"), "from a file");
            assertThat(CliProcess.run(dir, null, "pub", "-p", port(), "-t", "pub/2", "-q", "2", "-V", "311",
                    "-f", file.toString()).exitCode()).isZero();
            List<String> expected = List.of("pub/0 zero 0", "pub/1 one 1", "pub/2 a 2", "pub/2 b 2", "pub/2 c 2",
                    "pub/2 from a file 2");
            for (String e : expected) {
                assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo(e);
            }
            assertThat(got.poll(300, TimeUnit.MILLISECONDS)).isNull();
        } finally {
            checker.disconnect();
            checker.close();
        }
    }

    @Test
    void pubExitsNonZeroWhenUnreachableOrRefused() throws Exception {
        CliProcess unreachable = CliProcess.run(dir, null, "pub", "-p", "1", "-t", "x", "-q", "1", "-m", "m");
        assertThat(unreachable.exitCode()).isEqualTo(1);
        assertThat(unreachable.stderr()).contains("cairn pub: cannot connect to localhost:1");

        try (TestBroker closed = TestBroker.startWith(c -> c.withAuth(new BrokerConfig.Auth(false, null, null)))) {
            CliProcess refused = CliProcess.run(dir, null, "pub", "-p", String.valueOf(closed.port()), "-t", "x",
                    "-q", "1", "-V", "5", "-m", "m");
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.stderr()).contains("the broker refused the connection");
        }
    }

    @Test
    void pubExitsNonZeroWhenMqtt5RefusesTheMessage() throws Exception {
        Path acl = Files.writeString(dir.resolve("acl"), "topic write allowed/#\n");
        try (TestBroker guarded = TestBroker.startWith(c -> c.withAuth(new BrokerConfig.Auth(true, null, acl)))) {
            String p = String.valueOf(guarded.port());
            assertThat(CliProcess.run(dir, null, "pub", "-p", p, "-t", "allowed/x", "-q", "1", "-V", "5", "-m", "m")
                    .exitCode()).isZero();
            for (String qos : new String[] {"1", "2"}) {
                CliProcess denied = CliProcess.run(dir, null, "pub", "-p", p, "-t", "denied/x", "-q", qos, "-V", "5",
                        "-m", "m");
                assertThat(denied.exitCode()).as("QoS " + qos).isEqualTo(1);
                assertThat(denied.stderr()).contains("refused the message: 0x87 Not authorized");
            }
        }
    }

    @Test
    void pubAndSubOverTlsTrustTheCaOfCafile() throws Exception {
        io.cairn.tls.TestCertificates.writeTo(dir);
        String ca = dir.resolve("ca.crt").toString();
        try (TestBroker tls = TestBroker.startWith(c -> c.withListeners(List.of(
                BrokerConfig.Listener.tls("127.0.0.1", 0, dir.resolve("server.crt"), dir.resolve("server.key")))))) {
            String p = String.valueOf(tls.port());
            CliProcess pub = CliProcess.run(dir, null, "pub", "-h", "localhost", "-p", p, "--cafile", ca, "-t", "tls/x",
                    "-q", "1", "-r", "-m", "secret");
            assertThat(pub.exitCode()).as(pub.stderr()).isZero();
            CliProcess sub = CliProcess.run(dir, null, "sub", "-h", "127.0.0.1", "-p", p, "--cafile", ca, "-t", "tls/x",
                    "-V", "5", "-C", "1");
            assertThat(sub.exitCode()).as(sub.stderr()).isZero();
            assertThat(sub.stdout()).isEqualTo("secret\n");

            CliProcess untrusted = CliProcess.run(dir, null, "pub", "-h", "localhost", "-p", p,
                    "--cafile", dir.resolve("other-ca.crt").toString(), "-t", "tls/x", "-m", "m");
            assertThat(untrusted.exitCode()).isEqualTo(1);
            assertThat(untrusted.stderr()).startsWith("cairn pub: ").contains("TLS: ");
        }
    }

    @Test
    void pubRefusesABadCommandLine() throws Exception {
        CliProcess wildcard = CliProcess.run(dir, null, "pub", "-p", port(), "-t", "a/#", "-m", "m");
        assertThat(wildcard.exitCode()).isEqualTo(2);
        assertThat(CliProcess.run(dir, null, "pub", "-p", port(), "-t", "a", "-m", "m", "-l").exitCode())
                .as("-m and -l exclude each other").isEqualTo(2);
        assertThat(CliProcess.run(dir, null, "pub", "-p", port(), "-t", "a", "-q", "3", "-m", "m").exitCode()).isEqualTo(2);
    }

    @Test
    void subPrintsLikeMosquittoSub() throws Exception {
        try (MqttClient p = new MqttClient(broker.uri(), "retainer", new MemoryPersistence())) {
            p.connect();
            p.publish("print/a", "hello world".getBytes(StandardCharsets.UTF_8), 1, true);
            p.disconnect();
        }
        CliProcess verbose = CliProcess.run(dir, null, "sub", "-p", port(), "-t", "print/a", "-q", "1", "-v", "-C", "1");
        assertThat(verbose.exitCode()).as(verbose.stderr()).isZero();
        assertThat(verbose.stdout()).isEqualTo("print/a hello world\n");

        CliProcess plain = CliProcess.run(dir, null, "sub", "-p", port(), "-t", "print/#", "-t", "other", "-V", "5",
                "-C", "1");
        assertThat(plain.exitCode()).isZero();
        assertThat(plain.stdout()).isEqualTo("hello world\n");

        // live messages, QoS 2, -W as the deadline
        CliProcess live = CliProcess.start(dir, "sub", "-p", port(), "-t", "live/#", "-q", "2", "-v", "-C", "2", "-W", "15");
        try (MqttClient p = new MqttClient(broker.uri(), "live-pub", new MemoryPersistence())) {
            p.connect();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            int n = 0;
            // sub's subscription is not visible from here: publish until it prints
            while (live.stdout().isEmpty() && System.nanoTime() < end) {
                p.publish("live/warmup", ("w" + n++).getBytes(StandardCharsets.UTF_8), 2, false);
                Thread.sleep(200);
            }
            p.publish("live/x", "last".getBytes(StandardCharsets.UTF_8), 2, false);
            p.disconnect();
        }
        assertThat(live.exitCode()).as(live.stderr()).isZero();
        List<String> lines = live.stdout().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("live/warmup w");
    }

    @Test
    void subTimesOutWithStatus27AndChecksItsCommandLine() throws Exception {
        CliProcess quiet = CliProcess.run(dir, null, "sub", "-p", port(), "-t", "nothing/here", "-W", "1");
        assertThat(quiet.exitCode()).isEqualTo(27);
        assertThat(quiet.stdout()).isEmpty();

        CliProcess noId = CliProcess.run(dir, null, "sub", "-p", port(), "-t", "x", "-c");
        assertThat(noId.exitCode()).isEqualTo(2);
        assertThat(noId.stderr()).contains("-c (a persistent session) needs a client id: -i ID");

        CliProcess execNoId = CliProcess.run(dir, null, "sub", "-p", port(), "-t", "x", "--exec", "true");
        assertThat(execNoId.exitCode()).isEqualTo(2);
        assertThat(execNoId.stderr()).contains("--exec needs -i ID");

        CliProcess stateQos1 = CliProcess.run(dir, null, "sub", "-p", port(), "-t", "x", "-i", "s", "-q", "1",
                "--exec", "true", "--state", dir.resolve("s.state").toString());
        assertThat(stateQos1.exitCode()).isEqualTo(2);
        assertThat(stateQos1.stderr()).contains("--state records QoS 2 messages only");
    }
}
