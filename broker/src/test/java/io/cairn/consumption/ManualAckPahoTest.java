package io.cairn.consumption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Manual acknowledgement with Paho Java 3.1.1 ({@code setManualAcks(true)},
 * {@code messageArrivedComplete(id, qos)}), in a consumer process killed mid-handling. QoS 1: the
 * PUBACK waits for the handling, so the broker re-sends the unacknowledged PUBLISH packets (DUP=1,
 * same packet ids, in order). QoS 2: Paho sends PUBREC on receipt, persists the message (file
 * persistence) and hands it to the application on PUBREL; so the broker, which must not re-send a
 * PUBLISH after PUBREC [MQTT-4.3.3-6], re-sends PUBREL, and the restarted Paho hands over the
 * message it persisted: handled at least once all the same, and no PUBLISH is re-sent after its
 * PUBREC reached the broker (the relay records the PUBRECs).
 *
 * <p>Threading: JUnit's test thread.
 */
class ManualAckPahoTest {

    @TempDir
    Path dir;

    private ManualAckScenario.Outcome run(int qos) throws Exception {
        return ManualAckScenario.run("paho", qos, false, dir,
                (port, clientId, filter, q, log, stall) -> ManualAckScenario.java(dir.resolve(clientId + ".out"),
                        "paho", String.valueOf(port), clientId, filter, String.valueOf(q), log.toString(), stall,
                        dir.resolve(clientId + "-persistence").toString()));
    }

    @Test
    void qos1AConsumerKilledBeforeItsPubackGetsTheMessagesAgainWithDupInOrder() throws Exception {
        ManualAckScenario.Outcome o = run(1);
        ManualAckScenario.assertAtLeastOnceInOrder(o);
        ManualAckScenario.assertRedeliveredWithDup(o);
    }

    @Test
    void qos2AConsumerKilledBeforeItsPubcompHandlesThePersistedMessagesOnThePubrelResent() throws Exception {
        ManualAckScenario.Outcome o = run(2);
        ManualAckScenario.assertAtLeastOnceInOrder(o);
        // Paho sends PUBREC on its own thread: one still unsent when the process died leaves that
        // PUBLISH to be re-sent (DUP=1); one the broker received never is [MQTT-4.3.3-6]
        assertThat(o.on(2).stream().filter(PublishTap.Seen::dup).toList())
                .as("no PUBLISH is re-sent after its PUBREC (first connection's PUBRECs: %s)", o.pubrecsOnFirst())
                .allSatisfy(s -> assertThat(o.pubrecsOnFirst()).doesNotContain(s.packetId()));
        assertThat(o.on(2).stream().filter(s -> !s.dup()).map(PublishTap.Seen::payload).toList())
                .as("then the new ones")
                .containsExactlyElementsOf(ManualAckScenario.payloads(o.on(1).size() + 1, ManualAckScenario.MESSAGES));
    }
}
