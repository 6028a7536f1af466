package io.cairn.robustness;

import io.cairn.test.Packets;
import io.cairn.test.RawClient;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.cairn.test.RawClient.CONNACK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code [mqtt] max_connections}: a client above the limit gets its CONNECT answered with a refusal
 * (3.1.1 0x03 Server unavailable, 5.0 0x97 Quota exceeded) and is closed; refused clients take no
 * slot, and a slot frees when an admitted client leaves. Over real sockets.
 */
class MaxConnectionsTest {

    private static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(m -> m.with(b -> b.maxConnections = 2));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void aboveTheLimitConnectIsRefusedInEachVersionAndASlotFreesWhenAClientLeaves() throws Exception {
        try (RawClient first = RawClient.connected311(broker.port(), "max-1", true)) {
            RawClient second = RawClient.connected5(broker.port(), "max-2", true, 0);
            try {
                assertRefused(Packets.connect311("max-3", true, 60), 0x03);
                assertRefused(Packets.connect5("max-3b", true, 60), 0x97);
                assertRefused(Packets.connect311("max-3c", true, 60), 0x03);
                first.send(Packets.pingreq());
                assertThat(first.read().type()).as("admitted clients are served").isEqualTo(13);
            } finally {
                second.close();
            }
            RawClient third = admittedOnceASlotFrees("max-4");
            try {
                assertRefused(Packets.connect5("max-5", true, 60), 0x97); // the refused ones took no slot
            } finally {
                third.close();
            }
        }
    }

    /** Sends {@code connect} on a new connection; expects CONNACK {@code code}, then the close. */
    private static void assertRefused(byte[] connect, int code) throws IOException {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect);
            RawClient.Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(CONNACK);
            assertThat(ack.u8(1)).as("CONNACK code").isEqualTo(code);
            assertThat(c.closedWithin(2000)).as("closed after the refusal").isTrue();
        }
    }

    /** The broker notices a client left asynchronously: retry until it admits one. */
    private static RawClient admittedOnceASlotFrees(String clientId) {
        AtomicReference<RawClient> admitted = new AtomicReference<>();
        await().atMost(5, TimeUnit.SECONDS).pollInterval(100, TimeUnit.MILLISECONDS).until(() -> {
            try {
                admitted.set(RawClient.connected311(broker.port(), clientId, true));
                return true;
            } catch (IOException refused) {
                return false;
            }
        });
        return admitted.get();
    }
}
