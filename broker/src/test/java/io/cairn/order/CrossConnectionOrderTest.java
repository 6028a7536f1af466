package io.cairn.order;

import io.cairn.test.Packets;
import io.cairn.test.Replies;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.OneBrokerPerClass;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.cairn.test.RawClient.PUBLISH;
import static io.cairn.test.RawClient.SUBACK;
import static io.cairn.test.RawClient.UNSUBACK;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Packets of different connections are applied in the order they arrived: a SUBSCRIBE that a client
 * sent right after its CONNACK takes effect before the PUBLISH that another client sent after it, and
 * an UNSUBSCRIBE before a later PUBLISH from elsewhere stops delivery. Public interoperability suites
 * rely on this (a subscriber that does not wait for its SUBACK before the publisher starts); Mosquitto
 * gets it right every time, and so must we. Each case is raced 300 times.
 */
class CrossConnectionOrderTest extends OneBrokerPerClass {

    private static final int ROUNDS = 300;

    @Test
    void v311_subscribeSentRightAfterConnackIsAppliedBeforeAnotherClientsLaterPublish() throws Exception {
        List<Integer> missed = new ArrayList<>();
        try (RawClient pub = RawClient.connected311(broker.port(), "order-pub", true)) {
            for (int round = 0; round < ROUNDS; round++) {
                String topic = "order/sub/" + round;
                try (RawClient sub = RawClient.connected311(broker.port(), "order-sub-" + round, true)) {
                    sub.send(Packets.subscribe311(1, topic, 0)); // no wait for the SUBACK
                    pub.send(Packets.publish311(topic, 0, false, false, 0, payload(round)));
                    if (!receives(sub, topic)) {
                        missed.add(round);
                    }
                }
            }
        }
        assertThat(missed).as("rounds whose PUBLISH overtook the earlier SUBSCRIBE").isEmpty();
    }

    @Test
    void v5_subscribeSentRightAfterConnackIsAppliedBeforeAnotherClientsLaterPublish() throws Exception {
        List<Integer> missed = new ArrayList<>();
        try (RawClient pub = RawClient.connected5(broker.port(), "order5-pub", true, 0)) {
            for (int round = 0; round < ROUNDS; round++) {
                String topic = "order5/sub/" + round;
                try (RawClient sub = RawClient.connected5(broker.port(), "order5-sub-" + round, true, 0)) {
                    sub.send(Packets.subscribe5(1, topic, 0));
                    pub.send(Packets.publish5(topic, 0, false, false, 0, Props.none(), payload(round)));
                    if (!receives(sub, topic)) {
                        missed.add(round);
                    }
                }
            }
        }
        assertThat(missed).as("rounds whose PUBLISH overtook the earlier SUBSCRIBE").isEmpty();
    }

    @Test
    void v311_unsubscribeIsAppliedBeforeAnotherClientsLaterPublish() throws Exception {
        List<Integer> delivered = new ArrayList<>();
        try (RawClient pub = RawClient.connected311(broker.port(), "order-unsub-pub", true);
             RawClient sub = RawClient.connected311(broker.port(), "order-unsub-sub", true)) {
            for (int round = 0; round < ROUNDS; round++) {
                String topic = "order/unsub/" + round;
                sub.subscribe311(topic, 0, 1);
                sub.send(Packets.unsubscribe311(2, topic));
                pub.send(Packets.publish311(topic, 0, false, false, 0, payload(round)));
                RawClient.Packet p = sub.readUntilAnyOf(UNSUBACK, PUBLISH);
                if (p.type() == PUBLISH) {
                    delivered.add(round);
                    sub.readUntil(UNSUBACK);
                }
                // applied after the UNSUBSCRIBE, the PUBLISH goes nowhere; applied before it, its
                // delivery leaves ahead of the UNSUBACK (one connection's packets keep their order)
            }
        }
        assertThat(delivered).as("rounds whose PUBLISH was delivered after an earlier UNSUBSCRIBE").isEmpty();
    }

    private static boolean receives(RawClient sub, String topic) throws IOException {
        sub.timeout(2000);
        try {
            assertThat(sub.read().type()).isEqualTo(SUBACK);
            RawClient.Packet p = sub.read();
            return p.type() == PUBLISH && Replies.topicOf(p).equals(topic);
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }

    private static byte[] payload(int round) {
        return ("r" + round).getBytes(StandardCharsets.UTF_8);
    }
}
