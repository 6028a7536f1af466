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
 * Recovery never starts on less than the journal had: every kind of damage stops it with a message
 * naming the files and the repair command, and repair cuts the journal there so that it starts.
 */
class JournalRecoveryTest {

    private static final long SEGMENT = 1024;

    @TempDir
    Path tmp;

    private Path dir() {
        return tmp.resolve("journal");
    }

    private static Journal.Options options(Path dir) {
        return Journal.Options.of(dir, Journal.Mode.SYNC).withSegmentSize(SEGMENT)
                .withFailStop((where, cause) -> { throw new AssertionError(where, cause); });
    }

    private static byte[] body(long seq, int size) {
        byte[] b = new byte[size];
        byte[] name = ("record-" + seq).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, b, 0, Math.min(size, name.length));
        return b;
    }

    /** Appends records of the given body sizes, one commit each, numbered from {@code first}. */
    private void write(long first, int... sizes) throws Exception {
        try (Journal j = Journal.open(options(dir()), 0, (s, t, b) -> { })) {
            assertThat(j.lastSeq()).isEqualTo(first - 1);
            for (int i = 0; i < sizes.length; i++) {
                CountDownLatch done = new CountDownLatch(1);
                j.append(1, body(first + i, sizes[i]));
                j.commit(done::countDown);
                assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    private void write(int n) throws Exception {
        int[] sizes = new int[n];
        java.util.Arrays.fill(sizes, 50);
        write(1, sizes);
    }

    private List<Long> open(long afterSeq) throws IOException {
        List<Long> seqs = new ArrayList<>();
        try (Journal j = Journal.open(options(dir()), afterSeq, (s, t, b) -> {
            assertThat(new String(b, StandardCharsets.UTF_8)).startsWith("record-" + s);
            seqs.add(s);
        })) {
            return seqs;
        }
    }

    private void assertRefused(long afterSeq, String... parts) {
        var thrown = assertThatThrownBy(() -> open(afterSeq)).isInstanceOf(CorruptJournalException.class);
        for (String p : parts) {
            thrown.hasMessageContaining(p);
        }
    }

    private JournalRepair.Report repair() throws IOException {
        return JournalRepair.repair(tmp, FileLayer.REAL, SEGMENT);
    }

    private Path segment(long firstSeq) {
        return dir().resolve(Segments.segmentName(firstSeq));
    }

    private List<Path> segments() throws IOException {
        return Segments.segmentPaths(FileLayer.REAL, dir());
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    private static void overwrite(Path file, long at, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            f.write(bytes);
        }
    }

    private static int recordStart(Path segment, int index) throws IOException {
        byte[] data = Files.readAllBytes(segment);
        int off = Segments.HEADER_SIZE;
        for (int i = 0; i < index; i++) {
            off += SegmentScan.HEADER + SegmentScan.readInt(data, off);
        }
        return off;
    }

    @Test
    void anEndOfDataMarkerFollowedByValidRecordsIsDamageNotTheEnd() throws Exception {
        write(10);
        Path seg = segments().get(0);
        int fourth = recordStart(seg, 3);
        overwrite(seg, fourth, new byte[SegmentScan.HEADER]);
        assertRefused(0, seg.toString(), "offset " + fourth, "end-of-data marker", "./cairn repair");
        JournalRepair.Report report = repair();
        assertThat(report.segment()).isEqualTo(seg);
        assertThat(report.offset()).isEqualTo(fourth);
        assertThat(report.toString()).contains("records from 4 on");
        assertThat(open(0)).isEqualTo(range(1, 3));
        assertThat(Files.readAllBytes(report.backup().resolve(seg.getFileName()))).isNotEqualTo(Files.readAllBytes(seg));
    }

    @Test
    void aRecordLargerThanASegmentGetsASegmentOfItsOwn() throws Exception {
        write(1, 10 * 1024, 50, 50, 10 * 1024, 50);
        assertThat(Files.size(segment(1))).isEqualTo(Segments.HEADER_SIZE + SegmentScan.HEADER + 1 + 10 * 1024);
        assertThat(Files.size(segment(2))).isEqualTo(SEGMENT);
        assertThat(Files.size(segment(4))).isEqualTo(Segments.HEADER_SIZE + SegmentScan.HEADER + 1 + 10 * 1024);
        assertThat(segments()).containsExactly(segment(1), segment(2), segment(4), segment(5));
        assertThat(open(0)).isEqualTo(range(1, 5));
        write(6, 10 * 1024);
        assertThat(open(0)).isEqualTo(range(1, 6));
    }

    @Test
    void aSegmentOfANewerFormatIsRefusedAndNotRepaired() throws Exception {
        write(3);
        overwrite(segment(1), 4, new byte[] {0, 0, 0, 2});
        assertRefused(0, segment(1).toString(), "written by a newer Cairn (journal format 2");
        assertThatThrownBy(this::repair).hasMessageContaining("newer Cairn");
        assertThat(Files.size(segment(1))).isEqualTo(SEGMENT);
    }

    @Test
    void aSegmentWithoutHeaderIsRefusedNotMisread() throws Exception {
        Files.createDirectories(dir());
        byte[] old = new byte[(int) SEGMENT];
        int off = 0;
        for (int s = 1; s <= 3; s++) {
            off += SegmentScan.encode(old, off, 1, body(s, 20), 0); // the format before segment headers
        }
        Files.write(segment(1), old);
        assertRefused(0, segment(1).toString(), "no segment header", "./cairn repair");
        assertThat(repair().toString()).contains(segment(1).toString());
        assertThat(open(0)).isEmpty();
    }

    @Test
    void aSegmentHeaderFailingItsChecksumIsRefused() throws Exception {
        write(3);
        overwrite(segment(1), 17, new byte[] {0x55});
        assertRefused(0, segment(1).toString(), "header fails its checksum");
        assertThat(repair().toString()).contains(segment(1) + " (" + SEGMENT + " bytes; its segment header fails");
        assertThat(open(0)).isEmpty();
    }

    @Test
    void aTruncatedSegmentIsRefusedAndRepairKeepsItsRecords() throws Exception {
        write(30);
        Path last = segments().get(segments().size() - 1);
        long first = Segments.firstSeqOf(last);
        int cutAt = recordStart(last, 3);
        try (RandomAccessFile f = new RandomAccessFile(last.toFile(), "rw")) {
            f.setLength(cutAt);
        }
        assertRefused(0, last + " is " + cutAt + " bytes, created with " + SEGMENT + ": it was truncated");
        repair();
        assertThat(open(0)).isEqualTo(range(1, first + 2));
        assertThat(Files.size(last)).isEqualTo(SEGMENT);
    }

    @Test
    void aZeroLengthSegmentIsRefused() throws Exception {
        write(5);
        Files.createFile(segment(6));
        assertRefused(0, segment(6).toString(), "zero length");
        assertThat(repair().toString()).contains(segment(6) + " (0 bytes");
        assertThat(open(0)).isEqualTo(range(1, 5));
    }

    @Test
    void aGapBetweenSegmentsIsRefusedNamingBothAndTheMissingRecords() throws Exception {
        write(60);
        List<Path> segs = segments();
        assertThat(segs.size()).isGreaterThanOrEqualTo(4);
        Path before = segs.get(0);
        Path after = segs.get(2);
        long missingFrom = Segments.firstSeqOf(segs.get(1));
        long missingTo = Segments.firstSeqOf(after) - 1;
        Files.delete(segs.get(1));
        assertRefused(0, before.toString(), after.toString(), "records " + missingFrom + ".." + missingTo + " are missing");
        JournalRepair.Report report = repair();
        assertThat(report.toString()).contains(after.toString(), "records " + (missingTo + 1) + "..");
        assertThat(open(0)).isEqualTo(range(1, missingFrom - 1));
        write(missingFrom, 50); // and it goes on where it was cut
        assertThat(open(0)).isEqualTo(range(1, missingFrom));
    }

    @Test
    void recordsMissingAfterTheSnapshotAreRefused() throws Exception {
        write(60);
        List<Path> segs = segments();
        long firstKept = Segments.firstSeqOf(segs.get(2));
        Files.delete(segs.get(0));
        Files.delete(segs.get(1));
        Snapshots.write(FileLayer.REAL, dir(), 5, new byte[] {1, 2, 3});
        assertRefused(5, "records 6.." + (firstKept - 1) + " are missing", "snapshot covers up to record 5");
        JournalRepair.Report report = repair();
        assertThat(report.toString()).contains("records " + firstKept + "..");
        assertThat(open(5)).isEmpty();
        assertThat(segments()).containsExactly(segment(6));
    }

    @Test
    void aSnapshotWithoutAnySegmentIsRefused() throws Exception {
        write(5);
        for (Path p : segments()) {
            Files.delete(p);
        }
        Snapshots.write(FileLayer.REAL, dir(), 5, new byte[] {1});
        assertRefused(5, "snapshot at record 5 but no journal segment");
        repair();
        assertThat(open(5)).isEmpty();
    }

    @Test
    void aJournalEndingBeforeItsSnapshotIsRefused() throws Exception {
        write(5);
        Snapshots.write(FileLayer.REAL, dir(), 9, new byte[] {1});
        assertRefused(9, "the journal ends at record 5", "before the snapshot's record 9");
        repair();
        assertThat(open(9)).isEmpty();
        assertThat(segments()).contains(segment(10));
    }

    @Test
    void anEmptyDirectoryGetsItsFirstSegmentAtOnce() throws Exception {
        open(0);
        assertThat(segments()).containsExactly(segment(1));
        assertThat(Files.size(segment(1))).isEqualTo(SEGMENT);
    }
}
