package io.cairn.store.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code ./cairn repair DIR}: after a checksum failure before the journal's tail, keeps a copy of the
 * directory, then truncates the log at the first damaged record (zeroing the rest of that segment
 * and deleting every later segment). The records after the damage are lost; the report says how many
 * bytes and segments.
 *
 * <p>Threading: run while no broker uses the directory.
 */
public final class JournalRepair {

    /** What repair did. */
    public record Report(Path backup, Path segment, long offset, long bytesDropped, int segmentsDeleted) {
        @Override
        public String toString() {
            if (segment == null) {
                return "journal is intact; nothing to repair (a copy was kept in " + backup + ")";
            }
            return "journal cut at " + segment + " offset " + offset + ": " + bytesDropped + " bytes dropped, "
                    + segmentsDeleted + " later segment(s) deleted; the damaged journal was copied to " + backup;
        }
    }

    private JournalRepair() {
    }

    public static Report repair(Path dir) throws IOException {
        return repair(dir, FileLayer.REAL);
    }

    public static Report repair(Path dir, FileLayer files) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a directory");
        }
        Path journalDir = Files.isDirectory(dir.resolve("journal")) ? dir.resolve("journal") : dir;
        Path backup = backup(journalDir);
        List<Path> segments = Journal.segmentPaths(files, journalDir);
        for (int i = 0; i < segments.size(); i++) {
            byte[] data = SegmentScan.readAll(files, segments.get(i));
            SegmentScan.Result r = SegmentScan.scan(data, (o, t, b) -> { });
            if (!r.damaged()) {
                continue;
            }
            long dropped = r.nonZeroEnd() - r.damageAt();
            try (FileLayer.LogFile f = files.open(segments.get(i))) {
                ByteBuffer zeros = ByteBuffer.allocate(data.length - (int) r.damageAt());
                f.write(zeros, r.damageAt());
                f.force();
            }
            int deleted = 0;
            for (int j = i + 1; j < segments.size(); j++) {
                dropped += Files.size(segments.get(j));
                files.delete(segments.get(j));
                deleted++;
            }
            files.syncDirectory(journalDir);
            return new Report(backup, segments.get(i), r.damageAt(), dropped, deleted);
        }
        return new Report(backup, null, 0, 0, 0);
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
