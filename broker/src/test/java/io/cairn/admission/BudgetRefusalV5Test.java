package io.cairn.admission;

import io.cairn.config.BrokerConfig;
import io.cairn.test.Packets;
import io.cairn.test.RawClient;
import io.cairn.test.RawClient.Packet;
import io.cairn.test.Replies;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MQTT 5.0 publishers and a full budget: a QoS 1/2 PUBLISH that would go into a full filter or session
 * budget is refused with 0x97 before anything is acknowledged or queued; everything accepted is
 * delivered when the subscriber returns, and the publisher is accepted again once it has drained.
 */
class BudgetRefusalV5Test {

    /** 'bounded/#' may hold 16 KiB: about a dozen 1 KiB messages. */
    private static final long SEGMENT = 4096;
    private static final int SEGMENTS = 4;
    private static final int QUOTA_EXCEEDED = 0x97;

    private TestBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = TestBroker.startWith(c -> c.withRouter(new BrokerConfig.Router(c.router().segment(), "reject",
                Map.of("bounded/#", new BrokerConfig.Segment(SEGMENT, SEGMENTS)), 60)));
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void aBoundedFilterRefusesWith0x97WhenFullDeliversWhatItAcceptedAndAcceptsAgainAfterTheDrain() throws Exception {
        offlineSubscriber("sub-bounded", "bounded/#");
        offlineSubscriber("sub-free", "free/#");
        try (RawClient pub = RawClient.connected5(broker.port(), "pub", true, 0)) {
            List<String> accepted = new ArrayList<>();
            int firstRefused = -1;
            for (int id = 1; id <= 40; id++) {
                String payload = payload(id);
                int reason = publishQos1(pub, "bounded/a", id, payload);
                if (reason == 0) {
                    assertThat(firstRefused).as("nothing accepted after the first refusal while nobody drains").isEqualTo(-1);
                    accepted.add(payload);
                } else {
                    assertThat(reason).isEqualTo(QUOTA_EXCEEDED);
                    firstRefused = firstRefused < 0 ? id : firstRefused;
                }
            }
            assertThat(firstRefused).as("the 16 KiB budget fills before 40 messages of 1 KiB").isPositive();
            assertThat(accepted.size()).as("accepted before the budget was full").isBetween(8, 15);
            assertThat(broker.stats().publishesRefused.sum()).isEqualTo(40 - accepted.size());

            // a filter with the default budget is unaffected
            assertThat(publishQos1(pub, "free/a", 100, payload(100))).isZero();

            // everything accepted is delivered, in order, when the subscriber returns
            assertThat(drain("sub-bounded", accepted.size())).containsExactlyElementsOf(accepted);

            // and the publisher is accepted again
            assertThat(publishQos1(pub, "bounded/a", 200, payload(200))).isZero();
        }
    }

    @Test
    void anOnlineSubscriberThatDoesNotAcknowledgeHoldsItsWindowAgainstItsBudget() throws Exception {
        // Receive Maximum absent = 65,535: the window is not a way around the budget
        try (RawClient sub = RawClient.connected5(broker.port(), "slow", true, 0);
             RawClient pub = RawClient.connected5(broker.port(), "pub2", true, 0)) {
            sub.subscribe5("bounded/#", 1, 1);
            int refused = 0;
            for (int id = 1; id <= 40; id++) {
                if (publishQos1(pub, "bounded/b", id, payload(id)) == QUOTA_EXCEEDED) {
                    refused++;
                }
            }
            assertThat(refused).as("in-flight messages count against the filter's budget").isGreaterThan(20);
            assertThat(broker.stats().heldBytes).isLessThanOrEqualTo(SEGMENT * SEGMENTS);
        }
    }

    @Test
    void retainedMessagesThatDoNotFitRefuseTheSubscriptionWith0x97() throws Exception {
        try (RawClient pub = RawClient.connected5(broker.port(), "retainer", true, 0)) {
            for (int i = 0; i < 30; i++) {
                pub.send(Packets.publish5("bounded/r" + i, 1, true, i + 1, payload(i)));
                assertThat(Replies.ackReason(pub.readUntil(RawClient.PUBACK))).isZero();
            }
        }
        try (RawClient sub = RawClient.connected5(broker.port(), "late", true, 0)) {
            Packet suback = sub.subscribe5("bounded/#", 1, 7);
            assertThat(Replies.reasonCodes5(suback)).containsExactly(QUOTA_EXCEEDED);
            assertThat(sub.silentFor(300)).as("no retained message was queued").isTrue();
            Packet narrow = sub.subscribe5("bounded/r1", 1, 8);
            assertThat(Replies.reasonCodes5(narrow)).containsExactly(1);
            assertThat(Replies.topicOf(sub.readUntil(RawClient.PUBLISH))).isEqualTo("bounded/r1");
        }
    }

    // ---------------------------------------------------------------- helpers

    static String payload(int id) {
        return String.format("%04d", id) + "x".repeat(1020);
    }

    private void offlineSubscriber(String clientId, String filter) throws Exception {
        try (RawClient sub = RawClient.connected5(broker.port(), clientId, true, 3600)) {
            sub.subscribe5(filter, 1, 1);
            sub.send(Packets.disconnect5(0));
        }
    }

    private static int publishQos1(RawClient pub, String topic, int id, String payload) throws Exception {
        pub.send(Packets.publish5(topic, 1, false, id, payload));
        Packet ack = pub.readUntil(RawClient.PUBACK);
        assertThat(Replies.ackId(ack)).isEqualTo(id);
        return Replies.ackReason(ack);
    }

    private List<String> drain(String clientId, int expected) throws Exception {
        List<String> got = new ArrayList<>();
        try (RawClient sub = RawClient.connected5(broker.port(), clientId, false, 3600)) {
            while (got.size() < expected) {
                Packet p = sub.readUntil(RawClient.PUBLISH);
                got.add(Replies.payload5(p));
                sub.send(Packets.puback(Replies.packetIdOf(p)));
            }
            assertThat(sub.silentFor(300)).as("nothing beyond what was accepted").isTrue();
        }
        return got;
    }
}
