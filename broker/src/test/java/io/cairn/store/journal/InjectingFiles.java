package io.cairn.store.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link FileLayer} over another that lets a test inject a failure (any exception, by file and
 * operation) and counts forces, to test what the journal does when the layer below misbehaves.
 *
 * <p>Threading: the hook is read by whichever thread does the operation; set it before, or make it
 * thread-safe.
 */
final class InjectingFiles implements FileLayer {

    /** Operations that can be hooked. */
    enum Op { WRITE, PREALLOCATE, FORCE, RENAME, DELETE, SYNC_DIRECTORY }

    /** Called before each operation; may throw to inject a failure. */
    @FunctionalInterface
    interface Hook {
        void before(Op op, Path file) throws IOException;
    }

    private final FileLayer below;
    volatile Hook hook = (op, file) -> { };
    final AtomicLong forces = new AtomicLong();

    InjectingFiles(FileLayer below) {
        this.below = below;
    }

    @Override
    public LogFile open(Path file) throws IOException {
        LogFile f = below.open(file);
        return new LogFile() {
            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                hook.before(Op.WRITE, file);
                f.write(src, position);
            }

            @Override
            public int read(ByteBuffer dst, long position) throws IOException {
                return f.read(dst, position);
            }

            @Override
            public void force() throws IOException {
                hook.before(Op.FORCE, file);
                forces.incrementAndGet();
                f.force();
            }

            @Override
            public long size() throws IOException {
                return f.size();
            }

            @Override
            public void preallocate(long size) throws IOException {
                hook.before(Op.PREALLOCATE, file);
                f.preallocate(size);
            }

            @Override
            public void close() throws IOException {
                f.close();
            }
        };
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        return below.list(dir);
    }

    @Override
    public void delete(Path file) throws IOException {
        hook.before(Op.DELETE, file);
        below.delete(file);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        hook.before(Op.RENAME, to);
        below.rename(from, to);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        hook.before(Op.SYNC_DIRECTORY, dir);
        below.syncDirectory(dir);
    }
}
