package io.cairn.bench.loadgen;

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
        isReady = true;
        settle();
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
