package io.cairn.consumption;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import io.cairn.test.TestBroker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manual acknowledgement scenario every client library goes through: a consumer process
 * subscribes (persistent session, window of 3), ten messages are published, the consumer is killed
 * (SIGKILL) while it handles the fifth, a new consumer process resumes the session and handles the
 * rest. Then: every message handled at least once, none lost; the broker kept no more than the
 * window in flight; and what it re-sent is what was in flight, DUP=1, with the same packet ids, in
 * order, before anything new.
 *
 * <p>Threading: used from the test thread; {@link PublishTap} records on its own threads.
 */
final class ManualAckScenario {

    static final int MESSAGES = 10;
    static final int WINDOW = 3;
    static final String STALL = payload(5);

    /** Starts a consumer process: it resumes {@code clientId}'s session through {@code port}. */
    interface Launcher {
        Process start(int port, String clientId, String filter, int qos, Path log, String stall) throws IOException;
    }

    /** The consumer's log of each run and the PUBLISH packets the broker sent to each connection. */
    /** {@code pubrecsOnFirst}: packet ids the first consumer sent PUBREC for (the broker got them). */
    record Outcome(List<String> firstRun, List<String> secondRun, List<PublishTap.Seen> publishes,
                   List<Integer> pubrecsOnFirst) {
        List<PublishTap.Seen> on(int connection) {
            return publishes.stream().filter(s -> s.connection() == connection).toList();
        }
    }

    private ManualAckScenario() {
    }

    static String payload(int n) {
        return String.format("m%02d", n);
    }

    static List<String> payloads(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(ManualAckScenario::payload).toList();
    }

    /** Runs the scenario at {@code qos}; {@code v5}: the consumer speaks MQTT 5.0. */
    static Outcome run(String name, int qos, boolean v5, Path dir, Launcher launcher) throws Exception {
        try (TestBroker broker = TestBroker.start(m -> m.with(b -> b.maxInflight = WINDOW));
             PublishTap tap = new PublishTap(broker.port(), v5)) {
            String clientId = name + "-q" + qos;
            String filter = "work/" + clientId + "/#";
            Path log = dir.resolve(clientId + ".log");
            Files.createFile(log);
            Process first = launcher.start(tap.port(), clientId, filter, qos, log, STALL);
            List<String> firstRun;
            Process second = null;
            try {
                awaitLine(log, first, "READY", 15);
                publish(broker.port(), "work/" + clientId + "/jobs", qos);
                awaitLine(log, first, "STALL", 10);
                first.destroyForcibly(); // SIGKILL while the fifth message is being handled
                assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
                firstRun = Files.readAllLines(log);
                second = launcher.start(tap.port(), clientId, filter, qos, log, "-");
                long deadline = System.currentTimeMillis() + 15_000;
                while (!handled(Files.readAllLines(log)).containsAll(payloads(1, MESSAGES))
                        && System.currentTimeMillis() < deadline) {
                    assertThat(second.isAlive()).as("the second consumer is alive: %s", Files.readAllLines(log)).isTrue();
                    Thread.sleep(50);
                }
            } finally {
                first.destroyForcibly();
                if (second != null) {
                    second.destroyForcibly();
                    second.waitFor(10, TimeUnit.SECONDS);
                }
            }
            List<String> all = Files.readAllLines(log);
            return new Outcome(firstRun, all.subList(firstRun.size(), all.size()), tap.seen(), tap.pubrecs(1));
        }
    }

    /**
     * The assertions that hold for every library: all handled, none lost; the first run handled
     * m01..m04 and stalled on m05; the second handled m05..m10 once each, in order; the broker sent
     * the first connection at most the window beyond what was acknowledged.
     */
    static void assertAtLeastOnceInOrder(Outcome o) {
        assertThat(handled(o.firstRun())).as("first run: %s", o.firstRun()).containsExactlyElementsOf(payloads(1, 4));
        assertThat(handled(o.secondRun())).as("second run: %s", o.secondRun()).containsExactlyElementsOf(payloads(5, MESSAGES));
        List<String> handledAll = new ArrayList<>(handled(o.firstRun()));
        handledAll.addAll(handled(o.secondRun()));
        assertThat(handledAll).as("every message handled at least once, none lost").containsAll(payloads(1, MESSAGES));
        assertThat(o.on(1)).as("the window: 4 acknowledged + at most %d in flight", WINDOW).hasSizeBetween(5, 4 + WINDOW);
    }

    /**
     * What the broker re-sent on the second connection: first the PUBLISH packets in flight when
     * the consumer died (m05 onwards, DUP=1, the packet ids of the first connection, in order), then
     * the rest with DUP=0, each message once.
     */
    static void assertRedeliveredWithDup(Outcome o) {
        List<PublishTap.Seen> first = o.on(1);
        List<PublishTap.Seen> second = o.on(2);
        assertThat(second.stream().map(PublishTap.Seen::payload).toList()).as("second connection: %s", second)
                .containsExactlyElementsOf(payloads(5, MESSAGES));
        List<PublishTap.Seen> resent = second.stream().takeWhile(PublishTap.Seen::dup).toList();
        assertThat(second.stream().skip(resent.size())).as("after the re-sent ones only new deliveries: %s", second)
                .noneMatch(PublishTap.Seen::dup);
        List<PublishTap.Seen> inFlightAtDeath = first.stream().skip(4).toList();
        // the broker may have written one more PUBLISH that the relay had not yet read when the
        // consumer died: it was sent, so it is re-sent with DUP=1 too, after those the relay saw
        assertThat(resent).as("re-sent: what was in flight when the consumer died (%s), within the window", inFlightAtDeath)
                .hasSizeBetween(inFlightAtDeath.size(), WINDOW);
        for (int i = 0; i < inFlightAtDeath.size(); i++) {
            assertThat(resent.get(i).payload()).isEqualTo(inFlightAtDeath.get(i).payload());
            assertThat(resent.get(i).packetId()).as("same packet id").isEqualTo(inFlightAtDeath.get(i).packetId());
            assertThat(inFlightAtDeath.get(i).dup()).isFalse();
        }
    }

    /** The payloads the log says were handled, in order. */
    static List<String> handled(List<String> log) {
        return log.stream().filter(l -> l.startsWith("H ")).map(l -> l.substring(2)).toList();
    }

    private static void publish(int port, String topic, int qos) {
        Mqtt5BlockingClient p = Mqtt5Client.builder().identifier("publisher-" + System.nanoTime())
                .serverHost("127.0.0.1").serverPort(port).buildBlocking();
        p.connect();
        for (String payload : payloads(1, MESSAGES)) {
            p.publishWith().topic(topic).qos(MqttQos.fromCode(qos)).payload(payload.getBytes(StandardCharsets.UTF_8)).send();
        }
        p.disconnect();
    }

    private static void awaitLine(Path log, Process p, String line, int seconds) throws Exception {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < deadline) {
            if (Files.readAllLines(log).contains(line)) {
                return;
            }
            if (!p.isAlive()) {
                throw new AssertionError("the consumer exited (" + p.exitValue() + ") before '" + line + "': "
                        + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8) + Files.readAllLines(log));
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no '" + line + "' within " + seconds + " s: " + Files.readAllLines(log));
    }

    /** A JVM running {@link ManualAckConsumer} on the test classpath, its output to {@code output}. */
    static Process java(Path output, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), ManualAckConsumer.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
    }
}
