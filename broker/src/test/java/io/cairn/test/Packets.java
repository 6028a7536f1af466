package io.cairn.test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builders of every packet a client sends, in MQTT 3.1, 3.1.1 and 5.0, as the exact bytes to write
 * with {@link RawClient#send(byte[])}: CONNECT ({@link #connect(String)} and shorthands), PUBLISH,
 * PUBACK / PUBREC / PUBREL / PUBCOMP, SUBSCRIBE ({@link #subscribe(int)} and shorthands),
 * UNSUBSCRIBE, PINGREQ, DISCONNECT and AUTH. 5.0 properties are built with {@link Props}. What the
 * broker sends back is read with {@link Replies}.
 *
 * <p>The low-level helpers at the end ({@link #packet}, {@link #bytes}, {@link #str}, {@link #u16},
 * {@link #varInt}, {@link #concat}...) write arbitrary bytes. Tests use them only where the bytes
 * are malformed on purpose (a bad Remaining Length, reserved flags, a string that is not UTF-8, a
 * field missing): everything a well-formed client would send goes through the builders.
 *
 * <p>Threading: the static methods are pure and safe from any thread; the fluent builders
 * ({@link Connect}, {@link Subscribe}) are mutable and belong to the thread that made them.
 */
public final class Packets {

    private Packets() {
    }

    // ------------------------------------------------------------------ constants

    /** SUBSCRIBE option bits of 5.0 (the low two bits are the maximum QoS). */
    public static final int NO_LOCAL = 0x04;
    public static final int RETAIN_AS_PUBLISHED = 0x08;
    /** Retain Handling 1: send retained messages only if the subscription is new. */
    public static final int RETAIN_HANDLING_IF_NEW = 0x10;
    /** Retain Handling 2: do not send retained messages. */
    public static final int RETAIN_HANDLING_NONE = 0x20;

    // ------------------------------------------------------------------ CONNECT

    /**
     * A CONNECT under construction: clean session / clean start true, keep alive 60, no will, no
     * credentials, no properties unless set. Finish with {@link Connect#v31()}, {@link Connect#v311()}
     * or {@link Connect#v5()}.
     */
    public static Connect connect(String clientId) {
        return new Connect(clientId);
    }

    /** CONNECT for 3.1 (MQIsdp, level 3). */
    public static byte[] connect31(String clientId, boolean cleanSession, int keepAlive) {
        return connect(clientId).clean(cleanSession).keepAlive(keepAlive).v31();
    }

    /** CONNECT for 3.1.1 (level 4) with the given flags and keep alive, no will, no credentials. */
    public static byte[] connect311(String clientId, boolean cleanSession, int keepAlive) {
        return connect(clientId).clean(cleanSession).keepAlive(keepAlive).v311();
    }

    /** CONNECT for 5.0 with the given properties. */
    public static byte[] connect5(String clientId, boolean cleanStart, int keepAlive, Props properties) {
        return connect(clientId).clean(cleanStart).keepAlive(keepAlive).props(properties).v5();
    }

    /** CONNECT for 5.0 with no properties. */
    public static byte[] connect5(String clientId, boolean cleanStart, int keepAlive) {
        return connect5(clientId, cleanStart, keepAlive, Props.none());
    }

    /** 3.1.1 CONNECT with a will (a UTF-8 payload). */
    public static byte[] connect311Will(String clientId, boolean clean, int keepAlive, String willTopic,
                                        String willPayload, int willQos, boolean willRetain) {
        return connect(clientId).clean(clean).keepAlive(keepAlive).will(willTopic, willPayload, willQos, willRetain)
                .v311();
    }

    /** 5.0 CONNECT with a will; {@code props} are the CONNECT properties, {@code willProps} the will's. */
    public static byte[] connect5Will(String clientId, boolean cleanStart, int keepAlive, Props props, Props willProps,
                                      String willTopic, String willPayload, int willQos, boolean willRetain) {
        return connect(clientId).clean(cleanStart).keepAlive(keepAlive).props(props)
                .will(willTopic, willPayload, willQos, willRetain).willProps(willProps).v5();
    }

    /**
     * A CONNECT packet under construction. The Connect Flags byte follows from what is set (user
     * name, password, will, its QoS and retain, clean); {@link #flags(int)} overrides it for a test
     * of flags that do not match the payload.
     *
     * <p>Threading: one thread.
     */
    public static final class Connect {
        private final String clientId;
        private boolean clean = true;
        private int keepAlive = 60;
        private Props props = Props.none();
        private String willTopic;
        private byte[] willPayload;
        private int willQos;
        private boolean willRetain;
        private Props willProps = Props.none();
        private byte[] userName;
        private byte[] password;
        private Integer flags;
        private String protocolName;
        private Integer level;

        private Connect(String clientId) {
            this.clientId = clientId;
        }

        /** Clean Session (3.x) / Clean Start (5.0). */
        public Connect clean(boolean clean) {
            this.clean = clean;
            return this;
        }

        public Connect keepAlive(int seconds) {
            this.keepAlive = seconds;
            return this;
        }

        /** CONNECT properties (5.0 only). */
        public Connect props(Props properties) {
            this.props = properties;
            return this;
        }

        public Connect will(String topic, String payload, int qos, boolean retain) {
            return will(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain);
        }

        public Connect will(String topic, byte[] payload, int qos, boolean retain) {
            this.willTopic = topic;
            this.willPayload = payload;
            this.willQos = qos;
            this.willRetain = retain;
            return this;
        }

        /** Will properties (5.0 only; written only if a will is set). */
        public Connect willProps(Props properties) {
            this.willProps = properties;
            return this;
        }

        public Connect user(String name) {
            return user(utf8(name));
        }

        /** A user name given as raw bytes (for one that is not valid UTF-8). */
        public Connect user(byte[] name) {
            this.userName = name;
            return this;
        }

        public Connect password(String password) {
            return password(utf8(password));
        }

        public Connect password(byte[] password) {
            this.password = password;
            return this;
        }

        /** Overrides the Connect Flags byte (for flags that contradict the payload, or reserved bit 0). */
        public Connect flags(int flags) {
            this.flags = flags;
            return this;
        }

        /** Overrides the protocol name and level (an unknown protocol or level). */
        public Connect protocol(String name, int level) {
            this.protocolName = name;
            this.level = level;
            return this;
        }

        /** The Connect Flags byte as derived from what is set. */
        public int derivedFlags() {
            int f = clean ? 0x02 : 0;
            if (willTopic != null) {
                f |= 0x04 | (willQos << 3) | (willRetain ? 0x20 : 0);
            }
            if (password != null) {
                f |= 0x40;
            }
            if (userName != null) {
                f |= 0x80;
            }
            return f;
        }

        /** MQTT 3.1: protocol name MQIsdp, level 3. */
        public byte[] v31() {
            return build("MQIsdp", 3, false);
        }

        /** MQTT 3.1.1: protocol name MQTT, level 4. */
        public byte[] v311() {
            return build("MQTT", 4, false);
        }

        /** MQTT 5.0: protocol name MQTT, level 5, with CONNECT (and will) properties. */
        public byte[] v5() {
            return build("MQTT", 5, true);
        }

        private byte[] build(String name, int defaultLevel, boolean v5) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(str(protocolName != null ? protocolName : name));
            b.write(level != null ? level : defaultLevel);
            b.write(flags != null ? flags : derivedFlags());
            b.writeBytes(u16(keepAlive));
            if (v5) {
                b.writeBytes(props.block());
            }
            b.writeBytes(str(clientId));
            if (willTopic != null) {
                if (v5) {
                    b.writeBytes(willProps.block());
                }
                b.writeBytes(str(willTopic));
                b.writeBytes(bin(willPayload));
            }
            if (userName != null) {
                b.writeBytes(bin(userName));
            }
            if (password != null) {
                b.writeBytes(bin(password));
            }
            return packet(0x10, b.toByteArray());
        }
    }

    // ------------------------------------------------------------------ PUBLISH

    private static int publishHeader(int qos, boolean retain, boolean dup) {
        return 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0);
    }

    /** 3.x PUBLISH; the packet id is written only if {@code qos > 0}. */
    public static byte[] publish311(String topic, int qos, boolean retain, boolean dup, int packetId, byte[] payload) {
        return packet(publishHeader(qos, retain, dup), concat(str(topic), qos > 0 ? u16(packetId) : new byte[0], payload));
    }

    /** 3.x PUBLISH of a UTF-8 payload, DUP clear. */
    public static byte[] publish311(String topic, int qos, boolean retain, int packetId, String payload) {
        return publish311(topic, qos, retain, false, packetId, utf8(payload));
    }

    /** 5.0 PUBLISH; the packet id is written only if {@code qos > 0}. */
    public static byte[] publish5(String topic, int qos, boolean retain, boolean dup, int packetId, Props properties,
                                  byte[] payload) {
        return packet(publishHeader(qos, retain, dup),
                concat(str(topic), qos > 0 ? u16(packetId) : new byte[0], properties.block(), payload));
    }

    /** 5.0 PUBLISH of a UTF-8 payload, DUP clear. */
    public static byte[] publish5(String topic, int qos, boolean retain, int packetId, Props properties,
                                  String payload) {
        return publish5(topic, qos, retain, false, packetId, properties, utf8(payload));
    }

    /** 5.0 PUBLISH of a UTF-8 payload, DUP clear, no properties. */
    public static byte[] publish5(String topic, int qos, boolean retain, int packetId, String payload) {
        return publish5(topic, qos, retain, false, packetId, Props.none(), utf8(payload));
    }

    // ------------------------------------------------------------------ acknowledgements

    private static byte[] ack(int header, int packetId) {
        return packet(header, u16(packetId));
    }

    private static byte[] ack(int header, int packetId, int reason) {
        return packet(header, concat(u16(packetId), bytes(reason)));
    }

    private static byte[] ack(int header, int packetId, int reason, Props properties) {
        return packet(header, concat(u16(packetId), bytes(reason), properties.block()));
    }

    /** PUBACK with only a packet id (3.x, and 5.0 Success): {@code 40 02 id}. */
    public static byte[] puback(int packetId) {
        return ack(0x40, packetId);
    }

    /** 5.0 PUBACK with a reason code and no property length: {@code 40 03 id reason}. */
    public static byte[] puback(int packetId, int reason) {
        return ack(0x40, packetId, reason);
    }

    /** 5.0 PUBACK with a reason code and properties. */
    public static byte[] puback(int packetId, int reason, Props properties) {
        return ack(0x40, packetId, reason, properties);
    }

    /** PUBREC with only a packet id: {@code 50 02 id}. */
    public static byte[] pubrec(int packetId) {
        return ack(0x50, packetId);
    }

    /** 5.0 PUBREC with a reason code: {@code 50 03 id reason}. */
    public static byte[] pubrec(int packetId, int reason) {
        return ack(0x50, packetId, reason);
    }

    public static byte[] pubrec(int packetId, int reason, Props properties) {
        return ack(0x50, packetId, reason, properties);
    }

    /** PUBREL with only a packet id: {@code 62 02 id}. */
    public static byte[] pubrel(int packetId) {
        return ack(0x62, packetId);
    }

    /** 5.0 PUBREL with a reason code: {@code 62 03 id reason}. */
    public static byte[] pubrel(int packetId, int reason) {
        return ack(0x62, packetId, reason);
    }

    public static byte[] pubrel(int packetId, int reason, Props properties) {
        return ack(0x62, packetId, reason, properties);
    }

    /** PUBCOMP with only a packet id: {@code 70 02 id}. */
    public static byte[] pubcomp(int packetId) {
        return ack(0x70, packetId);
    }

    /** 5.0 PUBCOMP with a reason code: {@code 70 03 id reason}. */
    public static byte[] pubcomp(int packetId, int reason) {
        return ack(0x70, packetId, reason);
    }

    public static byte[] pubcomp(int packetId, int reason, Props properties) {
        return ack(0x70, packetId, reason, properties);
    }

    // ------------------------------------------------------------------ SUBSCRIBE / UNSUBSCRIBE

    /** A SUBSCRIBE under construction; add filters, then {@link Subscribe#v311()} or {@link Subscribe#v5()}. */
    public static Subscribe subscribe(int packetId) {
        return new Subscribe(packetId);
    }

    /** 3.x SUBSCRIBE of one filter. */
    public static byte[] subscribe311(int packetId, String filter, int qos) {
        return subscribe(packetId).filter(filter, qos).v311();
    }

    /** 5.0 SUBSCRIBE of one filter with an options byte and no properties. */
    public static byte[] subscribe5(int packetId, String filter, int options) {
        return subscribe(packetId).filter(filter, options).v5();
    }

    /** 5.0 SUBSCRIBE of one filter with an options byte and properties. */
    public static byte[] subscribe5(int packetId, String filter, int options, Props properties) {
        return subscribe(packetId).props(properties).filter(filter, options).v5();
    }

    /**
     * A SUBSCRIBE packet: packet id, (5.0) properties, then each filter with its options byte (the
     * requested QoS in 3.x; QoS, No Local, Retain As Published and Retain Handling in 5.0).
     *
     * <p>Threading: one thread.
     */
    public static final class Subscribe {
        private final int packetId;
        private final List<byte[]> filters = new ArrayList<>();
        private Props props = Props.none();

        private Subscribe(int packetId) {
            this.packetId = packetId;
        }

        public Subscribe filter(String filter, int options) {
            filters.add(concat(str(filter), bytes(options)));
            return this;
        }

        /** SUBSCRIBE properties (5.0 only). */
        public Subscribe props(Props properties) {
            this.props = properties;
            return this;
        }

        public byte[] v311() {
            return packet(0x82, concat(u16(packetId), concat(filters.toArray(new byte[0][]))));
        }

        public byte[] v5() {
            return packet(0x82, concat(u16(packetId), props.block(), concat(filters.toArray(new byte[0][]))));
        }
    }

    /** 3.x UNSUBSCRIBE of the given filters. */
    public static byte[] unsubscribe311(int packetId, String... filters) {
        return packet(0xA2, concat(u16(packetId), strings(filters)));
    }

    /** 5.0 UNSUBSCRIBE of the given filters, no properties. */
    public static byte[] unsubscribe5(int packetId, String... filters) {
        return unsubscribe5(packetId, Props.none(), filters);
    }

    /** 5.0 UNSUBSCRIBE with properties. */
    public static byte[] unsubscribe5(int packetId, Props properties, String... filters) {
        return packet(0xA2, concat(u16(packetId), properties.block(), strings(filters)));
    }

    private static byte[] strings(String... values) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String v : values) {
            b.writeBytes(str(v));
        }
        return b.toByteArray();
    }

    // ------------------------------------------------------------------ PINGREQ, DISCONNECT, AUTH

    /** PINGREQ: {@code C0 00}. */
    public static byte[] pingreq() {
        return bytes(0xC0, 0x00);
    }

    /** DISCONNECT without a body ({@code E0 00}): 3.x, and 5.0 Normal disconnection. */
    public static byte[] disconnect() {
        return bytes(0xE0, 0x00);
    }

    /** 5.0 DISCONNECT with a reason code and no property length: {@code E0 01 reason}. */
    public static byte[] disconnect5(int reason) {
        return packet(0xE0, bytes(reason));
    }

    /** 5.0 DISCONNECT with a reason code and properties ({@code Props.none()} writes Property Length 0). */
    public static byte[] disconnect5(int reason, Props properties) {
        return packet(0xE0, concat(bytes(reason), properties.block()));
    }

    /** 5.0 AUTH without a body ({@code F0 00}: reason 0x00 Success, no properties). */
    public static byte[] auth() {
        return bytes(0xF0, 0x00);
    }

    /** 5.0 AUTH with a reason code and properties. */
    public static byte[] auth(int reason, Props properties) {
        return packet(0xF0, concat(bytes(reason), properties.block()));
    }

    // ------------------------------------------------------------------ low level (malformed input only)

    /** A packet: first byte, then Remaining Length, then the body. */
    public static byte[] packet(int header, byte[] body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(header);
        b.writeBytes(varInt(body.length));
        b.writeBytes(body);
        return b.toByteArray();
    }

    /** A length-prefixed UTF-8 string. */
    public static byte[] str(String s) {
        return bin(utf8(s));
    }

    /** Length-prefixed bytes. */
    public static byte[] bin(byte[] b) {
        byte[] r = new byte[b.length + 2];
        r[0] = (byte) (b.length >> 8);
        r[1] = (byte) b.length;
        System.arraycopy(b, 0, r, 2, b.length);
        return r;
    }

    /** A Two Byte Integer. */
    public static byte[] u16(int v) {
        return new byte[] {(byte) (v >> 8), (byte) v};
    }

    /** A Four Byte Integer. */
    public static byte[] u32(int v) {
        return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    /** A Variable Byte Integer. */
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

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    /** The given values as bytes (each truncated to its low 8 bits). */
    public static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    /** The UTF-8 encoding of {@code s}. */
    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
