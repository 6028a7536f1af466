package io.cairn.test;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;

/**
 * A bare TCP client for tests of exact wire behaviour: it writes the bytes it is given (built with
 * {@link Packets} and {@link Props}, or hand-made for malformed input) and reads whole MQTT packets
 * back as {@link Packet}s, to be taken apart with {@link Replies}. The {@code connected...} and
 * {@link #accepted} factories open a connection whose CONNECT was accepted.
 *
 * <p>Threading: one test thread per client; the static methods are safe from any thread.
 */
public final class RawClient implements AutoCloseable {

    /** One packet as read: the first byte (type and flags) and the bytes after Remaining Length. */
    public record Packet(int header, byte[] body) {
        public int type() {
            return header >>> 4;
        }

        public int flags() {
            return header & 0x0F;
        }

        public int u8(int i) {
            return body[i] & 0xFF;
        }

        public int u16(int i) {
            return ((body[i] & 0xFF) << 8) | (body[i + 1] & 0xFF);
        }

        @Override
        public String toString() {
            return "Packet[type=" + type() + ", flags=" + flags() + ", body=" + Arrays.toString(body) + "]";
        }
    }

    public static final int CONNACK = 2;
    public static final int PUBLISH = 3;
    public static final int PUBACK = 4;
    public static final int PUBREC = 5;
    public static final int PUBREL = 6;
    public static final int PUBCOMP = 7;
    public static final int SUBACK = 9;
    public static final int UNSUBACK = 11;
    public static final int PINGRESP = 13;
    public static final int DISCONNECT = 14;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(5000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Changes how long {@link #read} waits for a packet. */
    public RawClient timeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    public RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public RawClient send(int... bytes) throws IOException {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return send(b);
    }

    /** Reads the next packet; fails with SocketTimeoutException if none within the timeout. */
    public Packet read() throws IOException {
        return readPacket(in);
    }

    /**
     * Reads one whole packet from {@code in} (blocking, as the stream does); EOFException if the
     * connection closes before or inside it. Shared by every raw test client.
     */
    public static Packet readPacket(InputStream in) throws IOException {
        int header = in.read();
        if (header < 0) {
            throw new EOFException("connection closed by the broker");
        }
        int length = 0;
        int multiplier = 1;
        int digit;
        do {
            digit = in.read();
            if (digit < 0) {
                throw new EOFException("closed inside a remaining length");
            }
            length += (digit & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((digit & 0x80) != 0);
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new EOFException("closed inside a packet");
        }
        return new Packet(header, body);
    }

    /** Reads packets until one of {@code type} arrives (others are skipped), or fails. */
    public Packet readUntil(int type) throws IOException {
        while (true) {
            Packet p = read();
            if (p.type() == type) {
                return p;
            }
        }
    }

    /** Reads packets until one of the given types arrives (others are skipped), or fails. */
    public Packet readUntilAnyOf(int... types) throws IOException {
        while (true) {
            Packet p = read();
            for (int t : types) {
                if (p.type() == t) {
                    return p;
                }
            }
        }
    }

    /**
     * Whether the broker closed the connection within {@code millis}, reading and discarding any
     * packets (for example a 5.0 DISCONNECT) that come before the close.
     */
    public boolean closedWithin(long millis) throws IOException {
        long deadline = System.currentTimeMillis() + millis;
        try {
            while (System.currentTimeMillis() < deadline) {
                socket.setSoTimeout((int) Math.max(1, deadline - System.currentTimeMillis()));
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the broker
        } finally {
            socket.setSoTimeout(5000);
        }
        return false;
    }

    /**
     * The next packet if one arrives within {@code millis}, else null (the connection stays usable).
     * Unlike {@link #stillOpenAfter}, which reads and discards packets, this lets a test assert
     * that nothing arrived.
     */
    public Packet poll(int millis) throws IOException {
        int before = socket.getSoTimeout();
        socket.setSoTimeout(millis);
        try {
            return read();
        } catch (SocketTimeoutException e) {
            return null;
        } finally {
            socket.setSoTimeout(before);
        }
    }

    /** Waits a moment and reports whether the connection is still open (no close, no bytes). */
    public boolean stillOpenAfter(long millis) throws IOException {
        // strict: a packet arriving in the window is a failure too, as the name promises
        return silentFor(millis);
    }

    /**
     * Whether nothing at all arrives within {@code millis}: no byte and no close. It fails on
     * any packet, so a test can assert that a message (a will, a queued message) was not delivered.
     */
    public boolean silentFor(long millis) throws IOException {
        socket.setSoTimeout((int) Math.max(1, millis));
        try {
            in.read(); // a byte or end of stream: not silent
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false; // reset by the broker
        } finally {
            socket.setSoTimeout(5000);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** Connects with 3.1.1 (keep alive 60) and checks CONNACK 0x00. */
    public static RawClient connected311(int port, String clientId, boolean clean) throws IOException {
        return accepted(port, Packets.connect311(clientId, clean, 60));
    }

    /** Connects with 5.0 (keep alive 60, Session Expiry Interval {@code expiry} unless 0) and checks CONNACK 0x00. */
    public static RawClient connected5(int port, String clientId, boolean cleanStart, int expiry) throws IOException {
        Props props = expiry == 0 ? Props.none() : Props.of().sessionExpiry(expiry);
        return accepted(port, Packets.connect5(clientId, cleanStart, 60, props));
    }

    /** Connects with 5.0, clean start, keep alive 60 and the given CONNECT properties; checks CONNACK 0x00. */
    public static RawClient connected5(int port, String clientId, Props connectProps) throws IOException {
        return accepted(port, Packets.connect5(clientId, true, 60, connectProps));
    }

    /**
     * Sends {@code connect} (any CONNECT bytes) on a new connection and checks CONNACK 0x00; the
     * CONNACK is kept for {@link #connack()}. Closes the connection if it was not accepted.
     */
    public static RawClient accepted(int port, byte[] connect) throws IOException {
        RawClient c = new RawClient(port);
        c.send(connect);
        Packet ack = c.read();
        if (ack.type() != CONNACK || ack.u8(1) != 0) {
            c.close();
            throw new IOException("not accepted: " + ack);
        }
        c.lastConnack = ack;
        return c;
    }

    private Packet lastConnack;

    /** The CONNACK of {@link #accepted} and the {@code connected...} methods. */
    public Packet connack() {
        return lastConnack;
    }

    /** Subscribes (3.x encoding, one filter) and returns the SUBACK. */
    public Packet subscribe311(String filter, int qos, int packetId) throws IOException {
        send(Packets.subscribe311(packetId, filter, qos));
        return readUntil(SUBACK);
    }

    /** Subscribes (5.0 encoding, one filter, options byte, no properties) and returns the SUBACK. */
    public Packet subscribe5(String filter, int options, int packetId) throws IOException {
        send(Packets.subscribe5(packetId, filter, options));
        return readUntil(SUBACK);
    }

    /** Reads the next packet of {@code c} and checks that it is a PUBLISH. */
    public static Packet nextPublish(RawClient c) throws IOException {
        Packet p = c.read();
        if (p.type() != PUBLISH) {
            throw new AssertionError("expected PUBLISH, got " + p);
        }
        return p;
    }
}
