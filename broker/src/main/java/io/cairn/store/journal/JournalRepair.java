package io.cairn.store.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code ./cairn repair DIR}: when start-up refused the journal, keeps a copy of the directory, then
 * cuts the journal at the first problem {@link SegmentChain} finds (a damaged record, an end-of-data
 * marker followed by data, a gap between segments, a truncated, empty or headerless segment, records
 * missing after the snapshot) and deletes what follows, until the journal is one unbroken run again.
 * It then cuts a torn tail exactly where start-up would (never less, never more), so that the report
 * lists that too.
 * Damaged snapshots newer than the one used are deleted. The report lists exactly what was dropped:
 * files, byte counts and record sequence numbers. A segment written by a newer Cairn is refused.
 *
 * <p>Threading: run while no broker uses the directory.
 */
public final class JournalRepair {

    /** Size of the empty segment repair starts after a snapshot when the journal's size is not known. */
    static final long NEW_SEGMENT_SIZE = 64L << 20;

    /** What repair did: where the first cut was (null if none) and every thing dropped. */
    public record Report(Path backup, Path segment, long offset, List<String> dropped) {
        @Override
        public String toString() {
            if (dropped.isEmpty()) {
                return "journal is intact; nothing to repair (a copy was kept in " + backup + ")";
            }
            return "journal cut" + (segment == null ? "" : " at " + segment + " offset " + offset) + "; dropped:\n  - "
                    + String.join("\n  - ", dropped) + "\nthe journal as it was is copied to " + backup;
        }
    }

    private JournalRepair() {
    }

    public static Report repair(Path dir) throws IOException {
        return repair(dir, FileLayer.REAL, NEW_SEGMENT_SIZE);
    }

    public static Report repair(Path dir, FileLayer files, long segmentSize) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a directory");
        }
        Path journalDir = Files.isDirectory(dir.resolve("journal")) ? dir.resolve("journal") : dir;
        Path backup = backup(journalDir);
        List<String> dropped = new ArrayList<>();
        Snapshots.Loaded snapshot = Snapshots.load(files, journalDir);
        for (Path damaged : snapshot.damaged()) {
            long size;
            try (FileLayer.LogFile f = files.open(damaged)) {
                size = f.size();
            }
            files.delete(damaged);
            dropped.add("damaged snapshot " + damaged + " (" + size + " bytes)");
        }
        Path firstFile = null;
        long firstOffset = 0;
        for (int round = 0; ; round++) {
            SegmentChain.Walk walk = SegmentChain.walk(files, journalDir, snapshot.seq(), (s, t, b) -> { });
            SegmentChain.Problem p = walk.problem();
            if (p == null) {
                p = tornTail(walk);
                if (p == null) {
                    break;
                }
            }
            if (p.cut() == SegmentChain.Cut.REFUSE || round > 1000) {
                throw new IOException("cannot repair " + journalDir + ": " + p.what());
            }
            if (firstFile == null && p.file() != null) {
                firstFile = p.file();
                firstOffset = p.offset();
            }
            cut(files, journalDir, p, snapshot.seq(), segmentSize, dropped);
            files.syncDirectory(journalDir);
        }
        return new Report(backup, firstFile, firstOffset, dropped);
    }

    /** The torn tail start-up would cut off, as a cut of its own so that the report lists it; or null. */
    private static SegmentChain.Problem tornTail(SegmentChain.Walk walk) {
        if (walk.tornBytes() == 0) {
            return null;
        }
        SegmentChain.Segment last = walk.segments().get(walk.segments().size() - 1);
        return new SegmentChain.Problem(SegmentChain.Cut.AT_OFFSET, last.path(), walk.tornAt(),
                "a torn tail: a write that was never forced");
    }

    private static void cut(FileLayer files, Path dir, SegmentChain.Problem p, long afterSeq, long segmentSize,
                            List<String> dropped) throws IOException {
        List<Path> segments = Segments.segmentPaths(files, dir);
        switch (p.cut()) {
            case AT_OFFSET -> {
                truncate(files, p.file(), p.offset(), p.what(), dropped);
                deleteFrom(files, segments, segments.indexOf(p.file()) + 1, dropped);
            }
            case WHOLE_FILE -> deleteFrom(files, segments, segments.indexOf(p.file()), dropped);
            case AFTER_SNAPSHOT -> {
                deleteFrom(files, segments, segments.isEmpty() ? 0 : SegmentChain.firstNeeded(segments, afterSeq), dropped);
                Path target = dir.resolve(Segments.segmentName(afterSeq + 1));
                Segments.install(files, Segments.spareName(dir, 0), target, afterSeq + 1, segmentSize, true).close();
                dropped.add("(" + p.what() + "; an empty segment " + target + " now follows the snapshot)");
            }
            default -> throw new IllegalStateException(p.cut().toString());
        }
    }

    /** Keeps {@code segment} up to {@code offset}: zeros the rest, up to the capacity it was created with. */
    private static void truncate(FileLayer files, Path segment, long offset, String why, List<String> dropped)
            throws IOException {
        byte[] data = SegmentScan.readAll(files, segment);
        long capacity = Math.max(data.length, Segments.readHeader(data).capacity());
        long nonZero = SegmentScan.nonZeroEnd(data, offset);
        long kept = countRecords(data, offset);
        try (FileLayer.LogFile f = files.open(segment)) {
            Segments.zero(f, offset, capacity);
        }
        if (nonZero > offset) {
            dropped.add(segment + " from offset " + offset + ": " + (nonZero - offset) + " bytes, records from "
                    + (Segments.firstSeqOf(segment) + kept) + " on (" + why + ")");
        }
    }

    private static void deleteFrom(FileLayer files, List<Path> segments, int from, List<String> dropped) throws IOException {
        for (int i = from; i < segments.size(); i++) {
            Path s = segments.get(i);
            dropped.add(describe(files, s));
            files.delete(s);
        }
    }

    /** A deleted segment: its size and the records in it. */
    private static String describe(FileLayer files, Path segment) throws IOException {
        byte[] data = SegmentScan.readAll(files, segment);
        String what = "segment " + segment + " (" + data.length + " bytes";
        if (Segments.readHeader(data) == null) {
            return what + "; " + Segments.headerProblem(data) + ")";
        }
        long n = countRecords(data, data.length);
        long first = Segments.firstSeqOf(segment);
        return what + (n == 0 ? ", no valid record)" : ", records " + first + ".." + (first + n - 1) + ")");
    }

    /** How many valid records start before {@code offset}. */
    private static long countRecords(byte[] data, long offset) throws IOException {
        long[] n = {0};
        SegmentScan.scan(data, Segments.HEADER_SIZE, Long.MAX_VALUE, (off, t, b) -> {
            if (off < offset) {
                n[0]++;
            }
        });
        return n[0];
    }

    private static Path backup(Path dir) throws IOException {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path backup = dir.resolveSibling(dir.getFileName() + ".bak-" + stamp);
        Files.createDirectories(backup);
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.copy(p, backup.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return backup;
    }
}
