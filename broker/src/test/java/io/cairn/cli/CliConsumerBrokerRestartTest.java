package io.cairn.cli;

import io.cairn.crash.BrokerProcess;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code cairn sub --exec} outlives its broker: the broker (its own JVM, durability sync) is SIGKILLed
 * while CMD runs and started again; the consumer reconnects, gets the unacknowledged message again and
 * goes on with the next ones.
 */
class CliConsumerBrokerRestartTest {

    @TempDir
    Path dir;

    @Test
    void theConsumerReconnectsAndGetsTheUnacknowledgedMessageAgain() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path out = dir.resolve("handled");
        Path started = dir.resolve("started");
        String cmd = "p=$(cat); touch '" + started + "'; sleep 1; echo \"$p\" >> '" + out + "'";
        try (BrokerProcess broker = new BrokerProcess(port, dir.resolve("data"), "sync", dir.resolve("broker.log").toFile())) {
            broker.start();
            try (CliProcess consumer = CliProcess.start(dir, List.of(), null, "sub", "-p", String.valueOf(port),
                    "-i", "survivor", "-t", "r/#", "-q", "1", "-V", "5", "--exec", cmd)) {
                consumer.awaitStderr("consuming");
                publish(port, "r/1", "m1");
                awaitFile(started);
                broker.kill(); // CMD is running: its PUBACK will find no connection
                broker.start();
                consumer.awaitStderr("reconnecting in 1 s");
                publish(port, "r/2", "m2");
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!handled(out).contains("m2")) {
                    assertThat(System.nanoTime()).as("m2 handled: %s\n%s", handled(out), consumer.stderr()).isLessThan(end);
                    Thread.sleep(50);
                }
                consumer.terminate();
                assertThat(consumer.exitCode()).isZero();
                // at least once: m1 once or twice (handled, then its PUBACK lost with the broker), then m2
                List<String> h = handled(out);
                assertThat(h).startsWith("m1").endsWith("m2").containsOnly("m1", "m2");
                assertThat(consumer.stderr()).contains("r/1 (QoS 1, packet 1, DUP): handled");
            }
        }
    }

    private static List<String> handled(Path out) throws Exception {
        return Files.exists(out) ? Files.readAllLines(out) : List.of();
    }

    private static void publish(int port, String topic, String payload) throws Exception {
        try (MqttClient p = new MqttClient("tcp://127.0.0.1:" + port, "pub-" + System.nanoTime(), new MemoryPersistence())) {
            p.connect();
            p.publish(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false);
            p.disconnect();
        }
    }

    private static void awaitFile(Path p) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(p)) {
            assertThat(System.nanoTime()).as("%s appears", p).isLessThan(end);
            Thread.sleep(20);
        }
    }
}
