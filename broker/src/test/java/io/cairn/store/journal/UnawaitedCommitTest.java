package io.cairn.store.journal;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SYNC mode: a batch nobody waits on (a subscriber's final acknowledgement) does not cost a force of
 * its own; it is forced with the next awaited batch, or soon after on its own.
 */
class UnawaitedCommitTest {

    private static final Path DIR = Path.of("/journal");

    private static Journal open(InjectingFiles files) throws Exception {
        Journal.Options o = Journal.Options.of(DIR, Journal.Mode.SYNC).withSegmentSize(1 << 20).withFiles(files)
                .withFailStop(new JournalFailStopTest.RecordingFailStop());
        return Journal.open(o, 0, (s, t, b) -> { });
    }

    private static void await(CountDownLatch latch) throws InterruptedException {
        assertThat(latch.await(5, TimeUnit.SECONDS)).as("callback ran").isTrue();
    }

    @Test
    void anUnawaitedBatchRidesOnTheForceOfTheNextAwaitedOne() throws Exception {
        InjectingFiles files = new InjectingFiles(new PowerLossFiles());
        try (Journal j = open(files)) {
            long forcesAtStart = files.forces.get();
            int rounds = 50;
            for (int i = 0; i < rounds; i++) {
                CountDownLatch written = new CountDownLatch(1);
                j.append(1, new byte[] {1});
                j.commitUnawaited(written::countDown);
                await(written); // written on its own, before the awaited batch exists
                CountDownLatch durable = new CountDownLatch(1);
                j.append(1, new byte[] {2});
                j.commit(durable::countDown);
                await(durable);
            }
            long forces = files.forces.get() - forcesAtStart;
            // one force per awaited batch; an unawaited one is forced alone only when the last force is
            // over 10 ms old (a slow round), so well under the 2 per round it would cost otherwise
            assertThat(forces).as("forces for %s rounds of one unawaited and one awaited batch", rounds)
                    .isGreaterThanOrEqualTo(rounds).isLessThan(rounds * 3 / 2);
        }
    }

    @Test
    void anUnawaitedBatchAloneIsForcedSoon() throws Exception {
        InjectingFiles files = new InjectingFiles(new PowerLossFiles());
        try (Journal j = open(files)) {
            j.append(1, new byte[] {1});
            j.commit(() -> { }); // a force just now: the unawaited batch below has to wait for its own
            j.awaitForced(j.lastSeq());
            CountDownLatch written = new CountDownLatch(1);
            long seq = j.append(1, new byte[] {3});
            long start = System.nanoTime();
            j.commitUnawaited(written::countDown);
            await(written);
            j.awaitForced(seq);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .as("ms until the unawaited record is forced").isLessThan(1_000);
        }
    }
}
