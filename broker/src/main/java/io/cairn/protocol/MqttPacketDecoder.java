package io.cairn.protocol;

import io.cairn.protocol.PropertyDecoder.Where;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscribePayload;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribePayload;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A strict decoder of the packets a client sends, producing Netty's MQTT message classes (so that
 * Netty's {@code MqttEncoder} serves the outbound direction). Unlike Netty's own decoder it rejects
 * ill-formed UTF-8 and U+0000 [MQTT-1.5.3-1/2], trailing bytes, reserved flag bits, duplicate and
 * misplaced properties, non-minimal variable byte integers in 5.0, and packets larger than the
 * broker's maximum, which it never buffers. 5.0 properties are read by {@link PropertyDecoder}'s
 * table. A failure is emitted as one {@link MalformedPacket} (with its 5.0 reason code, and whether
 * the failing packet was the CONNECT), after which all input is discarded, as it is after an
 * {@link UnsupportedProtocolVersion}; the handler closes the connection.
 *
 * <p>The bytes of a packet that has begun to arrive are reserved in the broker's
 * {@link IncompletePackets} account after every read and released when it completes or the
 * connection ends. A connection whose reservation would pass the ceiling gets a
 * {@link MalformedPacket} with 0x97 Quota exceeded (the handler sends a 5.0 client DISCONNECT 0x97
 * and closes; before CONNECT it just closes). A packet not complete within the timeout closes the
 * connection, whatever its keep alive: one task per connection is scheduled when a read ends inside a
 * packet and none is pending, and it re-arms itself while packets keep arriving, so reads that end on
 * a packet boundary (the common case) cost no timer.
 *
 * <p>Threading: one instance per channel, on that channel's event loop; the shared account is
 * thread-safe.
 */
public final class MqttPacketDecoder extends ByteToMessageDecoder {

    /** The channel attribute Netty's encoder reads the protocol version from. */
    public static final AttributeKey<MqttVersion> VERSION_KEY = AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");

    private final int maxPacketSize;
    private final IncompletePackets incomplete;
    private int version; // 0 until CONNECT
    private boolean failed;
    /** Bytes of this connection reserved in {@link #incomplete}. */
    private long reserved;
    /** Whether a packet has begun and is not complete, and since when (System.nanoTime). */
    private boolean waiting;
    private long waitingSince;
    private ScheduledFuture<?> stallCheck;
    /** The channel went inactive or this decoder was removed: nothing more is reserved. */
    private boolean finished;

    /** A decoder without a ceiling on incomplete packets and without their timeout (unit tests). */
    public MqttPacketDecoder(int maxPacketSize) {
        this(maxPacketSize, IncompletePackets.unlimited());
    }

    public MqttPacketDecoder(int maxPacketSize, IncompletePackets incomplete) {
        this.maxPacketSize = maxPacketSize;
        this.incomplete = incomplete;
    }

    // ---------------------------------------------------------------- incomplete packets

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        super.channelRead(ctx, msg);
        reserveWhatIsBuffered(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        finish();
        super.channelInactive(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        finish();
    }

    /** After a read: what is left in the buffer is the start of a packet; reserve exactly that. */
    private void reserveWhatIsBuffered(ChannelHandlerContext ctx) {
        if (finished) {
            return;
        }
        if (failed) {
            release(); // everything after a failure is discarded, nothing is held
            waiting = false;
            return;
        }
        long buffered = internalBuffer().readableBytes();
        if (buffered == 0) {
            release();
            waiting = false;
            return;
        }
        if (!incomplete.change(buffered - reserved)) {
            overCeiling(ctx, buffered);
            return;
        }
        reserved = buffered;
        if (!waiting) {
            waiting = true;
            waitingSince = System.nanoTime();
            armStallCheck(ctx, incomplete.timeoutNanos());
        }
    }

    private void overCeiling(ChannelHandlerContext ctx, long buffered) {
        boolean beforeConnect = version == 0;
        dropEverything();
        incomplete.closedOverCeiling(ctx.channel().remoteAddress(), buffered);
        // the handler answers as for any packet it cannot take: 5.0 DISCONNECT 0x97, then close
        ctx.fireChannelRead(new MalformedPacket(ReasonCodes.QUOTA_EXCEEDED,
                "half-received packets of all connections would pass max_incomplete_packet_bytes", beforeConnect));
    }

    private void armStallCheck(ChannelHandlerContext ctx, long delayNanos) {
        if (stallCheck == null) {
            stallCheck = ctx.executor().schedule(() -> checkStall(ctx), delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Runs at most once per timeout per connection; closes it if the current packet is overdue. */
    private void checkStall(ChannelHandlerContext ctx) {
        stallCheck = null;
        if (finished || failed || !waiting) {
            return;
        }
        long left = waitingSince + incomplete.timeoutNanos() - System.nanoTime();
        if (left > 0) {
            armStallCheck(ctx, left); // the packet it was armed for completed; a later one is waiting
            return;
        }
        long bytes = reserved;
        dropEverything();
        incomplete.closedStalled(ctx.channel().remoteAddress(), bytes);
        ctx.close(); // no DISCONNECT: a stalled sender may not read either; the close is what frees the memory
    }

    /** Discards the buffered bytes and all later input, and releases the reservation. */
    private void dropEverything() {
        failed = true;
        ByteBuf buffered = internalBuffer();
        buffered.skipBytes(buffered.readableBytes());
        release();
        waiting = false;
    }

    private void finish() {
        finished = true;
        waiting = false;
        release();
        if (stallCheck != null) {
            stallCheck.cancel(false);
            stallCheck = null;
        }
    }

    private void release() {
        if (reserved != 0) {
            incomplete.change(-reserved);
            reserved = 0;
        }
    }

    // ---------------------------------------------------------------- decoding

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            discardTheRest(in);
            return;
        }
        boolean inConnect = version == 0; // the first packet is the CONNECT, also once connect() has set the version
        try {
            int header = in.isReadable() ? in.getUnsignedByte(in.readerIndex()) : 0;
            ByteBuf body = frame(in);
            if (body == null) {
                return;
            }
            waiting = false; // a packet completed; a following partial one starts its own clock
            Object packet = parse(ctx, header, body);
            if (body.isReadable()) {
                throw new Malformed(ReasonCodes.MALFORMED_PACKET, body.readableBytes() + " bytes beyond the packet's fields");
            }
            out.add(packet);
            if (packet instanceof UnsupportedProtocolVersion) {
                discardTheRest(in); // the handler answers CONNACK 0x01 and closes [MQTT-3.1.2-2]
            }
        } catch (Malformed m) {
            fail(in, out, m.code, m.getMessage(), inConnect);
        } catch (IndexOutOfBoundsException e) {
            fail(in, out, ReasonCodes.MALFORMED_PACKET, "a field runs past the end of the packet", inConnect);
        }
    }

    /**
     * The body of the next packet with its fixed header consumed, or null (nothing consumed) while it
     * is incomplete. A packet above the maximum is refused from its header, never buffered.
     */
    private ByteBuf frame(ByteBuf in) {
        int start = in.readerIndex();
        if (in.readableBytes() < 2) {
            return null;
        }
        long remaining = 0;
        int multiplier = 1;
        int i = 1;
        while (true) {
            if (i > 4) {
                throw new Malformed(ReasonCodes.MALFORMED_PACKET, "remaining length longer than 4 bytes");
            }
            if (start + i >= in.writerIndex()) {
                return null; // length not complete yet
            }
            int digit = in.getUnsignedByte(start + i);
            remaining += (long) (digit & 0x7F) * multiplier;
            multiplier *= 128;
            i++;
            if ((digit & 0x80) == 0) {
                if (version >= 5 && i > 2 && digit == 0) {
                    throw new Malformed(ReasonCodes.MALFORMED_PACKET, "remaining length not minimally encoded"); // [MQTT-1.5.5-1]
                }
                break;
            }
        }
        if (remaining + i > maxPacketSize) {
            // 5.0 [MQTT-3.2.2-15] 0x95
            throw new Malformed(ReasonCodes.PACKET_TOO_LARGE, "packet of " + (remaining + i) + " bytes exceeds " + maxPacketSize);
        }
        if (in.readableBytes() < i + remaining) {
            return null;
        }
        in.skipBytes(i);
        return in.readSlice((int) remaining);
    }

    /** Emits the refusal and discards all input from here on; {@code inConnect}: the packet was the CONNECT. */
    private void fail(ByteBuf in, List<Object> out, int code, String reason, boolean inConnect) {
        discardTheRest(in);
        out.add(new MalformedPacket(code, reason, inConnect));
    }

    private void discardTheRest(ByteBuf in) {
        failed = true;
        in.skipBytes(in.readableBytes());
    }

    private Object parse(ChannelHandlerContext ctx, int header, ByteBuf b) {
        int type = header >>> 4;
        int flags = header & 0x0F;
        if (version == 0 && type != 1) {
            throw new Malformed(ReasonCodes.PROTOCOL_ERROR, "first packet is not CONNECT"); // [MQTT-3.1.0-1]
        }
        return switch (type) {
            case 1 -> connect(ctx, flags, b);
            case 3 -> publish(flags, b);
            case 4 -> pubReply(MqttMessageType.PUBACK, flags, 0, b);
            case 5 -> pubReply(MqttMessageType.PUBREC, flags, 0, b);
            case 6 -> pubReply(MqttMessageType.PUBREL, flags, 2, b);
            case 7 -> pubReply(MqttMessageType.PUBCOMP, flags, 0, b);
            case 8 -> subscribe(flags, b);
            case 10 -> unsubscribe(flags, b);
            case 12 -> empty(MqttMessageType.PINGREQ, flags, b);
            case 14 -> disconnect(flags, b);
            case 15 -> auth(flags, b);
            case 0 -> throw new Malformed(ReasonCodes.MALFORMED_PACKET, "reserved packet type 0");
            default -> throw new Malformed(ReasonCodes.PROTOCOL_ERROR, "packet type " + type + " is sent by servers only");
        };
    }

    // ---------------------------------------------------------------- CONNECT

    private Object connect(ChannelHandlerContext ctx, int flags, ByteBuf b) {
        requireFlags(flags, 0, "CONNECT");
        if (version != 0) {
            // a second CONNECT: pass it on, the handler answers it as a protocol error [MQTT-3.1.0-2]
            b.skipBytes(b.readableBytes());
            return new MqttMessage(fixed(MqttMessageType.CONNECT, 0, 0));
        }
        String name = Fields.string(b);
        int level = b.readUnsignedByte();
        if (!name.equals("MQTT") && !name.equals("MQIsdp")) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, "unknown protocol name '" + name + "'");
        }
        if (!(name.equals("MQIsdp") && level == 3) && !(name.equals("MQTT") && (level == 4 || level == 5))) {
            b.skipBytes(b.readableBytes());
            return new UnsupportedProtocolVersion(name, level);
        }
        version = level;
        ctx.channel().attr(VERSION_KEY).set(MqttVersion.fromProtocolNameAndLevel(name, (byte) level));
        int cf = b.readUnsignedByte();
        if (level >= 4 && (cf & 0x01) != 0) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, "reserved connect flag set"); // [MQTT-3.1.2-3]
        }
        boolean hasUser = (cf & 0x80) != 0;
        boolean hasPassword = (cf & 0x40) != 0;
        boolean willRetain = (cf & 0x20) != 0;
        int willQos = (cf >> 3) & 0x03;
        boolean willFlag = (cf & 0x04) != 0;
        boolean clean = (cf & 0x02) != 0;
        if (!willFlag && (willQos != 0 || willRetain)) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, "will QoS or retain without will flag"); // [MQTT-3.1.2-11]
        }
        if (willQos == 3) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, "will QoS 3"); // [MQTT-3.1.2-12]
        }
        if (level < 5 && hasPassword && !hasUser) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, "password without user name"); // [MQTT-3.1.2-22]
        }
        int keepAlive = b.readUnsignedShort();
        MqttProperties props = level >= 5 ? PropertyDecoder.decode(b, Where.CONNECT) : MqttProperties.NO_PROPERTIES;
        if (level >= 5 && props.getProperty(MqttPropertyType.AUTHENTICATION_DATA.value()) != null
                && props.getProperty(MqttPropertyType.AUTHENTICATION_METHOD.value()) == null) {
            throw new Malformed(ReasonCodes.PROTOCOL_ERROR, "Authentication Data without Authentication Method");
        }
        String clientId = Fields.string(b);
        MqttProperties willProps = MqttProperties.NO_PROPERTIES;
        String willTopic = null;
        byte[] willPayload = null;
        if (willFlag) {
            willProps = level >= 5 ? PropertyDecoder.decode(b, Where.WILL) : MqttProperties.NO_PROPERTIES;
            willTopic = Fields.string(b);
            willPayload = Fields.binary(b);
        }
        String user = hasUser ? Fields.string(b) : null;
        byte[] password = hasPassword ? Fields.binary(b) : null;
        MqttConnectVariableHeader h = new MqttConnectVariableHeader(name, level, hasUser, hasPassword, willRetain,
                willQos, willFlag, clean, keepAlive, props);
        MqttConnectPayload p = new MqttConnectPayload(clientId, willProps, willTopic, willPayload, user, password);
        return new MqttConnectMessage(fixed(MqttMessageType.CONNECT, 0, 0), h, p);
    }

    // ---------------------------------------------------------------- PUBLISH and acknowledgements

    private Object publish(int flags, ByteBuf b) {
        int qos = (flags >> 1) & 0x03;
        if (qos == 3) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, "PUBLISH with QoS 3"); // [MQTT-3.3.1-4]
        }
        String topic = Fields.string(b);
        int packetId = 0;
        if (qos > 0) {
            packetId = packetId(b, "PUBLISH");
        }
        MqttProperties props = version >= 5 ? PropertyDecoder.decode(b, Where.PUBLISH) : MqttProperties.NO_PROPERTIES;
        ByteBuf payload = b.readRetainedSlice(b.readableBytes());
        MqttFixedHeader fixed = new MqttFixedHeader(MqttMessageType.PUBLISH, (flags & 0x08) != 0,
                MqttQoS.valueOf(qos), (flags & 0x01) != 0, 0);
        return new MqttPublishMessage(fixed, new MqttPublishVariableHeader(topic, packetId, props), payload);
    }

    /** The codes a client may put in PUBACK and PUBREC (5.0 sections 3.4.2.1, 3.5.2.1). */
    private static final Set<Integer> PUBACK_CODES = Set.of(ReasonCodes.SUCCESS, ReasonCodes.NO_MATCHING_SUBSCRIBERS,
            ReasonCodes.UNSPECIFIED_ERROR, ReasonCodes.IMPLEMENTATION_SPECIFIC, ReasonCodes.NOT_AUTHORIZED,
            ReasonCodes.TOPIC_NAME_INVALID, ReasonCodes.PACKET_ID_IN_USE, ReasonCodes.QUOTA_EXCEEDED,
            ReasonCodes.PAYLOAD_FORMAT_INVALID);
    /** The codes of PUBREL and PUBCOMP (5.0 sections 3.6.2.1, 3.7.2.1). */
    private static final Set<Integer> PUBREL_CODES = Set.of(ReasonCodes.SUCCESS, ReasonCodes.PACKET_ID_NOT_FOUND);

    private Object pubReply(MqttMessageType type, int flags, int expectedFlags, ByteBuf b) {
        requireFlags(flags, expectedFlags, type.name()); // [MQTT-3.6.1-1] for PUBREL
        int packetId = packetId(b, type.name()); // echoes a PUBLISH's, never 0 [MQTT-2.3.1-6], 5.0 [MQTT-2.2.1-5]
        int reason = 0;
        MqttProperties props = MqttProperties.NO_PROPERTIES;
        if (version >= 5 && b.isReadable()) {
            reason = b.readUnsignedByte();
            boolean pubAckLike = type == MqttMessageType.PUBACK || type == MqttMessageType.PUBREC;
            if (!(pubAckLike ? PUBACK_CODES : PUBREL_CODES).contains(reason)) {
                throw new Malformed(ReasonCodes.MALFORMED_PACKET, "reason code " + reason + " not allowed in " + type);
            }
            if (b.isReadable()) {
                props = PropertyDecoder.decode(b, Where.valueOf(type.name()));
            }
        }
        return new MqttMessage(fixed(type, flags, 0), new MqttPubReplyMessageVariableHeader(packetId, (byte) reason, props));
    }

    // ---------------------------------------------------------------- SUBSCRIBE / UNSUBSCRIBE

    private Object subscribe(int flags, ByteBuf b) {
        requireFlags(flags, 2, "SUBSCRIBE"); // [MQTT-3.8.1-1]
        int packetId = packetId(b, "SUBSCRIBE");
        MqttProperties props = version >= 5 ? PropertyDecoder.decode(b, Where.SUBSCRIBE) : MqttProperties.NO_PROPERTIES;
        List<MqttTopicSubscription> topics = new ArrayList<>();
        while (b.isReadable()) {
            String filter = Fields.string(b);
            int options = b.readUnsignedByte();
            topics.add(version >= 5 ? subscription5(filter, options) : subscription3(filter, options));
        }
        if (topics.isEmpty()) {
            throw new Malformed(ReasonCodes.PROTOCOL_ERROR, "SUBSCRIBE without a topic filter"); // [MQTT-3.8.3-3]
        }
        return new MqttSubscribeMessage(fixed(MqttMessageType.SUBSCRIBE, 2, 0),
                new MqttMessageIdAndPropertiesVariableHeader(packetId, props), new MqttSubscribePayload(topics));
    }

    private static MqttTopicSubscription subscription3(String filter, int options) {
        if ((options & 0xFC) != 0 || (options & 0x03) == 3) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, "requested QoS byte " + options); // [MQTT-3-8.3-4]
        }
        return new MqttTopicSubscription(filter, MqttQoS.valueOf(options));
    }

    private static MqttTopicSubscription subscription5(String filter, int options) {
        if ((options & 0xC0) != 0) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, "subscription options reserved bits set"); // [MQTT-3.8.3-5]
        }
        if ((options & 0x03) == 3) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, "subscription QoS 3");
        }
        int retainHandling = (options >> 4) & 0x03;
        if (retainHandling == 3) {
            throw new Malformed(ReasonCodes.PROTOCOL_ERROR, "Retain Handling 3");
        }
        return new MqttTopicSubscription(filter, new MqttSubscriptionOption(MqttQoS.valueOf(options & 0x03),
                (options & 0x04) != 0, (options & 0x08) != 0,
                MqttSubscriptionOption.RetainedHandlingPolicy.valueOf(retainHandling)));
    }

    private Object unsubscribe(int flags, ByteBuf b) {
        requireFlags(flags, 2, "UNSUBSCRIBE"); // [MQTT-3.10.1-1]
        int packetId = packetId(b, "UNSUBSCRIBE");
        MqttProperties props = version >= 5 ? PropertyDecoder.decode(b, Where.UNSUBSCRIBE) : MqttProperties.NO_PROPERTIES;
        List<String> topics = new ArrayList<>();
        while (b.isReadable()) {
            topics.add(Fields.string(b));
        }
        if (topics.isEmpty()) {
            throw new Malformed(ReasonCodes.PROTOCOL_ERROR, "UNSUBSCRIBE without a topic filter"); // [MQTT-3.10.3-2]
        }
        return new MqttUnsubscribeMessage(fixed(MqttMessageType.UNSUBSCRIBE, 2, 0),
                new MqttMessageIdAndPropertiesVariableHeader(packetId, props), new MqttUnsubscribePayload(topics));
    }

    // ---------------------------------------------------------------- PINGREQ, DISCONNECT, AUTH

    private static Object empty(MqttMessageType type, int flags, ByteBuf b) {
        requireFlags(flags, 0, type.name());
        if (b.isReadable()) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, type + " with a body");
        }
        return new MqttMessage(fixed(type, 0, 0));
    }

    /** The DISCONNECT codes a client may send (5.0 section 3.14.2.1, those marked Client or both). */
    private static final Set<Integer> CLIENT_DISCONNECT_CODES = Set.of(ReasonCodes.SUCCESS,
            ReasonCodes.DISCONNECT_WITH_WILL, ReasonCodes.UNSPECIFIED_ERROR, ReasonCodes.MALFORMED_PACKET,
            ReasonCodes.PROTOCOL_ERROR, ReasonCodes.IMPLEMENTATION_SPECIFIC, ReasonCodes.NOT_AUTHORIZED,
            ReasonCodes.TOPIC_NAME_INVALID, ReasonCodes.RECEIVE_MAXIMUM_EXCEEDED, ReasonCodes.TOPIC_ALIAS_INVALID,
            ReasonCodes.PACKET_TOO_LARGE, ReasonCodes.MESSAGE_RATE_TOO_HIGH, ReasonCodes.QUOTA_EXCEEDED,
            ReasonCodes.ADMINISTRATIVE_ACTION, ReasonCodes.PAYLOAD_FORMAT_INVALID);

    private Object disconnect(int flags, ByteBuf b) {
        requireFlags(flags, 0, "DISCONNECT"); // [MQTT-3.14.1-1]
        if (version < 5) {
            return empty(MqttMessageType.DISCONNECT, flags, b);
        }
        int reason = b.isReadable() ? b.readUnsignedByte() : 0;
        if (!CLIENT_DISCONNECT_CODES.contains(reason)) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, "DISCONNECT reason " + reason + " is not a client's");
        }
        MqttProperties props = b.isReadable() ? PropertyDecoder.decode(b, Where.DISCONNECT) : MqttProperties.NO_PROPERTIES;
        return new MqttMessage(fixed(MqttMessageType.DISCONNECT, 0, 0),
                new MqttReasonCodeAndPropertiesVariableHeader((byte) reason, props));
    }

    private Object auth(int flags, ByteBuf b) {
        if (version < 5) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, "packet type 15 does not exist before MQTT 5");
        }
        requireFlags(flags, 0, "AUTH"); // [MQTT-3.15.1-1]
        int reason = b.isReadable() ? b.readUnsignedByte() : 0;
        if (reason != ReasonCodes.SUCCESS && reason != ReasonCodes.CONTINUE_AUTHENTICATION
                && reason != ReasonCodes.RE_AUTHENTICATE) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, "AUTH reason " + reason);
        }
        MqttProperties props = b.isReadable() ? PropertyDecoder.decode(b, Where.AUTH) : MqttProperties.NO_PROPERTIES;
        return new MqttMessage(fixed(MqttMessageType.AUTH, 0, 0),
                new MqttReasonCodeAndPropertiesVariableHeader((byte) reason, props));
    }

    // ---------------------------------------------------------------- fields

    private static MqttFixedHeader fixed(MqttMessageType type, int flags, int remaining) {
        return new MqttFixedHeader(type, (flags & 0x08) != 0, MqttQoS.valueOf((flags >> 1) & 0x03), (flags & 0x01) != 0, remaining);
    }

    private static void requireFlags(int flags, int expected, String what) {
        if (flags != expected) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, what + " fixed-header flags " + flags + ", must be " + expected);
        }
    }

    /** A Packet Identifier; 0 is not one (a field out of its range, so Malformed Packet) [MQTT-2.3.1-1]. */
    private static int packetId(ByteBuf b, String what) {
        int id = b.readUnsignedShort();
        if (id == 0) {
            throw new Malformed(ReasonCodes.MALFORMED_PACKET, what + " with packet identifier 0"); // [MQTT-2.3.1-1]
        }
        return id;
    }
}
