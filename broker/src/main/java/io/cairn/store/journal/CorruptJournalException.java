package io.cairn.store.journal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Recovery found less than the journal had (a damaged record before the tail, a gap between
 * segments, a truncated, empty or headerless segment, records missing after the snapshot) and stops
 * rather than start on it. The message names the files and says how to proceed.
 *
 * <p>Threading: immutable.
 */
public final class CorruptJournalException extends IOException {

    private final Path segment;
    private final long offset;

    /** A record before the journal's tail failed its checksum. */
    public CorruptJournalException(Path segment, long offset, String what) {
        this("journal damaged in " + segment + " at offset " + offset + " (" + what + "); records after it "
                + "exist, so it is not a torn tail. Nothing was skipped. " + repairAdvice(segment.getParent()),
                segment, offset);
    }

    /** A problem described by {@code message}, which says how to proceed. */
    CorruptJournalException(String message, Path segment, long offset) {
        super(message);
        this.segment = segment;
        this.offset = offset;
    }

    static String repairAdvice(Path journalDir) {
        return "To cut the journal at this point (the records after it are lost; a copy of the directory is "
                + "kept and the report lists what was dropped): ./cairn repair " + journalDir;
    }

    /** The file the problem is in (a segment or snapshot), or null if it is about the directory. */
    public Path segment() {
        return segment;
    }

    public long offset() {
        return offset;
    }
}
