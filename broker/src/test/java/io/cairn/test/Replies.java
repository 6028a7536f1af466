package io.cairn.test;

import io.cairn.test.RawClient.Packet;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Readers of what the broker sends, over a {@link Packet} read by {@link RawClient}: the flags,
 * topic, packet id, payload and properties of a PUBLISH (3.x or 5.0), the reason code and
 * properties of CONNACK and DISCONNECT, the packet id and reason code of an acknowledgement, the
 * return / reason codes of SUBACK and UNSUBACK. Property identifiers are the constants of
 * {@link Props}.
 *
 * <p>Threading: static and pure; safe from any thread.
 */
public final class Replies {

    private Replies() {
    }

    /** One property of a received packet: its identifier and value (Integer, String, byte[] or String[2]). */
    public record Prop(int id, Object value) {}

    // ------------------------------------------------------------------ PUBLISH

    public static int qos(Packet p) {
        return (p.flags() >> 1) & 3;
    }

    public static boolean dup(Packet p) {
        return (p.flags() & 0x08) != 0;
    }

    public static boolean retain(Packet p) {
        return (p.flags() & 0x01) != 0;
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

    /** The payload of a 3.x PUBLISH. */
    public static String payload311(Packet p) {
        int start = propsAt(p);
        return new String(p.body(), start, p.body().length - start, StandardCharsets.UTF_8);
    }

    /** The payload of a 5.0 PUBLISH (skipping the properties). */
    public static String payload5(Packet p) {
        int[] pos = {propsAt(p)};
        int len = readVarInt(p.body(), pos);
        int i = pos[0] + len;
        return new String(p.body(), i, p.body().length - i, StandardCharsets.UTF_8);
    }

    /** Offset of the property length in a 5.0 PUBLISH (of the payload in 3.x). */
    private static int propsAt(Packet p) {
        return 2 + p.u16(0) + (qos(p) > 0 ? 2 : 0);
    }

    /** The properties of a delivered 5.0 PUBLISH, in wire order. */
    public static List<Prop> publishProperties(Packet p) {
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

    /** The properties of a delivered 5.0 PUBLISH as bytes, without the Property Length (to compare with {@link Props#bytes()}). */
    public static byte[] publishPropertyBytes(Packet p) {
        return propertyBytes(p, propsAt(p));
    }

    /**
     * The properties of a 5.0 packet whose Property Length is at {@code offset} of the body (2 in a
     * CONNACK, 1 in a DISCONNECT, 3 in an acknowledgement with a reason code), without the length.
     */
    public static byte[] propertyBytes(Packet p, int offset) {
        int[] pos = {offset};
        int len = readVarInt(p.body(), pos);
        return Arrays.copyOfRange(p.body(), pos[0], pos[0] + len);
    }

    /** The values of one property of a delivered 5.0 PUBLISH, in order ({@code id}: a {@link Props} constant). */
    public static List<Object> prop(Packet p, int id) {
        List<Object> values = new ArrayList<>();
        for (Prop prop : publishProperties(p)) {
            if (prop.id() == id) {
                values.add(prop.value());
            }
        }
        return values;
    }

    // ------------------------------------------------------------------ CONNACK, DISCONNECT, acknowledgements

    /** The Connect Return Code (3.x) / Reason Code (5.0) of a CONNACK. */
    public static int connackCode(Packet connack) {
        return connack.u8(1);
    }

    /** Whether a CONNACK has Session Present set. */
    public static boolean sessionPresent(Packet connack) {
        return (connack.u8(0) & 0x01) != 0;
    }

    /** CONNACK properties of a 5.0 CONNACK. */
    public static Map<Integer, Object> connackProperties(Packet connack) {
        return properties5(connack, 2);
    }

    /** The reason code of a 5.0 DISCONNECT (0x00 if the body is empty). */
    public static int disconnectReason(Packet disconnect) {
        return disconnect.body().length == 0 ? 0 : disconnect.u8(0);
    }

    /** Properties of a 5.0 DISCONNECT. */
    public static Map<Integer, Object> disconnectProperties(Packet disconnect) {
        return properties5(disconnect, 1);
    }

    /** The packet id of a PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK or UNSUBACK. */
    public static int ackId(Packet ack) {
        return ack.u16(0);
    }

    /** The reason code of a 5.0 PUBACK / PUBREC / PUBREL / PUBCOMP (0x00 Success if left out). */
    public static int ackReason(Packet ack) {
        return ack.body().length > 2 ? ack.u8(2) : 0;
    }

    /** The return codes of a 3.x SUBACK (one per filter). */
    public static int[] subackCodes311(Packet suback) {
        return codesFrom(suback, 2);
    }

    /** The reason codes of a 5.0 SUBACK or UNSUBACK (after the properties). */
    public static int[] reasonCodes5(Packet ack) {
        int[] pos = {2};
        int len = readVarInt(ack.body(), pos);
        return codesFrom(ack, pos[0] + len);
    }

    private static int[] codesFrom(Packet p, int from) {
        int[] codes = new int[p.body().length - from];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = p.u8(from + i);
        }
        return codes;
    }

    /**
     * The properties of a 5.0 CONNACK (after the flags and reason code, {@code offset} 2), DISCONNECT
     * (after the reason code, 1) or SUBACK / UNSUBACK / acknowledgement: id to Integer (byte, two and
     * four byte integers, variable byte integers), String (UTF-8 strings) or byte[] (binary data). Empty if the packet ends
     * before {@code offset}.
     */
    public static Map<Integer, Object> properties5(Packet p, int offset) {
        Map<Integer, Object> result = new HashMap<>();
        byte[] b = p.body();
        if (offset >= b.length) {
            return result;
        }
        int[] pos = {offset};
        int len = readVarInt(b, pos);
        int i = pos[0];
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
                case 0x09, 0x16 -> { // binary data (Correlation Data, Authentication Data)
                    int n = p.u16(i);
                    result.put(id, java.util.Arrays.copyOfRange(b, i + 2, i + 2 + n));
                    i += 2 + n;
                }
                case 0x26 -> {
                    i += 2 + p.u16(i);
                    i += 2 + p.u16(i);
                }
                default -> throw new IllegalStateException("unexpected property 0x" + Integer.toHexString(id));
            }
        }
        return result;
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
}
