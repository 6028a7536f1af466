package io.cairn.robustness;

import io.cairn.Broker;
import io.cairn.config.BrokerConfig;
import io.cairn.test.Packets;
import io.cairn.test.Replies;
import io.cairn.test.RawClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

import static io.cairn.test.RawClient.PUBLISH;
import static io.cairn.test.RawClient.SUBACK;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One anonymous client must not be able to stop the broker with a deep topic. A topic of 30,000
 * levels (the most a 65,535-byte name holds is 32,768) used to overflow the engine thread's stack in
 * matching, insertion, removal and recovery; the engine died and no client was served again, and a
 * restart died in recovery. Here every one of those paths runs through a real broker, on the journal,
 * across a restart.
 */
class DeepTopicTest {

    private static final String DEEP = String.join("/", Collections.nCopies(30_000, "a"));
    private static final String DEEP_PLUS = String.join("/", Collections.nCopies(30_000, "+"));

    @Test
    void aThirtyThousandLevelTopicIsRoutedSubscribedRemovedAndRecoveredWhileTheBrokerKeepsServing(@TempDir Path dir)
            throws Exception {
        BrokerConfig config = BrokerConfig.defaults()
                .withListeners(List.of(BrokerConfig.Listener.tcp("127.0.0.1", 0)))
                .withStorage(BrokerConfig.Storage.defaults().withDir(dir).withDurability("sync"));
        try (Broker broker = Broker.start(config)) {
            int port = broker.boundAddresses().get(0).getPort();
            try (RawClient deep = RawClient.connected311(port, "deep-sub", false);
                 RawClient plus = RawClient.connected311(port, "plus-sub", true);
                 RawClient pub = RawClient.connected311(port, "deep-pub", true)) {
                assertThat(deep.subscribe311(DEEP, 1, 1).u8(2)).isEqualTo(1);
                assertThat(plus.subscribe311(DEEP_PLUS, 0, 1).u8(2)).isEqualTo(0);
                pub.send(Packets.publish311(DEEP, 1, true, false, 5, "deep".getBytes(StandardCharsets.UTF_8)));
                assertThat(Replies.topicOf(deep.readUntil(PUBLISH))).isEqualTo(DEEP);
                assertThat(Replies.topicOf(plus.readUntil(PUBLISH))).isEqualTo(DEEP);
            } // plus-sub's clean session ends: its deep filter is removed from the trie
            assertServes(port);
        } // a clean stop with a deep persistent subscription and a deep retained message
        try (Broker again = Broker.start(config)) {
            int port = again.boundAddresses().get(0).getPort();
            assertServes(port);
            try (RawClient late = RawClient.connected311(port, "late-sub", true)) {
                late.send(Packets.subscribe311(1, "#", 1));
                assertThat(late.read().type()).isEqualTo(SUBACK);
                assertThat(Replies.topicOf(late.read())).as("the deep retained message survived").isEqualTo(DEEP);
            }
            try (RawClient deep = RawClient.connected311(port, "deep-sub", true)) {
                // clean session: the recovered deep subscription is removed again
                assertThat(deep.connack().u8(0)).isZero();
            }
            assertServes(port);
        }
    }

    private static void assertServes(int port) throws Exception {
        try (RawClient c = RawClient.connected311(port, "probe-" + System.nanoTime(), true)) {
            assertThat(c.subscribe311("probe", 0, 1).type()).isEqualTo(SUBACK);
        }
    }
}
