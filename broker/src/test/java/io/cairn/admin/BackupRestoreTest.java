package io.cairn.admin;

import io.cairn.Cairn;
import io.cairn.test.Packets;
import io.cairn.test.RawClient;
import io.cairn.test.Replies;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./cairn backup DIR DEST} while the broker runs and a publisher keeps publishing: a broker
 * started on DEST has every message acknowledged before the backup began, in order and without a gap,
 * and nothing that was not published. The journal holds a snapshot (from an earlier clean stop) and
 * several segments after it (1 MiB segments, 2 KB messages), so the copy has to combine both.
 */
class BackupRestoreTest {

    @Test
    void aBackupTakenWhileTheBrokerRunsRestoresEveryMessageAcknowledgedBeforeIt(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Path dest = dir.resolve("backup");
        int ackedBeforeBackup;
        AtomicInteger acked = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        try (TestBroker first = TestBroker.startWith(c -> c.withStorage(c.storage().withDir(data)))) {
            try (RawClient sub = RawClient.connected5(first.port(), "bk-sub", true, 3600)) {
                sub.subscribe5("bk/#", 1, 1);
                sub.send(Packets.disconnect5(0));
            }
            publishUntil(first.port(), () -> acked.get() >= 200, acked); // then a clean stop writes a snapshot
        }
        try (TestBroker broker = TestBroker.startWith(c -> c.withStorage(c.storage().withDir(data)))) {
            Thread publisher = new Thread(() -> publishUntil(broker.port(), stop::get, acked), "bk-publisher");
            publisher.start();
            while (acked.get() < 1500) { // about 3 MB after the snapshot: several segments
                Thread.sleep(10);
            }
            ackedBeforeBackup = acked.get();
            int code = new CommandLine(new Cairn()).execute("backup", data.toString(), dest.toString());
            assertThat(code).isZero();
            stop.set(true);
            publisher.join(10_000);
        }
        assertThat(java.nio.file.Files.list(dest.resolve("journal")).map(f -> f.getFileName().toString()))
                .as("a snapshot and the segments after it").anyMatch(f -> f.startsWith("snapshot-"))
                .filteredOn(f -> f.endsWith(".log")).hasSizeGreaterThan(1);
        try (TestBroker restored = TestBroker.startWith(c -> c.withStorage(c.storage().withDir(dest)));
             RawClient sub = RawClient.connected5(restored.port(), "bk-sub", false, 3600)) {
            List<Integer> got = new ArrayList<>();
            RawClient.Packet p;
            while ((p = sub.poll(1000)) != null) {
                if (p.type() == RawClient.PUBLISH) {
                    String payload = Replies.payload5(p);
                    got.add(Integer.parseInt(payload.substring(0, payload.indexOf(':'))));
                    sub.send(Packets.puback(Replies.packetIdOf(p)));
                }
            }
            assertThat(got.size()).as("every message acknowledged before the backup began")
                    .isGreaterThanOrEqualTo(ackedBeforeBackup).isLessThanOrEqualTo(acked.get() + 1);
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i)).as("message %d: in order, no gap", i).isEqualTo(i + 1);
            }
        }
    }

    /** Publishes numbered 2 KB messages, counting on from {@code acked}, until {@code done}. */
    private static void publishUntil(int port, java.util.function.BooleanSupplier done, AtomicInteger acked) {
        String padding = "x".repeat(2000);
        try (RawClient pub = RawClient.connected5(port, "bk-pub", true, 0)) {
            for (int n = acked.get() + 1; !done.getAsBoolean(); n++) {
                pub.send(Packets.publish5("bk/t", 1, false, n % 65535 + 1, n + ":" + padding));
                pub.readUntil(RawClient.PUBACK);
                acked.set(n);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
