package io.cairn.store.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A power cut may keep any subset of the pages of the writes that were never forced. Damage in the
 * last segment followed by valid records is a torn write, cut off, when every valid record after it
 * was written while the segment was forced only up to the damage or less; damage in data that had
 * been forced before a later group was written still stops start-up, and repair cuts exactly there.
 */
class TornWriteTest {

    private static final long SEGMENT = 1 << 16;

    @TempDir
    Path tmp;

    private Path dir() {
        return tmp.resolve("journal");
    }

    private Path segment() {
        return dir().resolve(Segments.segmentName(1));
    }

    private static Journal.Options options(Path dir, Journal.Mode mode) {
        return Journal.Options.of(dir, mode).withSegmentSize(SEGMENT).withFlushInterval(3_600_000)
                .withFailStop((where, cause) -> { throw new AssertionError(where, cause); });
    }

    private static byte[] body(long seq, int size) {
        byte[] b = new byte[size];
        byte[] name = ("record-" + seq).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, b, 0, name.length);
        return b;
    }

    /**
     * Writes groups of records ({@code groups[i]} records of {@code size} bytes each), waiting for
     * each group's callback before committing the next, so that each is a write of its own: forced
     * before the next in {@code SYNC} mode; in {@code PERIODIC} mode (with a flush interval of an hour)
     * none is forced before the journal closes.
     */
    private void write(Journal.Mode mode, int size, int... groups) throws Exception {
        try (Journal j = Journal.open(options(dir(), mode), 0, (s, t, b) -> { })) {
            for (int n : groups) {
                CountDownLatch done = new CountDownLatch(1);
                for (int i = 0; i < n; i++) {
                    j.append(1, body(j.lastSeq() + 1, size));
                }
                j.commit(done::countDown);
                assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    private List<Long> open() throws IOException {
        List<Long> seqs = new ArrayList<>();
        try (Journal j = Journal.open(options(dir(), Journal.Mode.SYNC), 0, (s, t, b) -> {
            assertThat(new String(b, StandardCharsets.UTF_8)).startsWith("record-" + s);
            seqs.add(s);
        })) {
            return seqs;
        }
    }

    private int recordStart(int index) throws IOException {
        byte[] data = Files.readAllBytes(segment());
        int off = Segments.HEADER_SIZE;
        for (int i = 0; i < index; i++) {
            off += SegmentScan.HEADER + SegmentScan.readInt(data, off);
        }
        return off;
    }

    private void overwrite(long at, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(segment().toFile(), "rw")) {
            f.seek(at);
            f.write(bytes);
        }
    }

    private void flipBit(long at) throws IOException {
        byte[] data = Files.readAllBytes(segment());
        overwrite(at, new byte[] {(byte) (data[(int) at] ^ 0x04)});
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    @Test
    void theRecordsAfterABreakAreFoundWithTheForcedOffsetsTheyCarry() {
        byte[] data = new byte[4096];
        int broken = Segments.HEADER_SIZE;
        int kept = broken + SegmentScan.encode(data, broken, 1, body(1, 40), Segments.HEADER_SIZE);
        int later = kept + SegmentScan.encode(data, kept, 1, body(2, 40), Segments.HEADER_SIZE);
        int end = later + SegmentScan.encode(data, later, 1, body(3, 40), later);
        data[broken + 20] ^= 1;
        SegmentScan.After after = SegmentScan.recordsAfter(data, broken, end);
        assertThat(after.firstValid()).isEqualTo(kept);
        assertThat(after.forcedBeyond()).isEqualTo(later);
        assertThat(after.forcedOffset()).isEqualTo(later);
        assertThat(SegmentScan.recordsAfter(data, broken, later).tornWrite()).as("without the later group").isTrue();
        assertThat(SegmentScan.recordsAfter(data, later, end).anyValid()).as("nothing after the last").isFalse();
    }

    @Test
    void recordsCarryTheOffsetUpToWhichTheSegmentWasForcedWhenTheirGroupWasWritten() throws Exception {
        write(Journal.Mode.SYNC, 50, 2, 3);
        byte[] data = Files.readAllBytes(segment());
        assertThat(SegmentScan.forcedOffset(data, recordStart(0))).isEqualTo(Segments.HEADER_SIZE);
        assertThat(SegmentScan.forcedOffset(data, recordStart(1))).isEqualTo(Segments.HEADER_SIZE);
        for (int i = 2; i < 5; i++) {
            assertThat(SegmentScan.forcedOffset(data, recordStart(i))).as("sync: where the group began").isEqualTo(recordStart(2));
        }
        Files.delete(segment());
        write(Journal.Mode.PERIODIC, 50, 2, 3);
        data = Files.readAllBytes(segment());
        for (int i = 0; i < 5; i++) {
            assertThat(SegmentScan.forcedOffset(data, recordStart(i))).as("periodic: nothing forced yet").isEqualTo(Segments.HEADER_SIZE);
        }
    }

    @Test
    void aRecordAfterARestartSaysThatWhatWasRecoveredIsForced() throws Exception {
        write(Journal.Mode.PERIODIC, 50, 2);
        write(Journal.Mode.PERIODIC, 50, 1); // a new writer: the recovered records were forced when it opened
        assertThat(SegmentScan.forcedOffset(Files.readAllBytes(segment()), recordStart(2))).isEqualTo(recordStart(2));
    }

    @Test
    void periodicAfterAKillTheReopenedSegmentIsForcedBeforeNewRecordsSayItIs() throws Exception {
        for (long seed = 1; seed <= 20; seed++) {
            PowerLossFiles disk = new PowerLossFiles();
            Path dir = Path.of("/killed");
            Journal.Options o = options(dir, Journal.Mode.PERIODIC).withFiles(disk);
            Journal first = Journal.open(o, 0, (s, t, b) -> { });
            append(first, 20);
            first.close();
            disk.unforce(dir.resolve(Segments.segmentName(1)), Segments.HEADER_SIZE); // kill -9: only in the page cache
            Journal second = Journal.open(o, 0, (s, t, b) -> { }); // recovers the 20 from the page cache
            append(second, 5);
            PowerLossFiles after = disk.crash(new java.util.Random(seed), PowerLossFiles.Tear.PAGES);
            second.close();
            List<Long> seqs = new ArrayList<>();
            Journal.open(o.withFiles(after), 0, (s, t, b) -> seqs.add(s)).close();
            assertThat(seqs).as("seed %d: the reopened records were forced before the next ones were written", seed)
                    .startsWith(range(1, 20).toArray(Long[]::new));
        }
    }

    /** Appends {@code n} records of 1000 bytes as one group and waits until it is written. */
    private static void append(Journal j, int n) throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        for (int i = 0; i < n; i++) {
            j.append(1, body(j.lastSeq() + 1, 1000));
        }
        j.commit(done::countDown);
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aDamagedRecordInsideTheLastGroupIsATornWriteAndCutOff() throws Exception {
        write(Journal.Mode.SYNC, 50, 2, 8);
        int fourth = recordStart(3);
        flipBit(fourth + SegmentScan.HEADER + 20);
        assertThat(open()).isEqualTo(range(1, 3));
        assertThat(SegmentScan.nonZeroEnd(Files.readAllBytes(segment()), fourth)).as("zeros from the damage on").isEqualTo(fourth);
    }

    @Test
    void aLostPageInsideTheLastGroupFollowedByKeptPagesIsATornWrite() throws Exception {
        write(Journal.Mode.SYNC, 1000, 1, 20);
        overwrite(PowerLossFiles.PAGE, new byte[PowerLossFiles.PAGE]); // page 1 lost, pages 2..5 kept
        List<Long> seqs = open();
        assertThat(seqs).isNotEmpty().isEqualTo(range(1, seqs.size()));
        assertThat(recordStart(seqs.size())).as("cut where the lost page broke a record").isLessThan(2 * PowerLossFiles.PAGE);
    }

    @Test
    void periodicDamageInAnyGroupWrittenSinceTheLastForceIsATornWrite() throws Exception {
        write(Journal.Mode.PERIODIC, 50, 2, 3, 3);
        overwrite(recordStart(1), new byte[SegmentScan.HEADER]); // an end-of-data marker in the first group
        assertThat(open()).isEqualTo(range(1, 1));
    }

    @Test
    void damageFollowedByAGroupWrittenAfterItWasForcedStopsStartUpAndRepairCutsThere() throws Exception {
        write(Journal.Mode.SYNC, 50, 2, 3, 3);
        int second = recordStart(1);
        int secondGroup = recordStart(2);
        overwrite(second, new byte[SegmentScan.HEADER]);
        assertThatThrownBy(this::open).isInstanceOf(CorruptJournalException.class)
                .hasMessageContaining("end-of-data marker in " + segment() + " at offset " + second)
                .hasMessageContaining("the one at offset " + secondGroup + " was written when the segment had been forced up to offset " + secondGroup)
                .hasMessageContaining("./cairn repair");
        JournalRepair.Report report = JournalRepair.repair(tmp, FileLayer.REAL, SEGMENT);
        assertThat(report.offset()).isEqualTo(second);
        assertThat(open()).isEqualTo(range(1, 1));
    }

    @Test
    void periodicDamageBeforeTheLastForceStopsStartUp() throws Exception {
        write(Journal.Mode.PERIODIC, 50, 2, 3);
        write(Journal.Mode.PERIODIC, 50, 2); // after a restart: all before it was forced
        int second = recordStart(1);
        flipBit(second + SegmentScan.HEADER + 5);
        assertThatThrownBy(this::open).isInstanceOf(CorruptJournalException.class)
                .hasMessageContaining("damaged record in " + segment() + " at offset " + second + " (checksum mismatch)")
                .hasMessageContaining("forced up to offset " + recordStart(5));
    }

    @Test
    void repairCutsATornTailWhereStartUpWouldAndListsIt() throws Exception {
        write(Journal.Mode.SYNC, 50, 2, 8);
        int fourth = recordStart(3);
        flipBit(fourth + SegmentScan.HEADER + 20);
        JournalRepair.Report report = JournalRepair.repair(tmp, FileLayer.REAL, SEGMENT);
        assertThat(report.segment()).isEqualTo(segment());
        assertThat(report.offset()).isEqualTo(fourth);
        assertThat(report.toString()).contains("records from 4 on", "a torn tail");
        assertThat(SegmentScan.nonZeroEnd(Files.readAllBytes(segment()), fourth)).isEqualTo(fourth);
        assertThat(open()).isEqualTo(range(1, 3));
        assertThat(JournalRepair.repair(tmp, FileLayer.REAL, SEGMENT).dropped()).isEmpty();
    }
}
