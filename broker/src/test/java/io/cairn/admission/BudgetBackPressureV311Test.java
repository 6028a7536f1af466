package io.cairn.admission;

import io.cairn.config.BrokerConfig;
import io.cairn.test.Packets;
import io.cairn.test.RawClient;
import io.cairn.test.RawClient.Packet;
import io.cairn.test.Replies;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MQTT 3.1.1 publishers and a full budget: 3.1.1 has no negative acknowledgement, so the broker
 * neither acknowledges nor drops the PUBLISH that does not fit; it stops reading from that publisher
 * until there is room (and disconnects it after the hold timeout). Nothing acknowledged is lost.
 */
class BudgetBackPressureV311Test {

    private TestBroker broker;

    private void start(int holdTimeoutSeconds) throws Exception {
        broker = TestBroker.startWith(c -> c.withRouter(new BrokerConfig.Router(c.router().segment(), "reject",
                Map.of("bounded/#", new BrokerConfig.Segment(4096, 4)), holdTimeoutSeconds)));
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void aFullBudgetHoldsThePublisherUntilTheSubscriberDrainsAndLosesNothing() throws Exception {
        start(60);
        offlineSubscriber("sub311");
        int total = 40;
        try (RawClient pub = RawClient.connected311(broker.port(), "pub311", true)) {
            for (int id = 1; id <= total; id++) {
                pub.send(Packets.publish311("bounded/a", 1, false, id, BudgetRefusalV5Test.payload(id)));
            }
            int acked = acksWithin(pub, 1000);
            assertThat(acked).as("acknowledged until the 16 KiB budget was full").isBetween(8, 15);
            assertThat(pub.stillOpenAfter(500)).as("held, not disconnected").isTrue();
            assertThat(broker.stats().publishersHeld.sum()).isPositive();

            // the subscriber returns and drains: the publisher moves on, and every message arrives once, in order
            List<String> got = new ArrayList<>();
            try (RawClient sub = RawClient.connected311(broker.port(), "sub311", false)) {
                while (got.size() < total) {
                    Packet p = sub.readUntil(RawClient.PUBLISH);
                    got.add(Replies.payload311(p));
                    sub.send(Packets.puback(Replies.packetIdOf(p)));
                    acked += acksWithin(pub, 0);
                }
                assertThat(sub.silentFor(300)).isTrue();
            }
            acked += acksWithin(pub, 1000);
            assertThat(acked).as("every PUBLISH acknowledged in the end").isEqualTo(total);
            List<String> sent = new ArrayList<>();
            for (int id = 1; id <= total; id++) {
                sent.add(BudgetRefusalV5Test.payload(id));
            }
            assertThat(got).containsExactlyElementsOf(sent);
        }
    }

    @Test
    void aPublisherHeldLongerThanTheHoldTimeoutIsDisconnectedAndOnlyWhatWasAcknowledgedIsDelivered() throws Exception {
        start(1);
        offlineSubscriber("sub311");
        int acked;
        try (RawClient pub = RawClient.connected311(broker.port(), "pub311", true)) {
            for (int id = 1; id <= 40; id++) {
                pub.send(Packets.publish311("bounded/a", 1, false, id, BudgetRefusalV5Test.payload(id)));
            }
            acked = acksWithin(pub, 500);
            assertThat(pub.closedWithin(5000)).as("disconnected after the 1 s hold timeout").isTrue();
        }
        assertThat(broker.stats().publishersDisconnected.sum()).isEqualTo(1);
        try (RawClient sub = RawClient.connected311(broker.port(), "sub311", false)) {
            int got = 0;
            Packet p;
            while ((p = sub.poll(500)) != null) {
                if (p.type() == RawClient.PUBLISH) {
                    got++;
                    sub.send(Packets.puback(Replies.packetIdOf(p)));
                }
            }
            assertThat(got).as("exactly the acknowledged messages").isEqualTo(acked);
        }
    }

    private void offlineSubscriber(String clientId) throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), clientId, false)) {
            sub.subscribe311("bounded/#", 1, 1);
            sub.send(Packets.disconnect());
        }
    }

    /** PUBACKs that arrive within {@code millis} of silence. */
    private static int acksWithin(RawClient pub, int millis) throws Exception {
        int n = 0;
        Packet p;
        while ((p = pub.poll(Math.max(millis, 50))) != null) {
            if (p.type() == RawClient.PUBACK) {
                n++;
            }
        }
        return n;
    }
}
