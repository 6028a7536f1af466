package io.cairn.consumption;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

/**
 * Manual acknowledgement with the HiveMQ MQTT client (5.0, {@code manualAcknowledgement} on its
 * publish flow, {@code Mqtt5Publish.acknowledge()}), in a consumer process killed mid-handling: the
 * broker keeps the unacknowledged messages in flight within the client's Receive Maximum and re-sends
 * them (DUP=1, same packet ids, in order) to the next consumer process.
 *
 * <p>Threading: JUnit's test thread.
 */
class ManualAckHiveMqTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "QoS {0}")
    @ValueSource(ints = {1, 2})
    void aConsumerKilledBeforeItsAckGetsTheMessagesAgainWithDupInOrder(int qos) throws Exception {
        ManualAckScenario.Outcome o = ManualAckScenario.run("hivemq", qos, true, dir,
                (port, clientId, filter, q, log, stall) -> ManualAckScenario.java(dir.resolve(clientId + ".out"),
                        "hivemq", String.valueOf(port), clientId, filter, String.valueOf(q), log.toString(), stall));
        ManualAckScenario.assertAtLeastOnceInOrder(o);
        ManualAckScenario.assertRedeliveredWithDup(o);
    }
}
