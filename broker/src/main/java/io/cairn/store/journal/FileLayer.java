package io.cairn.store.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The file operations the journal uses, behind an interface so that tests can stand in a layer that
 * forgets every byte not yet forced, as a power cut would. {@link #REAL} is {@link FileChannel}:
 * positional writes, {@code force(false)} (fdatasync) for data, and a directory fsync after a file
 * is created, renamed or deleted. No memory mapping: a mapped page's durability is not ours to order.
 *
 * <p>Threading: implementations must allow one writer and concurrent readers of distinct files.
 */
public interface FileLayer {

    /** An open file. */
    interface LogFile extends AutoCloseable {
        void write(ByteBuffer src, long position) throws IOException;

        /** Writes {@code srcs} one after the other from {@code position}; one gathering write where the layer can. */
        default void write(ByteBuffer[] srcs, long position) throws IOException {
            long p = position;
            for (ByteBuffer b : srcs) {
                int n = b.remaining();
                write(b, p);
                p += n;
            }
        }

        int read(ByteBuffer dst, long position) throws IOException;

        /** Makes every byte written so far durable (fdatasync). */
        void force() throws IOException;

        long size() throws IOException;

        /** Grows the file to {@code size} with zeros, durably (a preallocated segment). */
        void preallocate(long size) throws IOException;

        @Override
        void close() throws IOException;
    }

    LogFile open(Path file) throws IOException;

    /** Files of the directory, sorted by name. */
    List<Path> list(Path dir) throws IOException;

    void delete(Path file) throws IOException;

    /** Atomic rename within a directory. */
    void rename(Path from, Path to) throws IOException;

    /** Makes the directory's entries (creations, renames, deletions) durable. */
    void syncDirectory(Path dir) throws IOException;

    FileLayer REAL = new FileLayer() {
        @Override
        public LogFile open(Path file) throws IOException {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            return new LogFile() {
                @Override
                public void write(ByteBuffer src, long position) throws IOException {
                    long p = position;
                    while (src.hasRemaining()) {
                        p += ch.write(src, p);
                    }
                }

                /** Only the writer thread writes, so the channel's position is ours to move. */
                @Override
                public void write(ByteBuffer[] srcs, long position) throws IOException {
                    if (srcs.length == 1) {
                        write(srcs[0], position);
                        return;
                    }
                    ch.position(position);
                    long left = 0;
                    for (ByteBuffer b : srcs) {
                        left += b.remaining();
                    }
                    while (left > 0) {
                        left -= ch.write(srcs);
                    }
                }

                @Override
                public int read(ByteBuffer dst, long position) throws IOException {
                    return ch.read(dst, position);
                }

                @Override
                public void force() throws IOException {
                    ch.force(false);
                }

                @Override
                public long size() throws IOException {
                    return ch.size();
                }

                @Override
                public void preallocate(long size) throws IOException {
                    if (ch.size() < size) {
                        // writing the zeros (not a sparse setLength) reserves the blocks now, so a
                        // full disk shows up here and not as a failed write of acknowledged data
                        // forced every few MiB: a burst of dirty zeros would otherwise be flushed
                        // with (and delay) the journal's next fdatasync on the same file system
                        ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
                        for (long p = ch.size(); p < size; p += zeros.capacity()) {
                            zeros.clear().limit((int) Math.min(zeros.capacity(), size - p));
                            write(zeros, p);
                            if ((p + zeros.capacity()) % Segments.ZERO_FORCE_EVERY == 0) {
                                ch.force(false);
                            }
                        }
                        ch.force(true);
                    }
                }

                @Override
                public void close() throws IOException {
                    ch.close();
                }
            };
        }

        @Override
        public List<Path> list(Path dir) throws IOException {
            try (Stream<Path> s = Files.list(dir)) {
                List<Path> out = new ArrayList<>(s.sorted().toList());
                return out;
            }
        }

        @Override
        public void delete(Path file) throws IOException {
            Files.deleteIfExists(file);
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            Files.move(from, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }

        @Override
        public void syncDirectory(Path dir) throws IOException {
            try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                ch.force(true);
            }
        }
    };
}
