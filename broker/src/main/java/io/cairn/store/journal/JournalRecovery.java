package io.cairn.store.journal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opening a journal directory: checks its segments and replays the records after the snapshot
 * ({@link SegmentChain}), refuses with a {@link CorruptJournalException} what would make it start on
 * less than it had, deletes leftover spares, and makes the last segment ready to be written again
 * (its torn tail cut, what was recovered forced), or creates the first segment of an empty directory.
 *
 * <p>Threading: stateless; runs on the thread that opens the journal, before any journal thread starts.
 */
final class JournalRecovery {

    // logged as the journal, the name operators and log configurations know
    private static final Logger log = LoggerFactory.getLogger(Journal.class);

    /** The segments to go on with, and what recovery found. */
    record Opened(List<SegmentFiles.OldSegment> older, SegmentFiles.OpenSegment current, Journal.Recovered recovered) {}

    private JournalRecovery() {
    }

    /**
     * Replays every valid record with a sequence number above {@code afterSeq} to {@code handler};
     * {@code loaded} (or null) is the snapshot {@code afterSeq} comes from.
     */
    static Opened open(Journal.Options options, long afterSeq, Snapshots.Loaded loaded, Journal.RecordHandler handler)
            throws IOException {
        Files.createDirectories(options.dir());
        SegmentChain.Walk walk = SegmentChain.walk(options.files(), options.dir(), afterSeq, handler);
        SegmentChain.Problem problem = namingDamagedSnapshots(walk.problem(), loaded);
        if (problem != null) {
            throw problem.exception(options.dir());
        }
        SparePool.deleteLeftovers(options.files(), options.dir());
        List<SegmentFiles.OldSegment> older = new ArrayList<>();
        for (SegmentChain.Segment s : walk.segments()) {
            older.add(new SegmentFiles.OldSegment(s.path(), s.firstSeq(), s.capacity()));
        }
        SegmentFiles.OpenSegment current = older.isEmpty() ? createFirst(options)
                : reopenLast(options, walk, older.remove(older.size() - 1));
        Journal.Recovered rec = new Journal.Recovered(walk.replayed(), walk.lastSeq(), walk.segments().size(),
                walk.tornBytes());
        return new Opened(older, current, rec);
    }

    /**
     * Records after the snapshot used are missing: if newer snapshots were damaged, the journal does not
     * reach back to the one it fell back to, and the problem names both.
     */
    private static SegmentChain.Problem namingDamagedSnapshots(SegmentChain.Problem problem, Snapshots.Loaded loaded) {
        if (problem != null && problem.cut() == SegmentChain.Cut.AFTER_SNAPSHOT && loaded != null
                && !loaded.damaged().isEmpty()) {
            return new SegmentChain.Problem(problem.cut(), loaded.damaged().get(0), 0,
                    loaded.fallbackFailure() + ": " + problem.what());
        }
        return problem;
    }

    private static SegmentFiles.OpenSegment createFirst(Journal.Options options) throws IOException {
        Path target = options.dir().resolve(Segments.segmentName(1));
        Path spare = Segments.spareName(options.dir(), 0);
        return SegmentFiles.OpenSegment.install(options.files(), spare, target, 1, options.segmentSize(), true);
    }

    /**
     * Reopens the last segment for writing: cuts a torn tail, and forces what was recovered (after a
     * kill -9 in {@code periodic} mode it may still be only in the page cache), so that the records
     * written next may say that everything before them is forced.
     */
    private static SegmentFiles.OpenSegment reopenLast(Journal.Options options, SegmentChain.Walk walk,
                                                       SegmentFiles.OldSegment last) throws IOException {
        FileLayer.LogFile f = options.files().open(last.path());
        long end = walk.segments().get(walk.segments().size() - 1).validEnd();
        if (walk.tornBytes() > 0) {
            log.warn("journal: torn tail cut off in {} at offset {}: {} bytes (a write that was never forced, so "
                    + "never acknowledged in sync mode)", last.path(), walk.tornAt(), walk.tornBytes());
            Segments.zero(f, walk.tornAt(), walk.tornAt() + walk.tornBytes());
        }
        f.force();
        return new SegmentFiles.OpenSegment(last.firstSeq(), last.path(), f, last.capacity(), end);
    }
}
