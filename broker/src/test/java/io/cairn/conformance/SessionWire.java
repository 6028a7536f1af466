package io.cairn.conformance;

import io.cairn.test.RawClient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static io.cairn.test.RawClient.*;

/**
 * Packet builders and parsers shared by the session, will, disconnect and keep-alive conformance
 * tests (CONNECT with a will, acknowledgements, 5.0 DISCONNECT, CONNACK properties).
 */
final class SessionWire {

    private SessionWire() {
    }

    static final byte[] PINGREQ = bytes(0xC0, 0x00);
    static final byte[] DISCONNECT_311 = bytes(0xE0, 0x00);

    static byte[] puback(int id) {
        return bytes(0x40, 0x02, id >> 8, id & 0xFF);
    }

    static byte[] pubrec(int id) {
        return bytes(0x50, 0x02, id >> 8, id & 0xFF);
    }

    static byte[] pubcomp(int id) {
        return bytes(0x70, 0x02, id >> 8, id & 0xFF);
    }

    /** 5.0 DISCONNECT with a reason code and property bytes. */
    static byte[] disconnect5(int reason, byte[] properties) {
        return packet(0xE0, concat(bytes(reason), varInt(properties.length), properties));
    }

    /** 5.0 Session Expiry Interval property. */
    static byte[] expiry(int seconds) {
        return concat(bytes(0x11), u32(seconds));
    }

    /** 5.0 Will Delay Interval property. */
    static byte[] willDelay(int seconds) {
        return concat(bytes(0x18), u32(seconds));
    }

    /** 3.1.1 CONNECT with a will. */
    static byte[] connect311Will(String id, boolean clean, int keepAlive, String willTopic, String willPayload,
                                 int willQos, boolean willRetain) {
        int flags = (clean ? 0x02 : 0) | 0x04 | (willQos << 3) | (willRetain ? 0x20 : 0);
        return packet(0x10, concat(str("MQTT"), bytes(4, flags), u16(keepAlive), str(id), str(willTopic),
                str(willPayload)));
    }

    /** 5.0 CONNECT with a will; {@code props} are the CONNECT properties, {@code willProps} the will's. */
    static byte[] connect5Will(String id, boolean cleanStart, int keepAlive, byte[] props, byte[] willProps,
                               String willTopic, String willPayload, int willQos, boolean willRetain) {
        int flags = (cleanStart ? 0x02 : 0) | 0x04 | (willQos << 3) | (willRetain ? 0x20 : 0);
        return packet(0x10, concat(str("MQTT"), bytes(5, flags), u16(keepAlive), varInt(props.length), props,
                str(id), varInt(willProps.length), willProps, str(willTopic), str(willPayload)));
    }

    /** A raw client whose CONNECT (any bytes) was accepted with CONNACK 0x00; returns it. */
    static RawClient accepted(int port, byte[] connect) throws IOException {
        RawClient c = new RawClient(port);
        c.send(connect);
        Packet ack = c.read();
        if (ack.type() != CONNACK || ack.u8(1) != 0) {
            c.close();
            throw new IOException("not accepted: " + ack);
        }
        return c;
    }

    /** 5.0 SUBSCRIBE of one filter (options byte = QoS etc.) and wait for its SUBACK. */
    static Packet subscribe5(RawClient c, String filter, int options, int packetId) throws IOException {
        c.send(RawClient.subscribe5(packetId, filter, options));
        return c.readUntil(SUBACK);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** QoS bits of a PUBLISH. */
    static int qos(Packet p) {
        return (p.flags() >> 1) & 3;
    }

    static boolean dup(Packet p) {
        return (p.flags() & 0x08) != 0;
    }

    static boolean retain(Packet p) {
        return (p.flags() & 0x01) != 0;
    }

    /**
     * The properties of a 5.0 CONNACK (after the flags and reason code) or DISCONNECT (after the
     * reason code): id to Integer (byte, two and four byte integers) or String (UTF-8 strings).
     */
    static Map<Integer, Object> properties5(Packet p, int offset) {
        Map<Integer, Object> result = new HashMap<>();
        byte[] b = p.body();
        if (offset >= b.length) {
            return result;
        }
        int len = 0;
        int mul = 1;
        int i = offset;
        int digit;
        do {
            digit = b[i++] & 0xFF;
            len += (digit & 0x7F) * mul;
            mul *= 128;
        } while ((digit & 0x80) != 0);
        int end = i + len;
        while (i < end) {
            int id = b[i++] & 0xFF;
            switch (id) {
                case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> result.put(id, b[i++] & 0xFF);
                case 0x13, 0x21, 0x22, 0x23 -> {
                    result.put(id, p.u16(i));
                    i += 2;
                }
                case 0x02, 0x11, 0x18, 0x27 -> {
                    result.put(id, ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8)
                            | (b[i + 3] & 0xFF));
                    i += 4;
                }
                case 0x03, 0x08, 0x12, 0x15, 0x1A, 0x1C, 0x1F -> {
                    int n = p.u16(i);
                    result.put(id, new String(b, i + 2, n, StandardCharsets.UTF_8));
                    i += 2 + n;
                }
                case 0x09, 0x16 -> i += 2 + p.u16(i); // binary data, not needed here
                case 0x26 -> {
                    i += 2 + p.u16(i);
                    i += 2 + p.u16(i);
                }
                default -> throw new IllegalStateException("unexpected property 0x" + Integer.toHexString(id));
            }
        }
        return result;
    }

    /** CONNACK properties of a 5.0 CONNACK. */
    static Map<Integer, Object> connackProperties(Packet connack) {
        return properties5(connack, 2);
    }
}
