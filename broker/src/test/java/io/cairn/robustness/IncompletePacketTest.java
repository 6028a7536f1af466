package io.cairn.robustness;

import io.cairn.test.Packets;
import io.cairn.test.RawClient;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.cairn.test.RawClient.DISCONNECT;
import static io.cairn.test.RawClient.PUBLISH;
import static io.cairn.test.Replies.topicOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Half-received packets cannot hold memory for ever: {@code [mqtt] incomplete_packet_timeout_s} closes a
 * connection whose packet stalls (whatever its keep alive), and {@code max_incomplete_packet_bytes}
 * bounds the bytes all connections' incomplete packets hold together, closing the connection that
 * would pass it while the others keep working. Over real sockets, each test with its own broker.
 */
class IncompletePacketTest {

    private static final int BIG = 1_000_000;

    private static byte[] bigPublish311(String topic) {
        return Packets.publish311(topic, 0, false, false, 0, new byte[BIG]);
    }

    private static byte[] bigPublish5(String topic) {
        return Packets.publish5(topic, 0, false, false, 0, io.cairn.test.Props.none(), new byte[BIG]);
    }

    /** The first {@code n} bytes of {@code packet}. */
    private static byte[] head(byte[] packet, int n) {
        return Arrays.copyOf(packet, n);
    }

    @Test
    void aStalledPacketClosesTheConnectionAfterTheTimeoutEvenWithKeepAliveZero() throws Exception {
        try (TestBroker broker = TestBroker.start(m -> m.with(b -> b.incompletePacketTimeoutS = 2));
             RawClient staller = RawClient.accepted(broker.port(), Packets.connect311("stall-311", true, 0))) {
            byte[] big = bigPublish311("stall/a");
            staller.send(head(big, big.length * 9 / 10));
            long sent = System.nanoTime();
            assertThat(staller.stillOpenAfter(1000)).as("open before the timeout").isTrue();
            assertThat(staller.closedWithin(5000)).as("closed after the 2 s timeout").isTrue();
            assertThat((System.nanoTime() - sent) / 1_000_000).as("not before the timeout").isGreaterThanOrEqualTo(1900);
        }
    }

    @Test
    void theTimeoutCountsFromTheStartOfThePacketThatStalledNotAnEarlierOne() throws Exception {
        try (TestBroker broker = TestBroker.start(m -> m.with(b -> b.incompletePacketTimeoutS = 2));
             RawClient sub = RawClient.connected311(broker.port(), "stall-sub", true);
             RawClient c = RawClient.accepted(broker.port(), Packets.connect311("stall-late", true, 0))) {
            sub.subscribe311("late/#", 0, 1);
            byte[] a = bigPublish311("late/a");
            byte[] b = bigPublish311("late/b");
            c.send(head(a, a.length / 2));
            Thread.sleep(1500);
            // A completes 1.5 s after it began; B begins and stalls
            byte[] rest = Arrays.copyOfRange(a, a.length / 2, a.length);
            c.send(concat(rest, head(b, b.length / 2)));
            assertThat(topicOf(RawClient.nextPublish(sub))).isEqualTo("late/a");
            assertThat(c.stillOpenAfter(1300)).as("B has had 1.3 s of its 2, A's start does not count").isTrue();
            assertThat(c.closedWithin(5000)).as("B stalled past the timeout").isTrue();
        }
    }

    @Test
    void theConnectionThatWouldPassTheCeilingIsClosedOthersKeepWorkingAndTheBytesAreFreedOnClose() throws Exception {
        int ceiling = 1_500_000;
        try (TestBroker broker = TestBroker.start(m -> m.with(b -> b.maxIncompletePacketBytes = ceiling));
             RawClient sub = RawClient.connected5(broker.port(), "ceiling-sub", true, 0);
             RawClient pub = RawClient.connected311(broker.port(), "ceiling-pub", true)) {
            assertThat(sub.subscribe5("ceiling/#", 0, 1).u8(3)).isZero();
            List<RawClient> stallers = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) { // 2 x 600,000 bytes held of the 1,500,000
                    RawClient s = RawClient.accepted(broker.port(), Packets.connect311("ceiling-stall-" + i, true, 0));
                    stallers.add(s);
                    s.send(head(bigPublish311("ceiling/stalled"), 600_000));
                }
                Thread.sleep(300);
                RawClient third = RawClient.accepted(broker.port(), Packets.connect5("ceiling-third", true, 0));
                stallers.add(third);
                sendIgnoringReset(third, head(bigPublish5("ceiling/stalled"), 400_000));
                RawClient.Packet d = third.read();
                assertThat(d.type()).as("5.0: DISCONNECT first").isEqualTo(DISCONNECT);
                assertThat(d.u8(0)).as("Quota exceeded").isEqualTo(0x97);
                assertThat(third.closedWithin(2000)).isTrue();

                for (RawClient s : stallers.subList(0, 2)) {
                    assertThat(s.stillOpenAfter(100)).as("the stallers under the ceiling stay").isTrue();
                }
                pub.send(Packets.publish311("ceiling/small", 0, false, 0, "still served"));
                assertThat(topicOf(RawClient.nextPublish(sub))).isEqualTo("ceiling/small");
                try (RawClient big = RawClient.connected311(broker.port(), "ceiling-big-before", true)) {
                    sendIgnoringReset(big, bigPublish311("ceiling/big"));
                    assertThat(big.closedWithin(3000)).as("1,200,000 held + 1,000,000 passes the ceiling").isTrue();
                }
            } finally {
                for (RawClient s : stallers) {
                    s.close();
                }
            }
            Thread.sleep(500); // the broker sees the closes
            try (RawClient big = RawClient.connected311(broker.port(), "ceiling-big-after", true)) {
                big.send(bigPublish311("ceiling/big"));
                RawClient.Packet p = sub.read();
                assertThat(p.type()).isEqualTo(PUBLISH);
                assertThat(topicOf(p)).as("the stallers' bytes were released").isEqualTo("ceiling/big");
                assertThat(big.stillOpenAfter(200)).isTrue();
            }
        }
    }

    @Test
    void aConnectThatWouldPassTheCeilingIsClosedWithoutReply() throws Exception {
        try (TestBroker broker = TestBroker.start(m -> m.with(b -> b.maxIncompletePacketBytes = 100_000));
             RawClient c = new RawClient(broker.port())) {
            // a CONNECT announcing 500,000 bytes (under max_packet_size) of which 200,000 arrive
            byte[] connect = new byte[]{0x10, (byte) 0xA0, (byte) 0xC2, 0x1E}; // remaining length 500,000
            sendIgnoringReset(c, concat(connect, new byte[200_000]));
            assertThat(c.closedWithin(3000)).isTrue();
        }
    }

    private static void sendIgnoringReset(RawClient c, byte[] bytes) {
        try {
            c.send(bytes);
        } catch (IOException e) {
            // the broker closed the connection while it was still being written to: what is tested
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
