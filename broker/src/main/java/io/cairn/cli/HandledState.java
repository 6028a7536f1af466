package io.cairn.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code --state FILE} of {@code cairn sub --exec}: the packet identifiers of QoS 2 messages whose
 * command succeeded, from just before the PUBREC until the broker's PUBREL. A re-sent PUBLISH whose
 * identifier is here was handled already: it is acknowledged, not handled again. Each change replaces
 * the file atomically (a temporary file written and fsynced, renamed over it, the folder fsynced), so
 * a crash leaves the old or the new set, never a torn one.
 *
 * <p>Threading: synchronized; the consumer's thread adds, the client's event loop removes.
 */
final class HandledState {

    private final Path file;
    private final Set<Integer> ids = new TreeSet<>();

    private HandledState(Path file) {
        this.file = file.toAbsolutePath();
    }

    /** Reads FILE if it exists (one packet id a line; # comments). */
    static HandledState open(Path file) throws IOException {
        HandledState s = new HandledState(file);
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                try {
                    s.ids.add(Integer.parseInt(t));
                } catch (NumberFormatException e) {
                    throw new IOException(file + ": not a state file of cairn sub (line '" + t + "')");
                }
            }
        }
        return s;
    }

    synchronized boolean contains(int id) {
        return ids.contains(id);
    }

    synchronized boolean isEmpty() {
        return ids.isEmpty();
    }

    /** Records {@code id} durably (returns after fsync). */
    synchronized void add(int id) throws IOException {
        ids.add(id);
        write();
    }

    /** Forgets {@code id} durably; an UncheckedIOException if the file cannot be written. */
    synchronized void remove(int id) {
        if (ids.remove(id)) {
            try {
                write();
            } catch (IOException e) {
                ids.add(id);
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Forgets every id (the broker had no session: they belonged to one that is gone). */
    synchronized void clear() throws IOException {
        ids.clear();
        write();
    }

    private void write() throws IOException {
        StringBuilder text = new StringBuilder("# cairn sub --state: QoS 2 packet ids handled, PUBREL not yet received\n");
        ids.forEach(id -> text.append(id).append('\n'));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
