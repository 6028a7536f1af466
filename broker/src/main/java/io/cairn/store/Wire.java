package io.cairn.store;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable big-endian byte writer and a bounds-checked reader for the journal and snapshot
 * formats. Strings are UTF-8 with an int length (-1 for null), byte arrays likewise.
 *
 * <p>Threading: instances are confined to one thread.
 */
final class Wire {

    private Wire() {
    }

    /** Thrown when a record body does not decode: it is corrupt or of an unknown version. */
    static final class FormatException extends RuntimeException {
        FormatException(String message) {
            super(message);
        }
    }

    static final class Writer {
        private byte[] buf;
        private int pos;
        private final int room;

        Writer(int capacity) {
            this(capacity, 0);
        }

        /** A writer whose output starts at {@code room} in its array: the space before is the caller's (a record header). */
        Writer(int capacity, int room) {
            buf = new byte[room + Math.max(16, capacity)];
            pos = room;
            this.room = room;
        }

        private void ensure(int n) {
            if (pos + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
            }
        }

        Writer u8(int v) {
            ensure(1);
            buf[pos++] = (byte) v;
            return this;
        }

        Writer bool(boolean v) {
            return u8(v ? 1 : 0);
        }

        Writer i32(int v) {
            ensure(4);
            buf[pos++] = (byte) (v >>> 24);
            buf[pos++] = (byte) (v >>> 16);
            buf[pos++] = (byte) (v >>> 8);
            buf[pos++] = (byte) v;
            return this;
        }

        Writer i64(long v) {
            i32((int) (v >>> 32));
            return i32((int) v);
        }

        Writer bytes(byte[] b) {
            if (b == null) {
                return i32(-1);
            }
            i32(b.length);
            ensure(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
            return this;
        }

        Writer str(String s) {
            return bytes(s == null ? null : s.getBytes(StandardCharsets.UTF_8));
        }

        Writer ints(int[] values) {
            i32(values.length);
            for (int v : values) {
                i32(v);
            }
            return this;
        }

        byte[] toByteArray() {
            return Arrays.copyOfRange(buf, room, pos);
        }

        /** The writer's own array (the output from the room on, {@link #length} bytes): for a caller that copies or keeps it. */
        byte[] array() {
            return buf;
        }

        /** Starts again at the room, keeping the array (a writer reused for bodies that are copied on). */
        Writer reset() {
            pos = room;
            return this;
        }

        /** The array's size, room included. */
        int capacity() {
            return buf.length;
        }

        /** Bytes written, not counting the room. */
        int length() {
            return pos - room;
        }
    }

    static final class Reader {
        private final ByteBuffer buf;

        Reader(byte[] bytes) {
            this.buf = ByteBuffer.wrap(bytes);
        }

        int u8() {
            return get(() -> buf.get() & 0xFF);
        }

        boolean bool() {
            return u8() != 0;
        }

        int i32() {
            return get(buf::getInt);
        }

        long i64() {
            return get(buf::getLong);
        }

        byte[] bytes() {
            int n = i32();
            if (n == -1) {
                return null;
            }
            if (n < 0 || n > buf.remaining()) {
                throw new FormatException("length " + n + " exceeds the " + buf.remaining() + " bytes left");
            }
            byte[] b = new byte[n];
            buf.get(b);
            return b;
        }

        String str() {
            byte[] b = bytes();
            return b == null ? null : new String(b, StandardCharsets.UTF_8);
        }

        int[] ints() {
            int n = i32();
            if (n < 0 || n > buf.remaining() / 4) {
                throw new FormatException("bad int array length " + n);
            }
            int[] v = new int[n];
            for (int i = 0; i < n; i++) {
                v[i] = buf.getInt();
            }
            return v;
        }

        /** A count of items that each take at least {@code minBytes}; guards against absurd sizes. */
        int count(int minBytes) {
            int n = i32();
            if (n < 0 || (long) n * minBytes > buf.remaining()) {
                throw new FormatException("bad count " + n);
            }
            return n;
        }

        void expectEnd() {
            if (buf.hasRemaining()) {
                throw new FormatException(buf.remaining() + " trailing bytes");
            }
        }

        private interface Get<T> {
            T get();
        }

        private <T> T get(Get<T> g) {
            try {
                return g.get();
            } catch (BufferUnderflowException e) {
                throw new FormatException("record ends early");
            }
        }
    }
}
