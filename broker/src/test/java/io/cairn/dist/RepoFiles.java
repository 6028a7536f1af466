package io.cairn.dist;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files of the repository (dist/, the launcher) seen from a test, which Maven runs in broker/ and an
 * IDE may run at the root.
 *
 * <p>Threading: static and stateless; any thread.
 */
final class RepoFiles {

    private RepoFiles() {}

    /** The repository's root folder, as an absolute path. */
    static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("dist")) ? here : here.getParent();
    }
}
