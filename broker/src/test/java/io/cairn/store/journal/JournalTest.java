package io.cairn.store.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The journal's promises: what was reported durable is recovered intact and in order, whatever happens. */
class JournalTest {

    private static final Path DIR = Path.of("/journal");

    private static Journal.Options options(FileLayer files, long segmentSize) {
        return Journal.Options.of(DIR, Journal.Mode.SYNC).withSegmentSize(segmentSize).withFiles(files);
    }

    private static byte[] body(long seq) {
        return ("record-" + seq + "-" + "x".repeat((int) (seq % 37))).getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> replay(FileLayer files, long segmentSize) throws IOException {
        List<String> out = new ArrayList<>();
        try (Journal j = Journal.open(options(files, segmentSize), 0, (seq, type, b) -> {
            assertThat(type).isEqualTo((int) (seq % 200));
            out.add(seq + ":" + new String(b, StandardCharsets.UTF_8));
        })) {
            return out;
        }
    }

    @Test
    void recordsRoundTripAcrossSegmentsAndCallbacksRunInOrder() throws Exception {
        PowerLossFiles files = new PowerLossFiles();
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        try (Journal j = Journal.open(options(files, 4096), 0, (s, t, b) -> { })) {
            long seq = 0;
            for (int batch = 0; batch < 500; batch++) {
                for (int r = 0; r < batch % 4; r++) { // includes empty batches
                    seq = j.append((int) ((seq + 1) % 200), body(seq + 1));
                }
                int id = batch;
                j.commit(() -> order.add(id));
            }
            j.commit(done::countDown);
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(order).isSorted().hasSize(500);
        List<String> records = replay(files, 4096);
        assertThat(records).hasSize(750);
        for (int i = 0; i < records.size(); i++) {
            assertThat(records.get(i)).isEqualTo((i + 1) + ":" + new String(body(i + 1), StandardCharsets.UTF_8));
        }
        assertThat(files.list(DIR).size()).as("several segments").isGreaterThan(3);
        assertThat(replay(files, 4096)).as("replaying twice gives the same").isEqualTo(records);
    }

    /**
     * Large placed records are written from their encoder's arrays and small ones from pooled chunks
     * given back after each force: mixed in every order, across many commits and segment rolls, each
     * record comes back intact (a chunk handed out twice would show up as a wrong body).
     */
    @Test
    void placedLargeAndSmallRecordsMixedAcrossRecycledChunksRoundTrip() throws Exception {
        PowerLossFiles files = new PowerLossFiles();
        List<byte[]> bodies = new ArrayList<>();
        Random random = new Random(7);
        CountDownLatch done = new CountDownLatch(1);
        try (Journal j = Journal.open(options(files, 256 * 1024), 0, (s, t, b) -> { })) {
            for (int batch = 0; batch < 600; batch++) { // small records fill several chunks, recycled as they go
                for (int r = 0; r < batch % 5; r++) {
                    byte[] body = new byte[random.nextBoolean() ? 1 + random.nextInt(3_000) : 8_000 + random.nextInt(60_000)];
                    random.nextBytes(body);
                    bodies.add(body);
                    long seq = bodies.size();
                    byte[] placed = new byte[Journal.BODY_OFFSET + body.length + random.nextInt(3)];
                    System.arraycopy(body, 0, placed, Journal.BODY_OFFSET, body.length);
                    assertThat(j.appendPlaced((int) (seq % 200), placed, body.length)).isEqualTo(seq);
                }
                j.commit(() -> { });
            }
            j.commit(done::countDown);
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        }
        List<byte[]> read = new ArrayList<>();
        try (Journal j = Journal.open(options(files, 256 * 1024), 0, (seq, type, b) -> {
            assertThat(type).isEqualTo((int) (seq % 200));
            read.add(b);
        })) {
            assertThat(read).hasSameSizeAs(bodies);
            for (int i = 0; i < bodies.size(); i++) {
                assertThat(read.get(i)).as("record %d", i + 1).isEqualTo(bodies.get(i));
            }
        }
    }

    @Test
    void powerLossNeverLosesARecordWhoseCallbackRan() throws Exception {
        PowerLoss run = new PowerLoss(PowerLossFiles.Tear.PREFIX, Journal.Mode.SYNC, 2048, 5, JournalTest::body);
        assertThat(run.seeds(1, 60)).as("the crashes hit journals that had acknowledged records").isGreaterThan(100);
    }

    @Test
    void aPowerCutKeepingAnySubsetOfUnforcedPagesLosesNothingAcknowledgedAndStartsWithoutRepair() throws Exception {
        PowerLoss run = new PowerLoss(PowerLossFiles.Tear.PAGES, Journal.Mode.SYNC, 64 * 1024, 12, JournalTest::largeBody);
        run.forceNanos = 200_000; // groups gather while a force runs, and the cut can find one unforced
        assertThat(run.seeds(1, 40)).as("the crashes hit journals that had acknowledged records").isGreaterThan(100);
        assertThat(run.tornWithValidRecordsAfter).as("cuts that lost a page but kept a later one").isGreaterThan(5);
    }

    @Test
    void periodicAPowerCutKeepingAnySubsetOfUnforcedPagesLosesNothingForcedAndStartsWithoutRepair() throws Exception {
        PowerLoss run = new PowerLoss(PowerLossFiles.Tear.PAGES, Journal.Mode.PERIODIC, 64 * 1024, 12, JournalTest::largeBody);
        assertThat(run.seeds(1, 60)).as("the crashes hit journals that had forced records").isGreaterThan(20);
        assertThat(run.tornWithValidRecordsAfter).as("cuts that lost a page but kept a later one").isGreaterThan(5);
    }

    private static byte[] largeBody(long seq) {
        return ("record-" + seq + "-" + "x".repeat((int) (seq * 7919 % 2500))).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Seeds of random traffic cut by a power loss, each over one to three generations of the journal.
     * After each cut recovery must start by itself, with every record intact and in order, and with
     * every record that was acknowledged ({@code SYNC}) or known forced ({@code PERIODIC}).
     */
    private static final class PowerLoss {
        final PowerLossFiles.Tear tear;
        final Journal.Mode mode;
        final long segmentSize;
        /** Each batch has fewer records than this. */
        final int batchBound;
        /** How long each force takes ({@link PowerLossFiles#forceNanos}). */
        long forceNanos;
        final LongFunction<byte[]> body;
        /** Cuts after which the last segment had valid records after the place its data broke off. */
        int tornWithValidRecordsAfter;

        PowerLoss(PowerLossFiles.Tear tear, Journal.Mode mode, long segmentSize, int batchBound, LongFunction<byte[]> body) {
            this.tear = tear;
            this.mode = mode;
            this.segmentSize = segmentSize;
            this.batchBound = batchBound;
            this.body = body;
        }

        /** Runs the seeds; returns how many records were promised (acknowledged or known forced) before the cuts. */
        long seeds(long from, long to) throws Exception {
            long promised = 0;
            for (long seed = from; seed <= to; seed++) {
                promised += seed(seed);
            }
            return promised;
        }

        private long seed(long seed) throws Exception {
            Random random = new Random(seed);
            PowerLossFiles files = new PowerLossFiles();
            files.forceNanos = forceNanos;
            long promisedOverall = 0;
            int generations = 1 + random.nextInt(3);
            for (int g = 0; g < generations; g++) {
                long appended = replay(files, seed).size();
                List<Long> promised = Collections.synchronizedList(new ArrayList<>());
                Journal j = Journal.open(options(files), 0, (s, t, b) -> { });
                int batches = 20 + random.nextInt(200);
                for (int b = 0; b < batches; b++) {
                    long last = 0;
                    for (int r = random.nextInt(batchBound); r > 0; r--) {
                        last = j.append((int) ((appended + 1) % 200), body.apply(appended + 1));
                        appended++;
                    }
                    promise(j, files, last, promised, random);
                    if (random.nextInt(20) == 0) {
                        Thread.sleep(1);
                    }
                }
                PowerLossFiles after;
                synchronized (files) {
                    after = files.crash(random, tear);
                }
                after.forceNanos = forceNanos;
                j.close();
                files = after;
                if (files.validRecordsAfterTheBreak(DIR)) {
                    tornWithValidRecordsAfter++;
                }
                List<String> recovered = replay(files, seed);
                long maxPromised = promised.stream().mapToLong(Long::longValue).max().orElse(0);
                assertThat((long) recovered.size()).as("seed %d: every promised record survives", seed)
                        .isGreaterThanOrEqualTo(maxPromised);
                promisedOverall += promised.size();
            }
            return promisedOverall;
        }

        /** Commits a batch ending at {@code last}; notes it as promised once acknowledged (or, periodic, forced). */
        private void promise(Journal j, PowerLossFiles disk, long last, List<Long> promised, Random random)
                throws IOException {
            Runnable note = () -> {
                synchronized (disk) {
                    if (!disk.crashed() && last > 0) {
                        promised.add(last);
                    }
                }
            };
            if (mode == Journal.Mode.SYNC) {
                j.commit(note);
                return;
            }
            j.commit(() -> { });
            if (random.nextInt(10) == 0) {
                j.awaitForced(j.lastSeq());
                note.run();
            }
        }

        private Journal.Options options(FileLayer files) {
            return Journal.Options.of(DIR, mode).withSegmentSize(segmentSize).withFlushInterval(2).withFiles(files);
        }

        /** Recovers without repair: every record intact and in order. */
        private List<String> replay(FileLayer files, long seed) throws IOException {
            List<String> out = new ArrayList<>();
            try (Journal j = Journal.open(options(files), 0, (seq, type, b) -> {
                assertThat(seq).as("seed %d: in order", seed).isEqualTo(out.size() + 1);
                assertThat(type).isEqualTo((int) (seq % 200));
                assertThat(b).as("seed %d: record %d intact", seed, seq).isEqualTo(body.apply(seq));
                out.add(seq + ":" + new String(b, StandardCharsets.UTF_8));
            })) {
                return out;
            }
        }
    }

    @Test
    void aTornLastRecordIsCutAtEveryByteAndRecoveryStarts(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("j");
        writeRecords(dir, 3);
        Path segment = Files.list(dir).sorted().findFirst().orElseThrow();
        byte[] whole = Files.readAllBytes(segment);
        int lastStart = recordStart(whole, 2);
        int lastEnd = recordStart(whole, 3);
        for (int cut = lastStart; cut < lastEnd; cut++) {
            byte[] torn = whole.clone();
            java.util.Arrays.fill(torn, cut, lastEnd, (byte) 0);
            Files.write(segment, torn);
            List<Long> seqs = new ArrayList<>();
            try (Journal j = Journal.open(Journal.Options.of(dir, Journal.Mode.SYNC), 0, (s, t, b) -> seqs.add(s))) {
                assertThat(seqs).as("cut at %d", cut).containsExactly(1L, 2L);
                // what is cut is the torn record's bytes that reached the disk (its leading zeros read as "end")
                assertThat(j.recovered().tornBytes()).isBetween(0L, (long) cut - lastStart);
            }
        }
    }

    @Test
    void aBitFlipBeforeTheTailStopsRecoveryAndRepairKeepsACopyAndTruncates(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("j");
        writeRecords(dir, 10);
        Path segment = Files.list(dir).sorted().findFirst().orElseThrow();
        byte[] bytes = Files.readAllBytes(segment);
        int fourth = recordStart(bytes, 3);
        bytes[fourth + 10] ^= 0x01;
        Files.write(segment, bytes);

        assertThatThrownBy(() -> Journal.open(Journal.Options.of(dir, Journal.Mode.SYNC), 0, (s, t, b) -> { }))
                .isInstanceOf(CorruptJournalException.class)
                .hasMessageContaining(segment.toString())
                .hasMessageContaining("offset " + fourth)
                .hasMessageContaining("./cairn repair");

        JournalRepair.Report report = JournalRepair.repair(dir);
        assertThat(report.offset()).isEqualTo(fourth);
        assertThat(Files.readAllBytes(report.backup().resolve(segment.getFileName()))).isEqualTo(bytes);
        List<Long> seqs = new ArrayList<>();
        try (Journal j = Journal.open(Journal.Options.of(dir, Journal.Mode.SYNC), 0, (s, t, b) -> seqs.add(s))) {
            assertThat(seqs).containsExactly(1L, 2L, 3L);
        }
    }

    @Test
    void damageInAnEarlierSegmentIsNeverTakenForATornTail() throws Exception {
        PowerLossFiles files = new PowerLossFiles();
        CountDownLatch done = new CountDownLatch(1);
        try (Journal j = Journal.open(options(files, 1024), 0, (s, t, b) -> { })) {
            for (int i = 1; i <= 200; i++) {
                j.append(i % 200, body(i));
            }
            j.commit(done::countDown);
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        }
        Path first = files.list(DIR).get(0);
        files.flipBit(first, Segments.HEADER_SIZE + 12); // in the first record
        assertThatThrownBy(() -> replay(files, 1024)).isInstanceOf(CorruptJournalException.class)
                .hasMessageContaining("damaged record in " + first);
    }

    @Test
    void failingWritesDelayCallbacksUntilTheyWorkAgain() throws Exception {
        PowerLossFiles files = new PowerLossFiles();
        CountDownLatch first = new CountDownLatch(1);
        try (Journal j = Journal.open(options(files, 1 << 16), 0, (s, t, b) -> { })) {
            j.append(1, body(1));
            j.commit(first::countDown);
            assertThat(first.await(5, TimeUnit.SECONDS)).isTrue();
            synchronized (files) {
                files.failNext = 4;
            }
            CountDownLatch second = new CountDownLatch(1);
            j.append(2, body(2));
            j.commit(second::countDown);
            assertThat(second.await(5, TimeUnit.SECONDS)).isTrue();
            // the 4 injected errors hit any operation: the writer's, the clean-up of an abandoned spare, the spare pool's
            assertThat(j.failures()).isBetween(1L, 4L);
            assertThat(j.healthy()).isTrue();
        }
        assertThat(replay(files, 1 << 16)).hasSize(2);
    }

    @Test
    void aCallbackNeverRunsWhileWritesFail() throws Exception {
        PowerLossFiles files = new PowerLossFiles();
        Journal j = Journal.open(options(files, 1 << 16), 0, (s, t, b) -> { });
        synchronized (files) {
            files.failNext = Integer.MAX_VALUE;
        }
        CountDownLatch ran = new CountDownLatch(1);
        j.append(1, body(1));
        j.commit(ran::countDown);
        assertThat(ran.await(500, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(j.healthy()).isFalse();
        j.close();
        assertThat(ran.getCount()).as("abandoned at close, never acknowledged").isEqualTo(1);
    }

    @Test
    void segmentsCoveredByASnapshotAreDeleted() throws Exception {
        PowerLossFiles files = new PowerLossFiles();
        CountDownLatch done = new CountDownLatch(1);
        try (Journal j = Journal.open(options(files, 1024), 0, (s, t, b) -> { })) {
            for (int i = 1; i <= 300; i++) {
                j.append(i % 200, body(i));
            }
            j.commit(() -> { });
            j.deleteSegmentsUpTo(250);
            j.commit(done::countDown);
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        }
        List<Long> seqs = new ArrayList<>();
        try (Journal j = Journal.open(options(files, 1024), 250, (s, t, b) -> seqs.add(s))) {
            assertThat(seqs).containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(251, 300).boxed().toList());
        }
        assertThat(Segments.firstSeqOf(files.list(DIR).get(0))).isLessThanOrEqualTo(251).isGreaterThan(1);
    }

    /** Writes {@code n} records, each in a group of its own, forced before the next is written. */
    private static void writeRecords(Path dir, int n) throws Exception {
        try (Journal j = Journal.open(Journal.Options.of(dir, Journal.Mode.SYNC).withSegmentSize(1 << 16), 0, (s, t, b) -> { })) {
            for (int i = 1; i <= n; i++) {
                CountDownLatch done = new CountDownLatch(1);
                j.append(i, body(i));
                j.commit(done::countDown);
                assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    /** Offset of record number {@code index} (0-based) in a segment's bytes. */
    private static int recordStart(byte[] segment, int index) {
        int off = Segments.HEADER_SIZE;
        for (int i = 0; i < index; i++) {
            off += SegmentScan.HEADER + SegmentScan.readInt(segment, off);
        }
        return off;
    }
}
