package io.cairn.security;

import java.nio.file.Path;

/**
 * A password or ACL file that cannot be used: the message is {@code FILE:LINE: what is wrong} (never
 * the content of a password line, which holds a hash).
 *
 * <p>Threading: immutable.
 */
public final class SecurityFileException extends Exception {

    public SecurityFileException(Path file, int line, String what) {
        super(file + ":" + line + ": " + what);
    }

    public SecurityFileException(Path file, String what, Throwable cause) {
        super(file + ": " + what, cause);
    }
}
