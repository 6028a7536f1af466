package io.cairn.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * The {@link Authenticator} of {@code [auth] password_file} and {@code allow_anonymous}: a client
 * without a user name is admitted only when anonymous access is allowed; one with a user name must
 * give that user's password. The users are swapped whole by {@link #reload}.
 *
 * <p>Threading: the users are one volatile reference to an immutable {@link PasswordFile}; safe
 * from any event loop. Hashing (101 PBKDF2 rounds, tens of microseconds) runs on the caller's thread.
 */
public final class FileAuthenticator implements Authenticator {

    private static final Logger log = LoggerFactory.getLogger(FileAuthenticator.class);

    private final Path file;
    private final boolean allowAnonymous;
    private volatile PasswordFile users;

    private FileAuthenticator(Path file, boolean allowAnonymous, PasswordFile users) {
        this.file = file;
        this.allowAnonymous = allowAnonymous;
        this.users = users;
    }

    public static FileAuthenticator load(Path file, boolean allowAnonymous) throws SecurityFileException {
        return new FileAuthenticator(file, allowAnonymous, PasswordFile.load(file));
    }

    /** Reads the file again; on failure the previous users stay (and the reason is logged, never a hash). */
    public boolean reload() {
        try {
            users = PasswordFile.load(file);
            log.info("password file {} reloaded", file);
            return true;
        } catch (SecurityFileException e) {
            log.error("password file not reloaded, the previous users stay: {}", e.getMessage());
            return false;
        }
    }

    /**
     * SCRAM-SHA-512 against the same users: each exchange reads the users current when it starts,
     * so a {@link #reload} applies to the next one.
     */
    public EnhancedAuthenticator scram() {
        return new ScramSha512(user -> users.hashOf(user));
    }

    @Override
    public Verdict authenticate(String clientId, String username, byte[] password) {
        if (username == null) {
            return allowAnonymous ? Verdict.ADMIT : Verdict.NOT_AUTHORIZED;
        }
        return users.check(username, password == null ? new byte[0] : password) && password != null
                ? Verdict.ADMIT : Verdict.BAD_CREDENTIALS;
    }
}
