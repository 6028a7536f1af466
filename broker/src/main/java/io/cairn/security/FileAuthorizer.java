package io.cairn.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * The {@link Authorizer} of {@code [auth] acl_file}: the rules of the file, swapped whole by
 * {@link #reload} (a file that does not parse leaves the old rules in force).
 *
 * <p>Threading: the rules are one volatile reference to an immutable {@link Acl}; safe from any thread.
 */
public final class FileAuthorizer implements Authorizer {

    private static final Logger log = LoggerFactory.getLogger(FileAuthorizer.class);

    private final Path file;
    private volatile Acl acl;

    private FileAuthorizer(Path file, Acl acl) {
        this.file = file;
        this.acl = acl;
    }

    public static FileAuthorizer load(Path file) throws SecurityFileException {
        return new FileAuthorizer(file, Acl.load(file));
    }

    /** Reads the file again; on success the new rules apply to every later check. */
    public boolean reload() {
        try {
            acl = Acl.load(file);
            log.info("ACL file {} reloaded", file);
            return true;
        } catch (SecurityFileException e) {
            log.error("ACL file not reloaded, the previous rules stay in force: {}", e.getMessage());
            return false;
        }
    }

    @Override
    public boolean mayWrite(String clientId, String username, String topic) {
        return acl.mayWrite(clientId, username, topic);
    }

    @Override
    public boolean mayRead(String clientId, String username, String topic) {
        return acl.mayRead(clientId, username, topic);
    }

    @Override
    public boolean maySubscribe(String clientId, String username, String filter) {
        return acl.maySubscribe(clientId, username, filter);
    }
}
