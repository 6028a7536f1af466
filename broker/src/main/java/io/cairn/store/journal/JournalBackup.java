package io.cairn.store.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A consistent copy of a journal while its broker runs: the newest snapshot, then every segment that
 * holds records after it, in sequence order. What the copy holds is exactly what a crash at the moment
 * the copy ended would have left (recovery takes the snapshot and replays the segments; a record the
 * broker was writing while its segment was copied is a torn tail, cut as after a power cut, and was
 * not acknowledged yet). The broker deletes segments only behind the older of the two snapshots it
 * keeps, so the segments after the newest one stay while they are copied; if one disappears anyway (the
 * broker took two snapshots meanwhile), the copy starts again.
 *
 * <p>Threading: called once by the command line; reads files another process writes.
 */
public final class JournalBackup {

    private static final int ATTEMPTS = 3;

    private JournalBackup() {
    }

    /** What was copied. */
    public record Copied(long snapshotSeq, List<String> files, long bytes) {
        @Override
        public String toString() {
            return "copied " + files.size() + " file(s), " + bytes + " bytes: "
                    + (snapshotSeq > 0 ? "the snapshot after record " + snapshotSeq : "no snapshot yet")
                    + " and " + (files.size() - (snapshotSeq > 0 ? 1 : 0)) + " segment(s) after it: " + files;
        }
    }

    /**
     * Copies the journal of storage directory {@code storageDir} into {@code dest/journal}; {@code dest}
     * must not exist or be empty.
     */
    public static Copied copy(Path storageDir, Path dest) throws IOException {
        Path from = storageDir.resolve("journal");
        if (!Files.isDirectory(from)) {
            throw new IOException(from + " is not a journal directory (give the [storage] dir)");
        }
        if (Files.exists(dest) && (!Files.isDirectory(dest) || Files.list(dest).findAny().isPresent())) {
            throw new IOException(dest + " exists and is not an empty directory");
        }
        for (int attempt = 1; ; attempt++) {
            Path to = Files.createDirectories(dest.resolve("journal"));
            try {
                return copyOnce(from, to);
            } catch (NoSuchFileException e) {
                deleteContents(to);
                if (attempt == ATTEMPTS) {
                    throw new IOException("the journal changed under the copy " + ATTEMPTS + " times (" + e.getMessage()
                            + " disappeared); try again", e);
                }
            }
        }
    }

    private static Copied copyOnce(Path from, Path to) throws IOException {
        List<Path> snapshots = new ArrayList<>(Snapshots.list(FileLayer.REAL, from));
        snapshots.sort(Comparator.comparingLong(Snapshots::seqOf));
        Path snapshot = snapshots.isEmpty() ? null : snapshots.get(snapshots.size() - 1);
        long after = snapshot == null ? 0 : Snapshots.seqOf(snapshot);
        List<String> names = new ArrayList<>();
        long bytes = 0;
        if (snapshot != null) {
            bytes += copyFile(snapshot, to);
            names.add(snapshot.getFileName().toString());
        }
        for (Path segment : segmentsAfter(from, after)) {
            bytes += copyFile(segment, to);
            names.add(segment.getFileName().toString());
        }
        return new Copied(after, names, bytes);
    }

    /** The segments holding records after {@code seq}: the one that holds {@code seq + 1} and every later one. */
    private static List<Path> segmentsAfter(Path dir, long seq) throws IOException {
        List<Path> all = new ArrayList<>(Segments.segmentPaths(FileLayer.REAL, dir));
        all.sort(Comparator.comparingLong(Segments::firstSeqOf));
        int first = 0;
        for (int i = 0; i < all.size(); i++) {
            if (Segments.firstSeqOf(all.get(i)) <= seq + 1) {
                first = i;
            }
        }
        return all.subList(first, all.size());
    }

    private static long copyFile(Path file, Path toDir) throws IOException {
        Path tmp = toDir.resolve(file.getFileName() + ".part");
        Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, toDir.resolve(file.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        return Files.size(toDir.resolve(file.getFileName()));
    }

    private static void deleteContents(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
