package io.cairn.consumption;

import io.cairn.test.NodeClients;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

/**
 * Manual acknowledgement with MQTT.js 5.16.0 ({@code customHandleAcks}: the PUBACK or PUBREC is sent
 * when the handler calls {@code done}), 5.0, in a Node consumer process killed mid-handling: the
 * broker re-sends the unacknowledged messages (DUP=1, same packet ids, in order) to the next one.
 * Skipped where Node.js is missing.
 *
 * <p>Threading: JUnit's test thread.
 */
class ManualAckMqttJsTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "QoS {0}")
    @ValueSource(ints = {1, 2})
    void aConsumerKilledBeforeItsAckGetsTheMessagesAgainWithDupInOrder(int qos) throws Exception {
        Path home = NodeClients.home();
        ManualAckScenario.Outcome o = ManualAckScenario.run("mqttjs", qos, true, dir,
                (port, clientId, filter, q, log, stall) -> new ProcessBuilder("node", "manual-ack-consumer.mjs",
                        "mqtt://127.0.0.1:" + port, clientId, filter, String.valueOf(q), log.toAbsolutePath().toString(),
                        stall).directory(home.toFile()).redirectErrorStream(true)
                        .redirectOutput(dir.resolve(clientId + ".out").toFile()).start());
        ManualAckScenario.assertAtLeastOnceInOrder(o);
        ManualAckScenario.assertRedeliveredWithDup(o);
    }
}
