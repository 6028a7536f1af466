package io.cairn.ops;

import ch.qos.logback.core.ContextBase;
import ch.qos.logback.core.rolling.helper.ArchiveRemover;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The log file's clean-ups, which Logback runs on its own threads, one per roll-over. */
class SerialCleaningRollPolicyTest {

    @TempDir
    Path dir;

    /**
     * Two roll-overs close together start two first clean-ups at once. With Logback's own remover
     * (one calendar shared and mutated by both) the current day's rolled files were gone by the
     * second round.
     */
    @Test
    void cleanUpsRunningAtOnceKeepTodaysRolledFilesAndDeleteOnlyThoseBeyondMaxHistory() throws Exception {
        String pattern = dir.resolve("cairn.log").toString() + ".%d{yyyy-MM-dd}.%i";
        SerialCleaningRollPolicy policy = new SerialCleaningRollPolicy(pattern, "yyyy-MM-dd");
        policy.setContext(new ContextBase());
        Supplier<ArchiveRemover> remover = () -> {
            ArchiveRemover r = policy.createArchiveRemover();
            r.setContext(policy.getContext());
            r.setMaxHistory(3);
            return r;
        };
        LocalDate today = LocalDate.now();
        Path old = dir.resolve("cairn.log." + today.minusDays(10) + ".0");
        for (int round = 0; round < 100; round++) {
            List<Path> todays = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                todays.add(Files.writeString(dir.resolve("cairn.log." + today + "." + i), "line\n"));
            }
            Files.writeString(old, "old\n");
            cleanAtOnce(remover.get(), 4);
            assertThat(todays).as("round %d: today's rolled files", round).allMatch(Files::exists);
            assertThat(old).as("round %d: a file ten days old with max_history 3", round).doesNotExist();
        }
    }

    private static void cleanAtOnce(ArchiveRemover remover, int threads) throws InterruptedException {
        Instant now = Instant.now();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> cleaners = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread cleaner = new Thread(() -> {
                try {
                    start.await();
                    remover.clean(now);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            cleaner.start();
            cleaners.add(cleaner);
        }
        start.countDown();
        for (Thread cleaner : cleaners) {
            cleaner.join();
        }
    }
}
