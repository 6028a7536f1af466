package io.cairn.conformance;

import io.cairn.test.RawClient;
import io.cairn.test.RawClient.Packet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.cairn.test.RawClient.*;

/**
 * Packet builders and readers shared by the PUBLISH, QoS flow, subscription, topic and retain
 * conformance tests: 5.0 PUBLISH with properties, acknowledgements, and a reader for the properties
 * of a delivered 5.0 PUBLISH.
 */
final class Wire {

    private Wire() {
    }

    /** One property of a received packet: its identifier and value (Integer, String, byte[] or String[2]). */
    record Prop(int id, Object value) {}

    static int qos(Packet p) {
        return (p.flags() >> 1) & 3;
    }

    static boolean dup(Packet p) {
        return (p.flags() & 0x08) != 0;
    }

    static boolean retain(Packet p) {
        return (p.flags() & 0x01) != 0;
    }

    /** PUBACK / PUBREC / PUBREL / PUBCOMP with only a packet id (the short form, valid in 3.1.1 and 5.0). */
    static byte[] puback(int id) {
        return bytes(0x40, 2, id >> 8, id & 0xFF);
    }

    static byte[] pubrec(int id) {
        return bytes(0x50, 2, id >> 8, id & 0xFF);
    }

    static byte[] pubrel(int id) {
        return bytes(0x62, 2, id >> 8, id & 0xFF);
    }

    static byte[] pubcomp(int id) {
        return bytes(0x70, 2, id >> 8, id & 0xFF);
    }

    /** 5.0 PUBLISH with the given property bytes. */
    static byte[] publish5(String topic, int qos, boolean retain, boolean dup, int id, byte[] props, byte[] payload) {
        int header = 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0);
        return packet(header, concat(str(topic), qos > 0 ? u16(id) : new byte[0], varInt(props.length), props, payload));
    }

    static byte[] publish5(String topic, int qos, boolean retain, int id, String payload) {
        return publish5(topic, qos, retain, false, id, new byte[0], payload.getBytes(StandardCharsets.UTF_8));
    }

    /** 3.1.1 PUBLISH of a text payload. */
    static byte[] publish3(String topic, int qos, boolean retain, int id, String payload) {
        return publish311(topic, qos, retain, false, id, payload.getBytes(StandardCharsets.UTF_8));
    }

    /** 5.0 SUBSCRIBE of one filter with options and an optional Subscription Identifier (0 = none). */
    static byte[] subscribe5(int packetId, int subscriptionId, String filter, int options) {
        byte[] props = subscriptionId == 0 ? new byte[0] : concat(bytes(0x0B), varInt(subscriptionId));
        return packet(0x82, concat(u16(packetId), varInt(props.length), props, str(filter), bytes(options)));
    }

    /** Connects with 5.0, clean start, the given CONNECT property bytes; checks CONNACK 0x00. */
    static RawClient connected5(int port, String clientId, byte[] connectProps) throws IOException {
        RawClient c = new RawClient(port);
        c.send(RawClient.connect5(clientId, true, 60, connectProps));
        Packet ack = c.read();
        if (ack.type() != CONNACK || ack.u8(1) != 0) {
            throw new IOException("not accepted: " + ack);
        }
        return c;
    }

    /** Reads the next packet and checks that it is a PUBLISH. */
    static Packet nextPublish(RawClient c) throws IOException {
        Packet p = c.read();
        if (p.type() != PUBLISH) {
            throw new AssertionError("expected PUBLISH, got " + p);
        }
        return p;
    }

    static String payload3(Packet p) {
        return payload311(p);
    }

    /** Offset of the property length in a 5.0 PUBLISH. */
    private static int propsAt(Packet p) {
        return 2 + p.u16(0) + (qos(p) > 0 ? 2 : 0);
    }

    /** The properties of a delivered 5.0 PUBLISH, in wire order. */
    static List<Prop> props(Packet p) {
        byte[] b = p.body();
        int[] pos = {propsAt(p)};
        int len = readVarInt(b, pos);
        int end = pos[0] + len;
        List<Prop> out = new ArrayList<>();
        while (pos[0] < end) {
            int id = readVarInt(b, pos);
            int i = pos[0];
            switch (id) {
                case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> {
                    out.add(new Prop(id, b[i] & 0xFF));
                    pos[0] = i + 1;
                }
                case 0x13, 0x21, 0x22, 0x23 -> {
                    out.add(new Prop(id, ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF)));
                    pos[0] = i + 2;
                }
                case 0x02, 0x11, 0x18, 0x27 -> {
                    out.add(new Prop(id, ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16)
                            | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF)));
                    pos[0] = i + 4;
                }
                case 0x0B -> out.add(new Prop(id, readVarInt(b, pos)));
                case 0x09, 0x16 -> {
                    int n = ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
                    out.add(new Prop(id, Arrays.copyOfRange(b, i + 2, i + 2 + n)));
                    pos[0] = i + 2 + n;
                }
                case 0x26 -> {
                    int n = ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
                    String k = new String(b, i + 2, n, StandardCharsets.UTF_8);
                    int j = i + 2 + n;
                    int m = ((b[j] & 0xFF) << 8) | (b[j + 1] & 0xFF);
                    String v = new String(b, j + 2, m, StandardCharsets.UTF_8);
                    out.add(new Prop(id, new String[] {k, v}));
                    pos[0] = j + 2 + m;
                }
                default -> { // every other PUBLISH property is a UTF-8 string
                    int n = ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
                    out.add(new Prop(id, new String(b, i + 2, n, StandardCharsets.UTF_8)));
                    pos[0] = i + 2 + n;
                }
            }
        }
        return out;
    }

    /** The values of one property, in order. */
    static List<Object> prop(Packet p, int id) {
        List<Object> values = new ArrayList<>();
        for (Prop prop : props(p)) {
            if (prop.id() == id) {
                values.add(prop.value());
            }
        }
        return values;
    }

    private static int readVarInt(byte[] b, int[] pos) {
        int value = 0;
        int mul = 1;
        int digit;
        do {
            digit = b[pos[0]++] & 0xFF;
            value += (digit & 0x7F) * mul;
            mul *= 128;
        } while ((digit & 0x80) != 0);
        return value;
    }

    /** User Property bytes (0x26). */
    static byte[] userProp(String k, String v) {
        return concat(bytes(0x26), str(k), str(v));
    }
}
