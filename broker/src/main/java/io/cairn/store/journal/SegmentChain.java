package io.cairn.store.journal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks a journal directory's segments in sequence order and checks that they hold one unbroken run
 * of records from the one after {@code afterSeq} (the snapshot's) to the end, handing each record
 * above {@code afterSeq} to a handler. Segments wholly covered by the snapshot are not read.
 *
 * <p>A segment is read up to the first sequence number of the next one: a later segment that starts
 * at or before the earlier one's last record supersedes it from there on (the writer rewrote records
 * that were not known to be forced into a fresh segment), and what follows in the earlier one is
 * ignored. The last segment may end in a torn write: where its valid data stops, the rest is cut off
 * if it can only be the last write(s), never forced, torn by a power cut, which may keep any subset of
 * the unforced pages (see {@link #dataProblem}). Anything else that would make recovery start on less
 * than the journal had is reported as the first {@link Problem}, with the cut {@link JournalRepair}
 * makes for it.
 *
 * <p>Threading: stateless; used by the thread that opens or repairs a journal.
 */
final class SegmentChain {

    /** How repair cuts the journal at a problem. */
    enum Cut {
        /** Keep the file up to the offset (zero the rest up to its capacity); delete every later segment. */
        AT_OFFSET,
        /** Delete this file and every later segment. */
        WHOLE_FILE,
        /** Records after the snapshot are missing: delete the segments not covered by it and start an empty one after it. */
        AFTER_SNAPSHOT,
        /** Repair must not touch it (a newer format). */
        REFUSE
    }

    /** The first thing that makes the journal unusable as it is. */
    record Problem(Cut cut, Path file, long offset, String what) {
        CorruptJournalException exception(Path dir) {
            String advice = cut == Cut.REFUSE ? "Run it with the Cairn version that wrote it." : CorruptJournalException.repairAdvice(dir);
            return new CorruptJournalException("journal in " + dir + " cannot be recovered: " + what
                    + ". Start-up stops rather than run on less than the journal had. " + advice, file, offset);
        }
    }

    /** A segment as found: {@code records} valid records from {@code firstSeq}, data ending at {@code validEnd}. */
    record Segment(Path path, long firstSeq, long capacity, long validEnd, long records, boolean covered) {}

    /** The outcome: the segments, the last record, the records handed over, a torn tail cut, or the first problem. */
    record Walk(List<Segment> segments, long lastSeq, long replayed, long tornAt, long tornBytes, Problem problem) {}

    private SegmentChain() {
    }

    static Walk walk(FileLayer files, Path dir, long afterSeq, Journal.RecordHandler handler) throws IOException {
        List<Path> paths = Segments.segmentPaths(files, dir);
        List<Segment> found = new ArrayList<>();
        if (paths.isEmpty()) {
            Problem p = afterSeq == 0 ? null : new Problem(Cut.AFTER_SNAPSHOT, null, 0, "there is a snapshot at record "
                    + afterSeq + " but no journal segment at all (the writer always keeps one)");
            return new Walk(found, afterSeq, 0, -1, 0, p);
        }
        int start = firstNeeded(paths, afterSeq);
        for (int i = 0; i < start; i++) {
            found.add(new Segment(paths.get(i), Segments.firstSeqOf(paths.get(i)), -1, -1, 0, true));
        }
        long first = Segments.firstSeqOf(paths.get(start));
        if (first > afterSeq + 1) {
            return problem(found, afterSeq, new Problem(Cut.AFTER_SNAPSHOT, paths.get(start), 0, "records "
                    + (afterSeq + 1) + ".." + (first - 1) + " are missing: the snapshot covers up to record " + afterSeq
                    + " but the first segment, " + paths.get(start) + ", starts at record " + first));
        }
        long next = first; // the sequence number of the next record expected
        long replayed = 0;
        for (int i = start; i < paths.size(); i++) {
            Path path = paths.get(i);
            first = Segments.firstSeqOf(path);
            if (first > next) {
                Segment prev = found.get(found.size() - 1);
                return problem(found, next - 1, new Problem(Cut.AT_OFFSET, prev.path(), prev.validEnd(), "records " + next
                        + ".." + (first - 1) + " are missing: " + prev.path() + " ends at record " + (next - 1)
                        + " and the next segment, " + path + ", starts at record " + first));
            }
            boolean last = i == paths.size() - 1;
            long limit = last ? Long.MAX_VALUE : Segments.firstSeqOf(paths.get(i + 1));
            byte[] data = SegmentScan.readAll(files, path);
            Problem p = headerProblem(path, data, first);
            if (p != null) {
                return problem(found, first - 1, p);
            }
            long capacity = Segments.readHeader(data).capacity();
            long[] seq = {first, 0};
            SegmentScan.Result r = SegmentScan.scan(data, Segments.HEADER_SIZE, limit - first, (off, type, body) -> {
                long s = seq[0]++;
                if (s > afterSeq) {
                    seq[1]++;
                    handler.record(s, type, body);
                }
            });
            replayed += seq[1];
            next = first + r.records();
            found.add(new Segment(path, first, capacity, r.validEnd(), r.records(), false));
            if (data.length < capacity) {
                return problem(found, next - 1, new Problem(Cut.AT_OFFSET, path, r.validEnd(), "segment " + path + " is "
                        + data.length + " bytes, created with " + capacity + ": it was truncated"));
            }
            p = dataProblem(path, r, data, last);
            if (p != null) {
                return problem(found, next - 1, p);
            }
            if (last && r.nonZeroEnd() > r.validEnd()) {
                return end(found, next - 1, afterSeq, replayed, r.validEnd(), r.nonZeroEnd() - r.validEnd());
            }
        }
        return end(found, next - 1, afterSeq, replayed, -1, 0);
    }

    /** The index of the first segment not wholly covered by the snapshot. */
    static int firstNeeded(List<Path> paths, long afterSeq) {
        int i = 0;
        while (i + 1 < paths.size() && Segments.firstSeqOf(paths.get(i + 1)) <= afterSeq + 1) {
            i++;
        }
        return i;
    }

    private static Problem headerProblem(Path path, byte[] data, long first) {
        Segments.Header h = Segments.readHeader(data);
        if (h == null) {
            Cut cut = Segments.newerFormat(data) ? Cut.REFUSE : Cut.WHOLE_FILE;
            return new Problem(cut, path, 0, "segment " + path + " is unusable: " + Segments.headerProblem(data));
        }
        if (h.firstSeq() != first) {
            return new Problem(Cut.WHOLE_FILE, path, 0, "segment " + path + " says in its header that it starts at record "
                    + h.firstSeq() + ", not at the record its name says");
        }
        return null;
    }

    /**
     * Damage in the records of a segment that is not a torn tail, or null. Where valid data stops at
     * {@code d} (damage, or an end-of-data marker) with non-zero bytes after it: in a segment that is
     * not the last, damage is refused, and so is a marker followed by valid records. In the last
     * segment it is a torn write, cut off, if every valid record after {@code d} was written while the
     * segment was forced only up to {@code d} or less ({@link SegmentScan#recordsAfter}): then the
     * bytes at {@code d} were not yet forced when the power went. A valid record whose group was
     * written after the segment had been forced beyond {@code d} proves that {@code d} held forced
     * data: that is refused.
     */
    private static Problem dataProblem(Path path, SegmentScan.Result r, byte[] data, boolean last) {
        if (r.limitReached() || r.nonZeroEnd() <= r.validEnd()) {
            return null; // the rest was superseded by the next segment, or is zeros
        }
        if (!last && r.damaged()) {
            return new Problem(Cut.AT_OFFSET, path, r.damageAt(), "damaged record in " + path + " at offset "
                    + r.damageAt() + " (" + r.damage() + "), in a segment that is not the last");
        }
        SegmentScan.After after = SegmentScan.recordsAfter(data, r.validEnd(), r.nonZeroEnd());
        if (last) {
            return after.tornWrite() ? null : forcedDataLost(path, r, after);
        }
        if (after.anyValid()) {
            return new Problem(Cut.AT_OFFSET, path, r.validEnd(), "an end-of-data marker in " + path + " at offset "
                    + r.validEnd() + " is followed by valid records: the data between is lost");
        }
        return null;
    }

    /** Damage or an end-of-data marker in the last segment at a place that had been forced. */
    private static Problem forcedDataLost(Path path, SegmentScan.Result r, SegmentScan.After after) {
        String what = r.damaged() ? "damaged record in " + path + " at offset " + r.damageAt() + " (" + r.damage() + ")"
                : "an end-of-data marker in " + path + " at offset " + r.validEnd();
        return new Problem(Cut.AT_OFFSET, path, r.validEnd(), what + " is followed by valid records, and the one at offset "
                + after.forcedBeyond() + " was written when the segment had been forced up to offset "
                + after.forcedOffset() + ": the data between was forced and is lost, so it is not a torn tail");
    }

    private static Walk end(List<Segment> found, long lastSeq, long afterSeq, long replayed, long tornAt, long tornBytes) {
        if (lastSeq < afterSeq) {
            Segment last = found.get(found.size() - 1);
            return problem(found, lastSeq, new Problem(Cut.AFTER_SNAPSHOT, last.path(), last.validEnd(), "the journal ends at record "
                    + lastSeq + " in " + last.path() + ", before the snapshot's record " + afterSeq
                    + ": new records would take sequence numbers the snapshot already covers"));
        }
        return new Walk(found, lastSeq, replayed, tornAt, tornBytes, null);
    }

    private static Walk problem(List<Segment> found, long lastSeq, Problem p) {
        return new Walk(found, lastSeq, 0, -1, 0, p);
    }
}
