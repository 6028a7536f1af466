package io.cairn.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The users of a password file in Mosquitto's format: one {@code user:$7$...} or {@code user:$6$...}
 * line per user; empty lines and lines starting with {@code #} are ignored. {@link #load} reads one,
 * {@link #setUser} adds or updates a user in place (what {@code ./cairn passwd} does).
 *
 * <p>Threading: an instance is immutable and safe from any thread.
 */
public final class PasswordFile {

    /**
     * Checked for a user that does not exist, so that a wrong user name costs what a wrong password
     * costs (no timing oracle telling which user names exist).
     */
    private static final PasswordHash NOBODY = PasswordHash.create("no such user".getBytes(StandardCharsets.UTF_8));

    private final Map<String, PasswordHash> users;

    private PasswordFile(Map<String, PasswordHash> users) {
        this.users = users;
    }

    /** Reads a file; throws naming the file, the line and what is wrong with it. */
    public static PasswordFile load(Path file) throws SecurityFileException {
        List<String> lines = read(file);
        Map<String, PasswordHash> users = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new SecurityFileException(file, i + 1, "not a 'user:hash' line");
            }
            String user = line.substring(0, colon);
            try {
                if (users.put(user, PasswordHash.parse(line.substring(colon + 1))) != null) {
                    throw new SecurityFileException(file, i + 1, "user '" + user + "' appears a second time");
                }
            } catch (IllegalArgumentException e) {
                throw new SecurityFileException(file, i + 1, "user '" + user + "': " + e.getMessage());
            }
        }
        return new PasswordFile(Map.copyOf(users));
    }

    private static List<String> read(Path file) throws SecurityFileException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SecurityFileException(file, "cannot read the file (" + e.getMessage() + ")", e);
        }
    }

    /** Whether {@code password} is the password of {@code user}; as slow for an unknown user. */
    public boolean check(String user, byte[] password) {
        PasswordHash h = users.get(user);
        if (h == null) {
            NOBODY.matches(password);
            return false;
        }
        return h.matches(password);
    }

    /** The hash of {@code user}, or null when there is no such user (for SCRAM, which needs the hash itself). */
    PasswordHash hashOf(String user) {
        return users.get(user);
    }

    public int size() {
        return users.size();
    }

    /**
     * Adds {@code user} with a new {@code $7$} hash of {@code password}, or replaces its line, keeping
     * every other line (comments included). A new file is created readable by its owner only; the
     * file is replaced atomically, so a broker reloading it never reads half of it.
     */
    public static void setUser(Path file, String user, byte[] password) throws IOException {
        checkUserName(user);
        List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        String entry = user + ":" + PasswordHash.create(password).encode();
        List<String> out = new ArrayList<>(lines.size() + 1);
        boolean replaced = false;
        for (String line : lines) {
            if (!replaced && line.strip().startsWith(user + ":")) {
                out.add(entry);
                replaced = true;
            } else {
                out.add(line);
            }
        }
        if (!replaced) {
            out.add(entry);
        }
        writeAtomically(file, String.join("\n", out) + "\n");
    }

    /** Mosquitto's rules: no ':' (it ends the name), no control characters, not empty. */
    static void checkUserName(String user) {
        if (user.isEmpty() || user.indexOf(':') >= 0 || user.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("a user name must not be empty, contain ':' or control characters");
        }
    }

    private static void writeAtomically(Path file, String content) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("another cairn passwd is writing " + tmp, e);
        }
        if (Files.exists(abs)) {
            try {
                Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(abs)); // keep the owner's choice
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: nothing to keep
            }
        }
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
