package io.cairn.store.journal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A record before the journal's tail failed its checksum: recovery stops rather than skip it.
 *
 * <p>Threading: immutable.
 */
public final class CorruptJournalException extends IOException {

    private final Path segment;
    private final long offset;

    public CorruptJournalException(Path segment, long offset, String what) {
        super("journal damaged in " + segment + " at offset " + offset + " (" + what + "); records after it "
                + "exist, so it is not a torn tail. Nothing was skipped. To repair (a copy of the directory is kept): "
                + "./cairn repair " + segment.getParent());
        this.segment = segment;
        this.offset = offset;
    }

    public Path segment() {
        return segment;
    }

    public long offset() {
        return offset;
    }
}
