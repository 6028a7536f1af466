package io.cairn.store.journal;

import io.cairn.fault.FailStop;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The writer thread never dies quietly, and periodic mode forces even when it is never idle. */
class JournalFailStopTest {

    private static final Path DIR = Path.of("/journal");

    /** A FailStop that records instead of halting. */
    static final class RecordingFailStop implements FailStop {
        final List<Throwable> causes = new CopyOnWriteArrayList<>();
        final CountDownLatch called = new CountDownLatch(1);

        @Override
        public void fail(String where, Throwable cause) {
            causes.add(cause);
            called.countDown();
        }
    }

    private static Journal.Options options(FileLayer files, RecordingFailStop failStop) {
        return Journal.Options.of(DIR, Journal.Mode.SYNC).withSegmentSize(1 << 16).withFiles(files)
                .withFailStop(failStop);
    }

    @Test
    void aRuntimeExceptionFromTheFileLayerFailStopsAndNoCallbackRuns() throws Exception {
        InjectingFiles files = new InjectingFiles(new PowerLossFiles());
        RecordingFailStop failStop = new RecordingFailStop();
        IllegalStateException bug = new IllegalStateException("a bug below the journal");
        AtomicBoolean ran = new AtomicBoolean();
        try (Journal j = Journal.open(options(files, failStop), 0, (s, t, b) -> { })) {
            files.hook = (op, file) -> {
                if (op == InjectingFiles.Op.WRITE && Thread.currentThread().getName().equals("cairn-journal")) {
                    throw bug;
                }
            };
            j.append(1, new byte[] {1});
            j.commit(() -> ran.set(true));
            assertThat(failStop.called.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(failStop.causes).containsExactly(bug);
            assertThat(j.healthy()).isFalse();
        }
        assertThat(ran).isFalse();
    }

    @Test
    void aCallbackThatThrowsFailStops() throws Exception {
        RecordingFailStop failStop = new RecordingFailStop();
        RuntimeException bug = new RuntimeException("callback bug");
        AtomicBoolean laterRan = new AtomicBoolean();
        try (Journal j = Journal.open(options(new PowerLossFiles(), failStop), 0, (s, t, b) -> { })) {
            j.append(1, new byte[] {1});
            j.commit(() -> {
                throw bug;
            });
            j.append(1, new byte[] {2});
            j.commit(() -> laterRan.set(true));
            assertThat(failStop.called.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(failStop.causes).containsExactly(bug);
        }
        assertThat(laterRan).as("nothing is acknowledged after the fail-stop").isFalse();
    }

    @Test
    void periodicModeForcesUnderConstantLoad() throws Exception {
        InjectingFiles files = new InjectingFiles(new PowerLossFiles());
        files.hook = (op, file) -> {
            if (op == InjectingFiles.Op.WRITE) {
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000); // a slow disk: commits always wait, the writer is never idle
            }
        };
        Journal.Options o = Journal.Options.of(DIR, Journal.Mode.PERIODIC).withSegmentSize(1 << 20)
                .withFlushInterval(20).withFiles(files).withFailStop(new RecordingFailStop());
        try (Journal j = Journal.open(o, 0, (s, t, b) -> { })) {
            long forcesAtStart = files.forces.get();
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(600);
            while (System.nanoTime() < end) {
                j.append(1, new byte[16]);
                j.commit(() -> { });
                Thread.sleep(0, 100_000);
            }
            assertThat(files.forces.get() - forcesAtStart).as("forces while never idle").isGreaterThanOrEqualTo(5);
        }
    }
}
