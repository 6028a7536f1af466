package io.cairn.test;

import java.io.ByteArrayOutputStream;

import static io.cairn.test.Packets.bin;
import static io.cairn.test.Packets.str;
import static io.cairn.test.Packets.u16;
import static io.cairn.test.Packets.u32;
import static io.cairn.test.Packets.varInt;

/**
 * Builder of an MQTT 5.0 property block, one typed method per property, in the order the calls
 * are made (the wire order), so call sites never write a property identifier in hex:
 * {@code Props.of().sessionExpiry(60).receiveMaximum(10)}. The packet builders of {@link Packets}
 * take a {@code Props} and write its Property Length in front of it; {@link #bytes()} is the bare
 * properties, {@link #block()} the length-prefixed block.
 *
 * <p>Values are written as given, without range checks, so a test may build a property that the
 * broker must refuse (a Receive Maximum of 0, a Subscription Identifier of 0, the same property
 * twice). Bytes that are not a property at all go through {@link #raw}.
 *
 * <p>The property identifiers are also public constants here, for the readers in {@link Replies}
 * ({@code prop(publish, Props.MESSAGE_EXPIRY)}).
 *
 * <p>Threading: not thread-safe; build on one thread. A {@code Props} is mutable: each call appends.
 */
public final class Props {

    public static final int PAYLOAD_FORMAT = 0x01;
    public static final int MESSAGE_EXPIRY = 0x02;
    public static final int CONTENT_TYPE = 0x03;
    public static final int RESPONSE_TOPIC = 0x08;
    public static final int CORRELATION_DATA = 0x09;
    public static final int SUBSCRIPTION_ID = 0x0B;
    public static final int SESSION_EXPIRY = 0x11;
    public static final int ASSIGNED_CLIENT_ID = 0x12;
    public static final int SERVER_KEEP_ALIVE = 0x13;
    public static final int AUTH_METHOD = 0x15;
    public static final int AUTH_DATA = 0x16;
    public static final int REQUEST_PROBLEM_INFO = 0x17;
    public static final int WILL_DELAY = 0x18;
    public static final int REQUEST_RESPONSE_INFO = 0x19;
    public static final int RESPONSE_INFO = 0x1A;
    public static final int SERVER_REFERENCE = 0x1C;
    public static final int REASON_STRING = 0x1F;
    public static final int RECEIVE_MAXIMUM = 0x21;
    public static final int TOPIC_ALIAS_MAXIMUM = 0x22;
    public static final int TOPIC_ALIAS = 0x23;
    public static final int MAXIMUM_QOS = 0x24;
    public static final int RETAIN_AVAILABLE = 0x25;
    public static final int USER_PROPERTY = 0x26;
    public static final int MAXIMUM_PACKET_SIZE = 0x27;
    public static final int WILDCARD_SUB_AVAILABLE = 0x28;
    public static final int SUBSCRIPTION_ID_AVAILABLE = 0x29;
    public static final int SHARED_SUB_AVAILABLE = 0x2A;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private Props() {
    }

    /** An empty block, to be filled by the typed methods. */
    public static Props of() {
        return new Props();
    }

    /** An empty block (Property Length 0). */
    public static Props none() {
        return new Props();
    }

    private Props put(int id, byte[] value) {
        out.writeBytes(varInt(id));
        out.writeBytes(value);
        return this;
    }

    // ------------------------------------------------------------------ PUBLISH and will properties

    /** Payload Format Indicator (0x01): 0 unspecified bytes, 1 UTF-8. */
    public Props payloadFormat(int indicator) {
        return put(PAYLOAD_FORMAT, new byte[] {(byte) indicator});
    }

    /** Message Expiry Interval (0x02), seconds. */
    public Props messageExpiry(long seconds) {
        return put(MESSAGE_EXPIRY, u32((int) seconds));
    }

    /** Content Type (0x03). */
    public Props contentType(String type) {
        return put(CONTENT_TYPE, str(type));
    }

    /** Response Topic (0x08). */
    public Props responseTopic(String topic) {
        return put(RESPONSE_TOPIC, str(topic));
    }

    /** Correlation Data (0x09). */
    public Props correlationData(byte[] data) {
        return put(CORRELATION_DATA, bin(data));
    }

    /** Subscription Identifier (0x0B), a Variable Byte Integer. */
    public Props subscriptionId(int id) {
        return put(SUBSCRIPTION_ID, varInt(id));
    }

    /** Topic Alias (0x23). */
    public Props topicAlias(int alias) {
        return put(TOPIC_ALIAS, u16(alias));
    }

    /** Will Delay Interval (0x18), seconds; a will property. */
    public Props willDelay(long seconds) {
        return put(WILL_DELAY, u32((int) seconds));
    }

    // ------------------------------------------------------------------ CONNECT / CONNACK / DISCONNECT properties

    /** Session Expiry Interval (0x11), seconds. */
    public Props sessionExpiry(long seconds) {
        return put(SESSION_EXPIRY, u32((int) seconds));
    }

    /** Receive Maximum (0x21). */
    public Props receiveMaximum(int max) {
        return put(RECEIVE_MAXIMUM, u16(max));
    }

    /** Maximum Packet Size (0x27). */
    public Props maximumPacketSize(long bytes) {
        return put(MAXIMUM_PACKET_SIZE, u32((int) bytes));
    }

    /** Topic Alias Maximum (0x22). */
    public Props topicAliasMaximum(int max) {
        return put(TOPIC_ALIAS_MAXIMUM, u16(max));
    }

    /** Request Response Information (0x19). */
    public Props requestResponseInfo(int value) {
        return put(REQUEST_RESPONSE_INFO, new byte[] {(byte) value});
    }

    /** Request Problem Information (0x17). */
    public Props requestProblemInfo(int value) {
        return put(REQUEST_PROBLEM_INFO, new byte[] {(byte) value});
    }

    /** Authentication Method (0x15). */
    public Props authMethod(String method) {
        return put(AUTH_METHOD, str(method));
    }

    /** Authentication Data (0x16). */
    public Props authData(byte[] data) {
        return put(AUTH_DATA, bin(data));
    }

    /** Reason String (0x1F). */
    public Props reasonString(String reason) {
        return put(REASON_STRING, str(reason));
    }

    /** Server Reference (0x1C). */
    public Props serverReference(String reference) {
        return put(SERVER_REFERENCE, str(reference));
    }

    /** User Property (0x26); may be repeated. */
    public Props userProperty(String key, String value) {
        return put(USER_PROPERTY, Packets.concat(str(key), str(value)));
    }

    /**
     * Bytes appended as they are, for a property block that is malformed on purpose (an unknown
     * identifier, a truncated value, a string that is not UTF-8). Only where those bytes are the
     * point of the test.
     */
    public Props raw(int... bytes) {
        out.writeBytes(Packets.bytes(bytes));
        return this;
    }

    /** {@link #raw(int...)} with bytes already built (e.g. {@code Packets.concat(...)}). */
    public Props raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    // ------------------------------------------------------------------ output

    /** The properties, without the Property Length. */
    public byte[] bytes() {
        return out.toByteArray();
    }

    /** The Property Length (a Variable Byte Integer) followed by the properties. */
    public byte[] block() {
        byte[] p = bytes();
        return Packets.concat(varInt(p.length), p);
    }

    /** Length of the properties in bytes (not counting the Property Length itself). */
    public int length() {
        return out.size();
    }

    @Override
    public String toString() {
        return "Props" + java.util.Arrays.toString(bytes());
    }
}
