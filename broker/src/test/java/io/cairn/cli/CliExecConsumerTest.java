package io.cairn.cli;

import io.cairn.test.OneBrokerPerClass;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code cairn sub --exec CMD}, the reliable consumer, as a separate JVM against a real broker: it is
 * SIGKILLed while CMD runs and right after a state record, SIGTERMed while CMD runs, fed a CMD that
 * fails; each test counts every handled message at the end (CMD appends the payloads to a file).
 */
class CliExecConsumerTest extends OneBrokerPerClass {

    @TempDir
    Path dir;

    private Path out;
    private MqttClient publisher;
    private final List<CliProcess> consumers = new ArrayList<>();

    @BeforeEach
    void connectPublisher() throws Exception {
        out = dir.resolve("handled");
        publisher = new MqttClient(broker.uri(), "publisher-" + System.nanoTime(), new MemoryPersistence());
        publisher.connect();
    }

    @AfterEach
    void stopAll() throws Exception {
        for (CliProcess c : consumers) {
            c.close();
        }
        publisher.disconnect();
        publisher.close();
    }

    private void publish(String topic, String payload, int qos) throws Exception {
        publisher.publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, false);
    }

    /** Starts a consumer and waits until it is subscribed. */
    private CliProcess consumer(List<String> jvm, String id, String filter, int qos, String cmd, String... more)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("sub", "-p", String.valueOf(broker.port()), "-i", id, "-t", filter,
                "-q", String.valueOf(qos), "--exec", cmd));
        args.addAll(List.of(more));
        CliProcess c = CliProcess.start(dir, jvm, null, args.toArray(new String[0]));
        consumers.add(c);
        c.awaitStderr("cairn sub: consuming");
        return c;
    }

    private CliProcess consumer(String id, String filter, int qos, String cmd, String... more) throws Exception {
        return consumer(List.of(), id, filter, qos, cmd, more);
    }

    /** CMD that appends its payload and a newline to the file of handled messages. */
    private String append() {
        return "p=$(cat); echo \"$p\" >> '" + out + "'";
    }

    private List<String> handled() throws IOException {
        return Files.exists(out) ? Files.readAllLines(out) : List.of();
    }

    private void awaitHandled(int n) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (handled().size() < n) {
            assertThat(System.nanoTime()).as("%d handled; have %s", n, handled()).isLessThan(end);
            Thread.sleep(50);
        }
    }

    private static void awaitFile(Path p) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(p)) {
            assertThat(System.nanoTime()).as("%s appears", p).isLessThan(end);
            Thread.sleep(20);
        }
    }

    @Test
    void everyMessageIsHandledInOrderWith311AndQos2() throws Exception {
        CliProcess c = consumer("all", "all/#", 2, append(), "-V", "311");
        for (int i = 1; i <= 5; i++) {
            publish("all/" + i, "m" + i, i % 3);
        }
        awaitHandled(5);
        c.terminate();
        assertThat(c.exitCode()).isZero();
        assertThat(handled()).containsExactly("m1", "m2", "m3", "m4", "m5");
        assertThat(c.stderr()).contains("cairn sub: all/1 (QoS 1, packet").contains("all/3 (QoS 0): handled")
                .contains("cairn sub: stopped");
    }

    @Test
    void aConsumerKilledWhileCmdRunsGetsTheMessageAgain() throws Exception {
        Path started = dir.resolve("started");
        // the first run of CMD hangs (until killed); later runs append
        String cmd = "p=$(cat); if [ ! -e '" + started + "' ]; then touch '" + started + "'; sleep 60; fi; "
                + "echo \"$p\" >> '" + out + "'";
        CliProcess first = consumer("killed", "killed/#", 1, cmd, "-V", "5");
        publish("killed/a", "m1", 1);
        publish("killed/b", "m2", 1);
        awaitFile(started);
        first.kill();
        assertThat(handled()).isEmpty();
        publish("killed/c", "m3", 1);

        CliProcess second = consumer("killed", "killed/#", 1, cmd, "-V", "5");
        awaitHandled(3);
        Thread.sleep(300);
        second.terminate();
        assertThat(second.exitCode()).isZero();
        assertThat(handled()).as("at least once, nothing lost, in order").containsExactly("m1", "m2", "m3");
        assertThat(second.stderr()).contains("killed/a (QoS 1, packet").contains("DUP");
    }

    @Test
    void aFailingCmdIsRetried() throws Exception {
        Path failedOnce = dir.resolve("failed-once");
        String cmd = "p=$(cat); if [ ! -e '" + failedOnce + "' ]; then touch '" + failedOnce + "'; exit 3; fi; "
                + "echo \"$p\" >> '" + out + "'";
        CliProcess c = consumer("retry", "retry/#", 1, cmd, "--retry-delay", "0.2");
        publish("retry/x", "m1", 1);
        publish("retry/x", "m2", 1);
        awaitHandled(2);
        c.terminate();
        assertThat(c.exitCode()).isZero();
        assertThat(handled()).containsExactly("m1", "m2");
        assertThat(c.stderr()).contains("retry/x (QoS 1, packet 1): CMD exited 3 (attempt 1 of 3); retrying in 0.2 s");
    }

    @Test
    void aCmdThatAlwaysFailsSendsTheMessageToTheDeadLetterTopic() throws Exception {
        BlockingQueue<String> dead = new LinkedBlockingQueue<>();
        MqttClient watcher = new MqttClient(broker.uri(), "dead-watcher", new MemoryPersistence());
        watcher.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage m) {
                dead.add(new String(m.getPayload(), StandardCharsets.UTF_8) + " " + m.getQos());
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        watcher.connect();
        watcher.subscribe("dlq/orders", 2);
        try {
            String cmd = "p=$(cat); if [ \"$p\" = poison ]; then exit 1; fi; echo \"$p\" >> '" + out + "'";
            CliProcess c = consumer("dl", "dl/#", 2, cmd, "--retry-delay", "0.05", "--max-attempts", "2",
                    "--dead-letter", "dlq/orders", "-V", "5");
            publish("dl/1", "poison", 2);
            publish("dl/2", "good", 2);
            assertThat(dead.poll(15, TimeUnit.SECONDS)).isEqualTo("poison 2");
            awaitHandled(1);
            c.terminate();
            assertThat(c.exitCode()).isZero();
            assertThat(handled()).containsExactly("good");
            assertThat(dead).isEmpty();
            assertThat(c.stderr()).contains("dl/1 (QoS 2, packet 1): dead-lettered to dlq/orders");
        } finally {
            watcher.disconnect();
            watcher.close();
        }
    }

    @Test
    void withoutDeadLetterAGivenUpMessageStaysWithTheBroker() throws Exception {
        CliProcess failing = consumer("giveup", "giveup/#", 1, "cat >/dev/null; exit 1", "--retry-delay", "0.05",
                "--max-attempts", "2");
        publish("giveup/x", "m1", 1);
        assertThat(failing.exitCode()).isEqualTo(3);
        assertThat(failing.stderr()).contains("giveup/x (QoS 1, packet 1): given up; left unacknowledged");

        CliProcess working = consumer("giveup", "giveup/#", 1, append());
        awaitHandled(1);
        working.terminate();
        assertThat(working.exitCode()).isZero();
        assertThat(handled()).containsExactly("m1");
    }

    @Test
    void aMessagePublishedBeforeTheConsumerFirstRanIsHandledIfTheSessionExisted() throws Exception {
        CliProcess create = CliProcess.run(dir, null, "sub", "-p", String.valueOf(broker.port()), "-i", "early", "-c",
                "-q", "1", "-t", "early/#", "-E");
        assertThat(create.exitCode()).as(create.stderr()).isZero();
        publish("early/x", "while nobody ran", 1);

        CliProcess c = consumer("early", "early/#", 1, append());
        awaitHandled(1);
        c.terminate();
        assertThat(c.exitCode()).isZero();
        assertThat(handled()).containsExactly("while nobody ran");
        assertThat(c.stderr()).contains("session resumed");
    }

    @Test
    void withStateAQos2MessageIsNotHandledTwiceAfterACrashBeforeThePubrec() throws Exception {
        Path state = dir.resolve("consumer.state");
        // halts (as a SIGKILL would) right after recording the packet id, before the PUBREC
        CliProcess crashing = consumer(List.of("-Dcairn.test.haltAfterRecord=true"), "once", "once/#", 2, append(),
                "--state", state.toString(), "-V", "5");
        publish("once/x", "m1", 2);
        assertThat(crashing.exitCode()).isEqualTo(137);
        assertThat(handled()).containsExactly("m1");
        assertThat(Files.readAllLines(state)).contains("1");

        CliProcess restarted = consumer("once", "once/#", 2, append(), "--state", state.toString(), "-V", "5");
        restarted.awaitStderr("handled already");
        publish("once/y", "m2", 2);
        awaitHandled(2);
        Thread.sleep(300);
        restarted.terminate();
        assertThat(restarted.exitCode()).isZero();
        assertThat(handled()).as("exactly once").containsExactly("m1", "m2");
        assertThat(Files.readAllLines(state)).as("ids removed at PUBREL").noneMatch(l -> l.matches("\\d+"));
    }

    @Test
    void withStateACrashBetweenCmdsExitAndTheRecordHandlesTheMessageTwiceAsDocumented() throws Exception {
        Path state = dir.resolve("consumer.state");
        Path killed = dir.resolve("killed");
        // the first run handles the message, then SIGKILLs the consumer ($PPID) before it can record it
        String cmd = "p=$(cat); echo \"$p\" >> '" + out + "'; if [ ! -e '" + killed + "' ]; then touch '" + killed
                + "'; kill -9 $PPID; fi";
        CliProcess crashing = consumer("gap", "gap/#", 2, cmd, "--state", state.toString(), "-V", "5");
        publish("gap/x", "m1", 2);
        assertThat(crashing.exitCode()).isEqualTo(137);

        CliProcess restarted = consumer("gap", "gap/#", 2, cmd, "--state", state.toString(), "-V", "5");
        awaitHandled(2);
        restarted.awaitStderr("gap/x (QoS 2, packet 1, DUP): handled");
        restarted.terminate();
        assertThat(restarted.exitCode()).isZero();
        assertThat(handled()).as("the one gap of --state: handled again, never lost").containsExactly("m1", "m1");
    }

    @Test
    void sigtermLetsTheCurrentMessageFinish() throws Exception {
        Path started = dir.resolve("started");
        String cmd = "p=$(cat); touch '" + started + "'; sleep 1; echo \"$p\" >> '" + out + "'";
        CliProcess c = consumer("term", "term/#", 1, cmd);
        publish("term/x", "m1", 1);
        awaitFile(started);
        c.terminate();
        assertThat(c.exitCode()).isZero();
        assertThat(handled()).containsExactly("m1");
        assertThat(c.stderr()).contains("term/x (QoS 1, packet 1): handled").contains("cairn sub: stopped");

        // it was acknowledged: the next run gets only the next message
        CliProcess next = consumer("term", "term/#", 1, append());
        publish("term/x", "m2", 1);
        awaitHandled(2);
        Thread.sleep(300);
        next.terminate();
        assertThat(next.exitCode()).isZero();
        assertThat(handled()).containsExactly("m1", "m2");
    }
}
