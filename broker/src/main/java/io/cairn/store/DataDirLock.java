package io.cairn.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The exclusive claim of one broker on its data directory: an OS file lock on {@code cairn.lock},
 * taken before anything in the directory is read and held until the broker stops. A second broker
 * (or {@code ./cairn repair}) on the same directory fails at once, naming the holder, instead of
 * replaying a journal that another process is writing. The lock dies with its process, so a crash
 * never leaves a stale lock behind; the file's text (pid, start time) is only for the message.
 *
 * <p>Threading: acquire and release on one thread; the lock is held by the process.
 */
public final class DataDirLock implements AutoCloseable {

    static final String FILE = "cairn.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Creates the directory if needed and locks it, or fails with a message naming the directory and the cause. */
    public static DataDirLock acquire(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        createDirectory(abs);
        Path file = abs.resolve(FILE);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            throw new IOException("cannot use the data directory " + abs + ": permission denied", e);
        }
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this process already (another broker in this JVM)
        }
        if (lock == null) {
            String holder = holder(file);
            ch.close();
            throw new IOException("the data directory " + abs + " is in use by another Cairn" + holder
                    + "; stop it first, or give this broker another [storage] dir");
        }
        writeHolder(ch);
        return new DataDirLock(ch, lock);
    }

    private static void createDirectory(Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot use the data directory " + dir + ": it exists and is not a directory", e);
        } catch (AccessDeniedException e) {
            throw new IOException("cannot create the data directory " + dir + ": permission denied", e);
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException("cannot use the data directory " + dir + ": it is not a directory");
        }
        if (!Files.isWritable(dir)) {
            throw new IOException("cannot use the data directory " + dir + ": permission denied (not writable)");
        }
    }

    private static String holder(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).trim();
            return text.isEmpty() ? "" : " (" + text + ")";
        } catch (IOException e) {
            return "";
        }
    }

    private static void writeHolder(FileChannel ch) throws IOException {
        String text = "pid " + ProcessHandle.current().pid() + ", since " + Instant.now() + "\n";
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), 0);
    }

    /** Releases the directory. */
    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the lock goes with the channel and, at worst, with the process
        }
    }
}
