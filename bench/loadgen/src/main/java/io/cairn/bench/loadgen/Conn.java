package io.cairn.bench.loadgen;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * One MQTT client connection: CONNECT, an optional SUBSCRIBE, then the role's own packets.
 *
 * <p>Setup (CONNECT, CONNACK, SUBSCRIBE, SUBACK) goes through Netty's MQTT codec. Once ready, the
 * connection removes the decoder from its pipeline and frames the inbound bytes itself
 * ({@link #onFrame}): PUBLISH, PUBACK, PUBREC, PUBREL and PUBCOMP are read in place from the
 * received buffer, without a message object per packet. Replies are written as raw bytes into one
 * buffer per read batch ({@link #reply}) and flushed once.
 *
 * <p>Threading: every method except {@link #close} and the volatile fields runs on the channel's
 * event loop. The main thread reads only volatile fields and calls {@link #close}, which hops onto
 * the event loop.
 */
abstract class Conn extends ChannelInboundHandlerAdapter {
    protected final Config cfg;
    private final String clientId;
    private final String filter; // null: no subscription
    private final Runnable onSettled; // once: ready, refused or closed during setup
    private boolean settled;
    protected ChannelHandlerContext ctx;
    private ByteBuf partial; // raw mode: the start of a packet not yet wholly received
    private ByteBuf replies; // raw mode: replies of the current read batch, written at read complete
    volatile boolean isReady;
    volatile boolean closing;
    volatile boolean dropped; // closed by the broker (or the network) before we closed it
    volatile String failure;
    /** The broker's 5.0 Receive Maximum from CONNACK: a publisher never has more QoS 1/2 open. */
    volatile int serverReceiveMaximum = 65535;

    Conn(Config cfg, String clientId, String filter, Runnable onSettled) {
        this.cfg = cfg;
        this.clientId = clientId;
        this.filter = filter;
        this.onSettled = onSettled;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        MqttProperties props = new MqttProperties();
        if (cfg.mqtt == 5) {
            props.add(new MqttProperties.IntegerProperty(
                    MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value(), cfg.receiveMaximum));
            if (cfg.persistent) {
                props.add(new MqttProperties.IntegerProperty(
                        MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), 300));
            }
        }
        ctx.writeAndFlush(MqttMessageBuilders.connect()
                .clientId(clientId)
                .protocolVersion(cfg.mqtt == 5 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1)
                .cleanSession(!cfg.persistent)
                .keepAlive(cfg.keepAlive)
                .properties(props)
                .build());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf in) {
            readRaw(in);
            return;
        }
        try {
            MqttMessage m = (MqttMessage) msg;
            if (m.decoderResult().isFailure()) {
                fail("undecodable packet: " + m.decoderResult().cause());
                return;
            }
            switch (m.fixedHeader().messageType()) {
                case CONNACK -> onConnAck((MqttConnAckMessage) m);
                case SUBACK -> onSubAck((MqttSubAckMessage) m);
                case DISCONNECT -> fail("broker sent DISCONNECT " + m.variableHeader());
                default -> onPacket(m);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onConnAck(MqttConnAckMessage m) {
        MqttConnectReturnCode rc = m.variableHeader().connectReturnCode();
        if (rc != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
            fail("CONNACK " + rc);
            return;
        }
        if (m.variableHeader().properties().getProperty(
                MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value()) instanceof MqttProperties.IntegerProperty rm) {
            serverReceiveMaximum = rm.value();
        }
        if (filter == null) {
            markReady();
        } else {
            ctx.writeAndFlush(MqttMessageBuilders.subscribe()
                    .messageId(1)
                    .addSubscription(MqttQoS.valueOf(cfg.qos), filter)
                    .build());
        }
    }

    private void onSubAck(MqttSubAckMessage m) {
        int granted = m.payload().grantedQoSLevels().get(0);
        if (granted >= 0x80) {
            fail("SUBACK refused 0x" + Integer.toHexString(granted));
        } else {
            markReady();
        }
    }

    private void markReady() {
        // from here on the packets are framed by readRaw; bytes the decoder still holds come to
        // channelRead as a ByteBuf when it is removed
        ctx.pipeline().remove(Net.DECODER);
        isReady = true;
        settle();
    }

    /** Frames the packets of {@code in} (after any partial one kept from the last read). */
    private void readRaw(ByteBuf in) {
        ByteBuf buf = in;
        if (partial != null && partial.isReadable()) {
            partial.writeBytes(in);
            in.release();
            buf = partial;
        }
        try {
            int end = buf.writerIndex();
            while (true) {
                int start = buf.readerIndex();
                if (end - start < 2) break;
                int b0 = buf.getUnsignedByte(start);
                int i = start + 1;
                int len = 0;
                int shift = 0;
                boolean complete = false;
                while (i < end && shift <= 21) {
                    int b = buf.getUnsignedByte(i++);
                    len |= (b & 0x7F) << shift;
                    shift += 7;
                    if ((b & 0x80) == 0) {
                        complete = true;
                        break;
                    }
                }
                if (!complete) {
                    if (shift > 21) {
                        fail("bad remaining length");
                        buf.skipBytes(buf.readableBytes());
                        return;
                    }
                    break; // the length itself is not wholly here yet
                }
                if (end - i < len) break;
                buf.readerIndex(i + len);
                onFrame(b0, buf, i, len);
            }
            if (buf.isReadable()) {
                if (buf == in) {
                    if (partial == null) partial = ctx.alloc().heapBuffer(Math.max(256, buf.readableBytes()));
                    partial.clear().writeBytes(buf);
                } else {
                    partial.discardReadBytes();
                }
            } else if (partial != null) {
                partial.clear();
            }
        } finally {
            if (buf == in) in.release();
        }
    }

    /**
     * One packet in raw mode: its first byte, and its variable header and payload at
     * {@code buf[off, off + len)}. Valid only during the call.
     */
    private void onFrame(int b0, ByteBuf buf, int off, int len) {
        int type = b0 >>> 4;
        switch (type) {
            case 3 -> onPublish(b0, buf, off, len);
            case 4, 5, 6, 7 -> {
                if (len < 2) {
                    fail("short packet of type " + type);
                    return;
                }
                onAck(type, buf.getUnsignedShort(off), len > 2 ? buf.getUnsignedByte(off + 2) : 0);
            }
            case 14 -> fail("broker sent DISCONNECT reason 0x" + Integer.toHexString(len > 0 ? buf.getUnsignedByte(off) : 0));
            default -> { } // PINGRESP and the like
        }
    }

    /** A PUBLISH in raw mode (see {@link #onFrame}). */
    protected void onPublish(int b0, ByteBuf buf, int off, int len) { }

    /** PUBACK (4), PUBREC (5), PUBREL (6) or PUBCOMP (7) in raw mode, with its reason code (0 if none). */
    protected void onAck(int type, int packetId, int reason) { }

    /** Queues a 2-byte-id reply (PUBACK 0x40, PUBREC 0x50, PUBREL 0x62, PUBCOMP 0x70); see {@link #flushReplies}. */
    protected final void reply(int firstByte, int packetId) {
        if (replies == null) replies = ctx.alloc().directBuffer(256);
        replies.writeByte(firstByte).writeByte(2).writeShort(packetId);
    }

    /** Writes the queued replies (not flushed). */
    protected final void writeReplies() {
        if (replies != null) {
            ByteBuf r = replies;
            replies = null;
            ctx.write(r, ctx.voidPromise());
        }
    }

    private void settle() {
        if (!settled) {
            settled = true;
            onSettled.run();
        }
    }

    protected void fail(String why) {
        if (failure == null) failure = why;
        settle(); // the main thread must not wait for a connection that failed
        if (ctx != null) ctx.close(); // null: the connection never became active
    }

    /** A packet other than CONNACK, SUBACK and DISCONNECT; released by the caller. */
    protected abstract void onPacket(MqttMessage m);

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (partial != null) {
            partial.release();
            partial = null;
        }
        if (replies != null) {
            replies.release();
            replies = null;
        }
        if (!closing) {
            dropped = true;
            settle();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelUnregistered(ChannelHandlerContext ctx) {
        settle(); // the connection attempt itself failed (refused, timed out)
        ctx.fireChannelUnregistered();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(cause.toString());
    }

    /**
     * Ends the connection with DISCONNECT; with a persistent 5.0 session it sets Session Expiry 0 so
     * the broker drops the session instead of keeping it (and its storage) after the run.
     */
    void close(Channel ch) {
        closing = true;
        ch.eventLoop().execute(() -> {
            if (!ch.isActive()) return;
            MqttMessage disconnect;
            if (cfg.mqtt == 5) {
                MqttProperties props = new MqttProperties();
                if (cfg.persistent) {
                    props.add(new MqttProperties.IntegerProperty(
                            MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), 0));
                }
                disconnect = MqttMessageBuilders.disconnect().reasonCode((byte) 0).properties(props).build();
            } else {
                disconnect = new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false,
                        MqttQoS.AT_MOST_ONCE, false, 0));
            }
            ch.writeAndFlush(disconnect).addListener(f -> ch.close());
        });
    }
}
