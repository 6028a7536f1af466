package io.cairn.admission;

import io.cairn.config.BrokerConfig;
import io.cairn.test.Packets;
import io.cairn.test.RawClient;
import io.cairn.test.Replies;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A consumer that stops reading its socket stops its own deliveries (the write buffer's watermark),
 * not the broker: what waits for it stays within its filter's budget (QoS 0 beyond it is dropped and
 * counted), and other clients are served as before.
 */
class SlowConsumerTest {

    private static final long BUDGET = 1 << 20;

    @Test
    void aConsumerThatStopsReadingIsHeldToItsBudgetAndOthersAreServed() throws Exception {
        try (TestBroker broker = TestBroker.startWith(c -> c.withRouter(new BrokerConfig.Router(c.router().segment(),
                "reject", Map.of("slow/#", new BrokerConfig.Segment(BUDGET, 1)), 60)));
             RawClient stalled = RawClient.connected5(broker.port(), "stalled", true, 0)) {
            stalled.subscribe5("slow/#", 0, 1);
            // from here on the stalled client reads nothing; 40 MB is far beyond the socket buffers
            try (RawClient pub = RawClient.connected5(broker.port(), "flooder", true, 0)) {
                String payload = "f".repeat(1000);
                for (int i = 0; i < 40_000; i++) {
                    pub.send(Packets.publish5("slow/t", 0, false, 0, payload));
                }
                pub.send(Packets.pingreq());
                pub.readUntil(RawClient.PINGRESP);
            }
            await().atMost(java.time.Duration.ofSeconds(20)).until(() -> broker.stats().qos0Dropped.sum() > 0);
            assertThat(broker.stats().writePauses.sum()).as("the stalled consumer's pump stopped").isPositive();
            assertThat(broker.stats().heldBytes).as("what waits for it stays within its budget").isLessThanOrEqualTo(BUDGET);

            try (RawClient other = RawClient.connected5(broker.port(), "other", true, 0);
                 RawClient otherPub = RawClient.connected5(broker.port(), "other-pub", true, 0)) {
                other.subscribe5("fine/#", 1, 1);
                otherPub.send(Packets.publish5("fine/x", 1, false, 1, "hello"));
                assertThat(Replies.ackReason(otherPub.readUntil(RawClient.PUBACK))).isZero();
                assertThat(Replies.payload5(other.readUntil(RawClient.PUBLISH))).isEqualTo("hello");
            }
        }
    }
}
