package io.cairn.store.journal;

import io.cairn.state.BrokerState;
import io.cairn.state.Command;
import io.cairn.store.JournalStore;
import io.cairn.state.SessionState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Snapshots of the journal store: segments are kept back to the oldest snapshot kept, so that a
 * damaged newest snapshot can fall back to the older one; a failed snapshot keeps every segment.
 */
class JournalStoreSnapshotTest {

    @TempDir
    Path tmp;

    private final JournalFailStopTest.RecordingFailStop failStop = new JournalFailStopTest.RecordingFailStop();

    private Path dir() {
        return tmp.resolve("journal");
    }

    private Journal.Options options(FileLayer files) {
        return Journal.Options.of(dir(), Journal.Mode.SYNC).withSegmentSize(1024).withFiles(files).withFailStop(failStop);
    }

    /** One broker run: recovers, opens {@code count} sessions from {@code first}, closes (a snapshot). */
    private BrokerState run(FileLayer files, int first, int count) throws Exception {
        JournalStore store = new JournalStore(options(files));
        BrokerState state = store.recover();
        for (int i = first; i < first + count; i++) {
            Command c = new Command.OpenSession("c" + i, false, SessionState.NEVER_EXPIRES, null);
            state.apply(c);
            CountDownLatch done = new CountDownLatch(1);
            store.commit(List.of(c), done::countDown);
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        }
        store.close();
        return state;
    }

    private BrokerState recover() throws Exception {
        JournalStore store = new JournalStore(options(FileLayer.REAL));
        try {
            return store.recover();
        } finally {
            store.close();
        }
    }

    private List<Path> files(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir())) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    private static void damage(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(f.length() - 1);
            int b = f.read();
            f.seek(f.length() - 1);
            f.write(b ^ 0x40);
        }
    }

    @Test
    void aDamagedNewestSnapshotFallsBackToTheOlderOneWhoseSegmentsAreKept() throws Exception {
        for (int g = 0; g < 3; g++) {
            run(FileLayer.REAL, g * 30, 30);
        }
        List<Path> snapshots = files(".bin");
        assertThat(snapshots).hasSize(2);
        assertThat(Segments.firstSeqOf(files(".log").get(0))).as("segments reach back to the older snapshot")
                .isLessThanOrEqualTo(61); // the older snapshot kept is at record 60
        damage(snapshots.get(1));
        BrokerState state = recover();
        assertThat(state.sessions()).hasSize(90);
        assertThat(failStop.causes).isEmpty();
    }

    @Test
    void aDamagedNewestSnapshotIsRefusedWhenTheRecordsAfterTheOlderOneAreGone() throws Exception {
        for (int g = 0; g < 3; g++) {
            run(FileLayer.REAL, g * 30, 30);
        }
        List<Path> snapshots = files(".bin");
        damage(snapshots.get(1));
        Files.delete(files(".log").get(0));
        assertThatThrownBy(this::recover).isInstanceOf(CorruptJournalException.class)
                .hasMessageContaining(snapshots.get(1) + " is damaged")
                .hasMessageContaining("older snapshot " + snapshots.get(0))
                .hasMessageContaining("./cairn repair");
        JournalRepair.repair(tmp, FileLayer.REAL, 1024);
        assertThat(recover().sessions()).as("what the older snapshot had").hasSize(60);
    }

    @Test
    void aSnapshotThatFailsWithAnIoErrorKeepsEverySegmentAndTheNextOneWorks() throws Exception {
        InjectingFiles files = new InjectingFiles(FileLayer.REAL);
        files.hook = (op, file) -> {
            if (op == InjectingFiles.Op.WRITE && file.getFileName().toString().startsWith("snapshot-")) {
                throw new IOException("injected: no space left on device");
            }
        };
        run(files, 0, 30);
        assertThat(files(".bin")).isEmpty();
        List<Path> segments = files(".log");
        run(files, 30, 30);
        assertThat(files(".log")).as("nothing deleted").containsAll(segments);
        assertThat(failStop.causes).as("an I/O error is not a fail-stop").isEmpty();
        files.hook = (op, file) -> { };
        run(files, 60, 1);
        assertThat(files(".bin")).hasSize(1);
        assertThat(recover().sessions()).hasSize(61);
    }

    @Test
    void anythingButAnIoErrorInTheSnapshotThreadFailStops() throws Exception {
        InjectingFiles files = new InjectingFiles(FileLayer.REAL);
        IllegalStateException bug = new IllegalStateException("a bug in the snapshot path");
        files.hook = (op, file) -> {
            if (op == InjectingFiles.Op.WRITE && file.getFileName().toString().startsWith("snapshot-")) {
                throw bug;
            }
        };
        run(files, 0, 5);
        assertThat(failStop.called.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(failStop.causes).containsExactly(bug);
    }
}
