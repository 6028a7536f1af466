package io.cairn.admission;

import io.cairn.config.BrokerConfig;
import io.cairn.test.Packets;
import io.cairn.test.RawClient;
import io.cairn.test.RawClient.Packet;
import io.cairn.test.Replies;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code overflow = "drop-oldest"}, the explicit opt-in: every PUBLISH is accepted, the oldest queued
 * messages are dropped to make room, counted; the subscriber gets the newest ones, in order.
 */
class BudgetDropOldestTest {

    @Test
    void aFullFilterDropsItsOldestMessagesFromEverySubscriberAndKeepsTheNewest() throws Exception {
        try (TestBroker broker = TestBroker.startWith(c -> c.withRouter(new BrokerConfig.Router(c.router().segment(),
                "drop-oldest", Map.of("bounded/#", new BrokerConfig.Segment(4096, 4)), 60)))) {
            subscribeAndLeave(broker, "drop-a");
            subscribeAndLeave(broker, "drop-b");
            publishAll(broker, 40);
            List<Integer> a = drain(broker, "drop-a");
            List<Integer> b = drain(broker, "drop-b");
            assertThat(a).as("the newest messages, in order, ending with the last one").isNotEmpty()
                    .isSorted().endsWith(40).hasSizeLessThan(16);
            assertThat(b).as("the filter's oldest message is dropped from every subscriber").isEqualTo(a);
            assertThat(broker.stats().droppedOldest.sum()).isEqualTo(2L * (40 - a.size()));
        }
    }

    @Test
    void aFullSessionDropsItsOwnOldestQueuedMessage() throws Exception {
        try (TestBroker broker = TestBroker.startWith(c -> c
                .withMqtt(c.mqtt().with(m -> m.maxQueuedMessages = 5))
                .withRouter(new BrokerConfig.Router(c.router().segment(), "drop-oldest", Map.of(), 60)))) {
            subscribeAndLeave(broker, "drop-s");
            publishAll(broker, 20);
            assertThat(drain(broker, "drop-s")).containsExactly(16, 17, 18, 19, 20);
            assertThat(broker.stats().droppedOldest.sum()).isEqualTo(15);
        }
    }

    private static void subscribeAndLeave(TestBroker broker, String clientId) throws Exception {
        try (RawClient sub = RawClient.connected5(broker.port(), clientId, true, 3600)) {
            sub.subscribe5("bounded/#", 1, 1);
            sub.send(Packets.disconnect5(0));
        }
    }

    private static void publishAll(TestBroker broker, int n) throws Exception {
        try (RawClient pub = RawClient.connected5(broker.port(), "drop-pub", true, 0)) {
            for (int id = 1; id <= n; id++) {
                pub.send(Packets.publish5("bounded/t", 1, false, id, BudgetRefusalV5Test.payload(id)));
                assertThat(Replies.ackReason(pub.readUntil(RawClient.PUBACK))).as("accepted").isZero();
            }
        }
    }

    private static List<Integer> drain(TestBroker broker, String clientId) throws Exception {
        List<Integer> got = new ArrayList<>();
        try (RawClient sub = RawClient.connected5(broker.port(), clientId, false, 3600)) {
            Packet p;
            while ((p = sub.poll(500)) != null) {
                if (p.type() == RawClient.PUBLISH) {
                    got.add(Integer.parseInt(Replies.payload5(p).substring(0, 4)));
                    sub.send(Packets.puback(Replies.packetIdOf(p)));
                }
            }
        }
        return got;
    }
}
