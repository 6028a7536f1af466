package io.cairn.test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A bare TCP client that writes hand-made bytes and reads whole MQTT packets back, for tests of
 * malformed input and of exact wire behaviour no well-behaved client library would produce.
 *
 * <p>Threading: one test thread.
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

    /** Connects with 3.1.1 and checks CONNACK 0x00; returns the CONNACK. */
    public static RawClient connected311(int port, String clientId, boolean clean) throws IOException {
        RawClient c = new RawClient(port);
        c.send(connect311(clientId, clean, 60));
        Packet ack = c.read();
        if (ack.type() != CONNACK || ack.u8(1) != 0) {
            throw new IOException("not accepted: " + ack);
        }
        c.lastConnack = ack;
        return c;
    }

    /** Connects with 5.0 (Session Expiry Interval {@code expiry}) and checks CONNACK 0x00. */
    public static RawClient connected5(int port, String clientId, boolean cleanStart, int expiry) throws IOException {
        RawClient c = new RawClient(port);
        byte[] props = expiry == 0 ? new byte[0] : concat(bytes(0x11), u32(expiry));
        c.send(connect5(clientId, cleanStart, 60, props));
        Packet ack = c.read();
        if (ack.type() != CONNACK || ack.u8(1) != 0) {
            throw new IOException("not accepted: " + ack);
        }
        c.lastConnack = ack;
        return c;
    }

    private Packet lastConnack;

    /** The CONNACK of {@link #connected311} / {@link #connected5}. */
    public Packet connack() {
        return lastConnack;
    }

    /** Subscribes (3.1.1 encoding) and returns the SUBACK. */
    public Packet subscribe311(String filter, int qos, int packetId) throws IOException {
        send(subscribe311(packetId, filter, qos));
        return readUntil(SUBACK);
    }

    public static byte[] u32(int v) {
        return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    /** The topic of a PUBLISH packet. */
    public static String topicOf(Packet p) {
        int n = p.u16(0);
        return new String(p.body(), 2, n, StandardCharsets.UTF_8);
    }

    /** The packet id of a QoS > 0 PUBLISH. */
    public static int packetIdOf(Packet p) {
        return p.u16(2 + p.u16(0));
    }

    /** The payload of a 3.1.1 PUBLISH. */
    public static String payload311(Packet p) {
        int start = 2 + p.u16(0) + (((p.header() >> 1) & 3) > 0 ? 2 : 0);
        return new String(p.body(), start, p.body().length - start, StandardCharsets.UTF_8);
    }

    /** The payload of a 5.0 PUBLISH (skipping the properties). */
    public static String payload5(Packet p) {
        int i = 2 + p.u16(0) + (((p.header() >> 1) & 3) > 0 ? 2 : 0);
        int len = 0;
        int mul = 1;
        int digit;
        do {
            digit = p.u8(i++);
            len += (digit & 0x7F) * mul;
            mul *= 128;
        } while ((digit & 0x80) != 0);
        i += len;
        return new String(p.body(), i, p.body().length - i, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- packet builders

    /** A packet: first byte, then Remaining Length, then the body. */
    public static byte[] packet(int header, byte[] body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(header);
        int len = body.length;
        do {
            int digit = len % 128;
            len /= 128;
            if (len > 0) {
                digit |= 0x80;
            }
            b.write(digit);
        } while (len > 0);
        b.writeBytes(body);
        return b.toByteArray();
    }

    /** A length-prefixed UTF-8 string. */
    public static byte[] str(String s) {
        return bin(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Length-prefixed bytes. */
    public static byte[] bin(byte[] b) {
        byte[] r = new byte[b.length + 2];
        r[0] = (byte) (b.length >> 8);
        r[1] = (byte) b.length;
        System.arraycopy(b, 0, r, 2, b.length);
        return r;
    }

    public static byte[] u16(int v) {
        return new byte[] {(byte) (v >> 8), (byte) v};
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    public static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    /** CONNECT for 3.1.1 (level 4) with the given flags and keep alive, no will, no credentials. */
    public static byte[] connect311(String clientId, boolean cleanSession, int keepAlive) {
        return packet(0x10, concat(str("MQTT"), bytes(4, cleanSession ? 0x02 : 0x00), u16(keepAlive), str(clientId)));
    }

    /** CONNECT for 3.1 (MQIsdp, level 3). */
    public static byte[] connect31(String clientId, boolean cleanSession, int keepAlive) {
        return packet(0x10, concat(str("MQIsdp"), bytes(3, cleanSession ? 0x02 : 0x00), u16(keepAlive), str(clientId)));
    }

    /** CONNECT for 5.0 with an empty property list (or the given property bytes). */
    public static byte[] connect5(String clientId, boolean cleanStart, int keepAlive, byte[] properties) {
        return packet(0x10, concat(str("MQTT"), bytes(5, cleanStart ? 0x02 : 0x00), u16(keepAlive),
                varInt(properties.length), properties, str(clientId)));
    }

    public static byte[] varInt(int value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        do {
            int digit = value % 128;
            value /= 128;
            if (value > 0) {
                digit |= 0x80;
            }
            b.write(digit);
        } while (value > 0);
        return b.toByteArray();
    }

    /** 3.x PUBLISH. */
    public static byte[] publish311(String topic, int qos, boolean retain, boolean dup, int packetId, byte[] payload) {
        int header = 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0);
        return packet(header, concat(str(topic), qos > 0 ? u16(packetId) : new byte[0], payload));
    }

    /** 3.x SUBSCRIBE of one filter. */
    public static byte[] subscribe311(int packetId, String filter, int qos) {
        return packet(0x82, concat(u16(packetId), str(filter), bytes(qos)));
    }

    /** 5.0 SUBSCRIBE of one filter with an options byte and no properties. */
    public static byte[] subscribe5(int packetId, String filter, int options) {
        return packet(0x82, concat(u16(packetId), bytes(0), str(filter), bytes(options)));
    }
}
