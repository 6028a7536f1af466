package io.cairn.admission;

import io.cairn.test.Packets;
import io.cairn.test.RawClient;
import io.cairn.test.Replies;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The budgets count what the broker really holds: the bytes counted for messages queued for offline
 * subscribers are compared with the growth of the heap they cause (within 20%). Three sessions share
 * one filter, so each message is in memory once and counted once, and each delivery's own
 * bookkeeping three times.
 */
class HeldBytesMeasurementTest {

    private static final int MESSAGES = 60_000;
    private static final int WINDOW = 200;

    @Test
    void theCountOfHeldBytesMatchesTheHeapTheyTakeWithin20Percent() throws Exception {
        try (TestBroker broker = TestBroker.startWith(c -> c.withStorage(c.storage().withDurability("memory")))) {
            for (String id : new String[] {"held-a", "held-b", "held-c"}) {
                try (RawClient sub = RawClient.connected311(broker.port(), id, false)) {
                    sub.subscribe311("measure/#", 1, 1);
                    sub.send(Packets.disconnect());
                }
            }
            long heapBefore = settledHeap();
            long countedBefore = broker.stats().heldBytes;
            try (RawClient pub = RawClient.connected311(broker.port(), "measure-pub", true)) {
                String payload = "p".repeat(500);
                for (int sent = 0; sent < MESSAGES; sent += WINDOW) {
                    for (int i = 1; i <= WINDOW; i++) {
                        pub.send(Packets.publish311("measure/t" + (i % 10), 1, false, i, payload));
                    }
                    for (int i = 0; i < WINDOW; i++) {
                        assertThat(Replies.ackReason(pub.readUntil(RawClient.PUBACK))).isZero();
                    }
                }
            }
            long counted = broker.stats().heldBytes - countedBefore;
            long grown = settledHeap() - heapBefore;
            System.out.printf("held bytes: counted %d, heap grew %d (ratio %.3f)%n", counted, grown, (double) counted / grown);
            assertThat(broker.stats().heldMessages).isEqualTo(3L * MESSAGES);
            assertThat((double) counted).as("counted %d bytes, heap grew %d bytes", counted, grown)
                    .isBetween(grown * 0.8, grown * 1.2);
        }
    }

    /** Used heap after full collections (the figure settles once nothing is left to collect). */
    private static long settledHeap() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            Runtime rt = Runtime.getRuntime();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
