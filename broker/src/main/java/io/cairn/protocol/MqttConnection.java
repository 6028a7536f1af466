package io.cairn.protocol;

import io.cairn.config.BrokerConfig;
import io.cairn.topic.Topics;
import io.cairn.engine.Connection;
import io.cairn.engine.Outbound;
import io.cairn.state.Delivery;
import io.cairn.engine.InboundPublish;
import io.cairn.engine.SessionEngine;
import io.cairn.engine.SubscriptionRequest;
import io.cairn.state.MessageProperties;
import io.cairn.state.SessionState;
import io.cairn.state.SubscriptionOptions;
import io.cairn.state.Will;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The protocol handler of one network connection: applies the version rules that need no session
 * state (CONNECT validation and its CONNACK refusals, topic names, topic aliases, the inbound Receive
 * Maximum, keep alive), answers PINGREQ, and hands everything else to the {@link SessionEngine}.
 * Malformed input and protocol errors close this connection only, with DISCONNECT 0x81/0x82 (or a
 * more specific code) first for 5.0 clients [MQTT-4.13.1-1].
 *
 * <p>Threading: one instance per channel; every method runs on that channel's event loop, including
 * {@link #deliver}'s work, which the engine's store thread hands over with {@code execute}.
 */
public final class MqttConnection extends ChannelInboundHandlerAdapter implements Connection.Output {

    private static final Logger log = LoggerFactory.getLogger(MqttConnection.class);
    /** Time a new connection gets to send CONNECT. */
    private static final long CONNECT_TIMEOUT_SECONDS = 20;

    private final SessionEngine engine;
    private final BrokerConfig.Mqtt limits;
    private final boolean allowAnonymous;
    private ChannelHandlerContext ctx;
    private Connection connection;
    /** 5.0 CONNACK properties prepared with the CONNECT, sent with the engine's ConnAck. */
    private MqttProperties connackProperties = MqttProperties.NO_PROPERTIES;
    private int version;
    private boolean closing;
    private boolean disconnected;
    private ScheduledFuture<?> connectTimeout;
    /** Inbound QoS 1/2 packet ids not yet acknowledged, for the Receive Maximum [MQTT-3.3.4-7]. */
    private final Set<Integer> inboundUnacked = new HashSet<>();
    /** 5.0 inbound topic aliases of this connection [MQTT-3.3.2-7]. */
    private final Map<Integer, String> topicAliases = new HashMap<>();

    public MqttConnection(SessionEngine engine, BrokerConfig.Mqtt limits, boolean allowAnonymous) {
        this.engine = engine;
        this.limits = limits;
        this.allowAnonymous = allowAnonymous;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        connectTimeout = ctx.executor().schedule(() -> {
            if (connection == null) {
                ctx.close();
            }
        }, CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
        }
        if (connection != null) {
            engine.connectionLost(connection);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection error on {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            // no packet within 1.5 x keep alive [MQTT-3.1.2-24]; the Will follows from connectionLost
            log.debug("keep alive timeout for {}", connection);
            fail(ReasonCodes.KEEP_ALIVE_TIMEOUT, "keep alive timeout");
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            release(msg);
            return;
        }
        try {
            read(msg);
        } finally {
            release(msg);
        }
    }

    private static void release(Object msg) {
        if (msg instanceof MqttPublishMessage p) {
            p.release();
        }
    }

    private void read(Object msg) {
        if (msg instanceof MalformedPacket bad) {
            onMalformed(bad.reasonCode(), bad.reason(), bad.inConnect());
            return;
        }
        if (msg instanceof UnsupportedProtocolVersion unsupported) {
            // 3.1.1 [MQTT-3.1.2-2]: CONNACK 0x01 then close (5.0 would accept 0x84; a client of an
            // unknown level cannot be assumed to read 5.0 CONNACKs)
            log.debug("unsupported protocol {} level {}", unsupported.name(), unsupported.level());
            ctx.writeAndFlush(Packets.connack(ReasonCodes.V3_UNACCEPTABLE_PROTOCOL_VERSION, false, null));
            closeNow();
            return;
        }
        MqttMessage m = (MqttMessage) msg;
        MqttMessageType type = m.fixedHeader().messageType();
        if (connection == null) {
            if (type != MqttMessageType.CONNECT) {
                closeNow(); // [MQTT-3.1.0-1]
                return;
            }
            onConnect((MqttConnectMessage) m);
            return;
        }
        switch (type) {
            case PUBLISH -> onPublish((MqttPublishMessage) m);
            case PUBACK -> engine.puback(connection, packetId(m));
            case PUBREC -> engine.pubrec(connection, packetId(m), reasonCode(m));
            case PUBREL -> engine.pubrel(connection, packetId(m));
            case PUBCOMP -> engine.pubcomp(connection, packetId(m));
            case SUBSCRIBE -> onSubscribe((MqttSubscribeMessage) m);
            case UNSUBSCRIBE -> onUnsubscribe((MqttUnsubscribeMessage) m);
            case PINGREQ -> ctx.writeAndFlush(Packets.pingresp()); // [MQTT-3.12.4-1]
            case DISCONNECT -> onDisconnect(m);
            case CONNECT -> fail(ReasonCodes.PROTOCOL_ERROR, "second CONNECT"); // [MQTT-3.1.0-2]
            case AUTH -> fail(ReasonCodes.PROTOCOL_ERROR, "AUTH without an Authentication Method"); // [MQTT-4.12.0-7]
            default -> fail(ReasonCodes.PROTOCOL_ERROR, "unexpected " + type);
        }
    }

    private static int packetId(MqttMessage m) {
        return ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
    }

    private static int reasonCode(MqttMessage m) {
        return m.variableHeader() instanceof MqttPubReplyMessageVariableHeader h ? h.reasonCode() & 0xFF : 0;
    }

    // ---------------------------------------------------------------- CONNECT

    private void onConnect(MqttConnectMessage m) {
        MqttConnectVariableHeader h = m.variableHeader();
        MqttConnectPayload p = m.payload();
        version = h.version();
        boolean v5 = version >= Packets.V5;
        String clientId = p.clientIdentifier() == null ? "" : p.clientIdentifier();
        MqttProperties connack = v5 ? new MqttProperties() : MqttProperties.NO_PROPERTIES;

        if (clientId.isEmpty()) {
            if (version == Packets.V31 || (version == Packets.V311 && !h.isCleanSession())) {
                refuse(ReasonCodes.V3_IDENTIFIER_REJECTED, "empty client id"); // [MQTT-3.1.3-8]
                return;
            }
            // [MQTT-3.1.3-6]: a unique id, returned to 5.0 clients [MQTT-3.1.3-7]
            clientId = "cairn-" + UUID.randomUUID();
            if (v5) {
                connack.add(new MqttProperties.StringProperty(
                        MqttProperties.MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER.value(), clientId));
            }
        } else if (version == Packets.V31 && clientId.length() > 23) {
            refuse(ReasonCodes.V3_IDENTIFIER_REJECTED, "3.1 client id longer than 23 characters");
            return;
        }

        if (v5 && h.properties().getProperty(MqttProperties.MqttPropertyType.AUTHENTICATION_METHOD.value()) != null) {
            // enhanced authentication is not offered [MQTT-4.12.0-1]
            refuse(ReasonCodes.BAD_AUTHENTICATION_METHOD, "unsupported authentication method");
            return;
        }
        if (!allowAnonymous && !h.hasUserName()) {
            refuse(v5 ? ReasonCodes.NOT_AUTHORIZED : ReasonCodes.V3_NOT_AUTHORIZED, "anonymous clients not allowed");
            return;
        }

        Will will = null;
        if (h.isWillFlag()) {
            if (!Topics.isValidName(p.willTopic()) || Topics.tooDeep(p.willTopic(), limits.maxTopicLevels())) {
                refuse(v5 ? ReasonCodes.TOPIC_NAME_INVALID : -1, "invalid will topic");
                return;
            }
            if (h.willQos() > limits.maxQos()) {
                refuse(v5 ? ReasonCodes.QOS_NOT_SUPPORTED : -1, "will QoS above maximum"); // [MQTT-3.2.2-12]
                return;
            }
            if (h.isWillRetain() && !limits.retainAvailable()) {
                refuse(v5 ? ReasonCodes.RETAIN_NOT_SUPPORTED : -1, "will retain unsupported"); // [MQTT-3.2.2-13]
                return;
            }
            MqttProperties wp = v5 ? p.willProperties() : MqttProperties.NO_PROPERTIES;
            will = new Will(p.willTopic(), h.willQos(), h.isWillRetain(), p.willMessageInBytes(),
                    PublishProperties.from(wp), intProperty(wp, MqttProperties.MqttPropertyType.WILL_DELAY_INTERVAL, 0));
        }

        long expiry;
        if (v5) {
            long asked = intProperty(h.properties(), MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, 0);
            expiry = Math.min(asked, limits.sessionExpiryMax());
            if (expiry != asked) {
                connack.add(new MqttProperties.IntegerProperty(
                        MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), (int) expiry));
            }
        } else {
            expiry = h.isCleanSession() ? 0 : SessionState.NEVER_EXPIRES;
        }

        int keepAlive = keepAlive(h.keepAliveTimeSeconds(), v5, connack);
        int sendWindow = limits.maxInflight();
        long maxPacket = Long.MAX_VALUE;
        if (v5) {
            sendWindow = (int) intProperty(h.properties(), MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM, 65535);
            maxPacket = intProperty(h.properties(), MqttProperties.MqttPropertyType.MAXIMUM_PACKET_SIZE, Long.MAX_VALUE);
            advertiseLimits(connack);
        }
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
        }
        if (keepAlive > 0) {
            long idleMillis = keepAlive * 1500L; // 1.5 x keep alive
            ctx.pipeline().addBefore(ctx.name(), "keepalive",
                    new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
        }
        connackProperties = connack;
        connection = new Connection(this, clientId, v5, h.isCleanSession(), expiry, will, sendWindow, maxPacket);
        engine.connect(connection);
    }

    /** The keep alive to enforce; 5.0 clients are told when it differs (Server Keep Alive). */
    private int keepAlive(int asked, boolean v5, MqttProperties connack) {
        int max = limits.maxKeepalive();
        int effective = asked == 0 ? 0 : Math.min(asked, max);
        if (v5 && asked == 0 && max < 65535) {
            effective = max;
        }
        if (v5 && effective != asked) {
            connack.add(new MqttProperties.IntegerProperty(
                    MqttProperties.MqttPropertyType.SERVER_KEEP_ALIVE.value(), effective));
        }
        return effective;
    }

    private void advertiseLimits(MqttProperties connack) {
        connack.add(new MqttProperties.IntegerProperty(
                MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value(), limits.receiveMaximum()));
        connack.add(new MqttProperties.IntegerProperty(
                MqttProperties.MqttPropertyType.MAXIMUM_PACKET_SIZE.value(), limits.maxPacketSize()));
        connack.add(new MqttProperties.IntegerProperty(
                MqttProperties.MqttPropertyType.TOPIC_ALIAS_MAXIMUM.value(), limits.topicAliasMaximum()));
        if (limits.maxQos() < 2) {
            connack.add(new MqttProperties.IntegerProperty(
                    MqttProperties.MqttPropertyType.MAXIMUM_QOS.value(), limits.maxQos()));
        }
        if (!limits.retainAvailable()) {
            connack.add(new MqttProperties.IntegerProperty(
                    MqttProperties.MqttPropertyType.RETAIN_AVAILABLE.value(), 0));
        }
        // shared subscriptions arrive with the MQTT 5 completeness work
        connack.add(new MqttProperties.IntegerProperty(
                MqttProperties.MqttPropertyType.SHARED_SUBSCRIPTION_AVAILABLE.value(), 0));
    }

    static long intProperty(MqttProperties props, MqttProperties.MqttPropertyType type, long absent) {
        MqttProperties.MqttProperty<?> p = props.getProperty(type.value());
        if (p == null) {
            return absent;
        }
        return Integer.toUnsignedLong((Integer) p.value());
    }

    /** Refuses a CONNECT: CONNACK with the code (none when {@code code} is -1), then close. */
    private void refuse(int code, String why) {
        log.debug("CONNECT refused ({}): {}", why, ctx.channel().remoteAddress());
        if (code >= 0) {
            ctx.writeAndFlush(Packets.connack(code, false, null));
        }
        closeNow();
    }

    // ---------------------------------------------------------------- PUBLISH

    private void onPublish(MqttPublishMessage m) {
        boolean v5 = version >= Packets.V5;
        int qos = m.fixedHeader().qosLevel().value();
        int packetId = m.variableHeader().packetId();
        MqttProperties props = m.variableHeader().properties();
        if (qos > limits.maxQos()) {
            fail(ReasonCodes.QOS_NOT_SUPPORTED, "QoS above maximum"); // [MQTT-3.2.2-11]
            return;
        }
        if (m.fixedHeader().isRetain() && !limits.retainAvailable()) {
            fail(ReasonCodes.RETAIN_NOT_SUPPORTED, "retain not available"); // [MQTT-3.2.2-14]
            return;
        }
        String topic = v5 ? resolveAlias(m.variableHeader().topicName(), props) : m.variableHeader().topicName();
        if (topic == null) {
            return; // resolveAlias failed the connection
        }
        if (!Topics.isValidName(topic)) {
            fail(ReasonCodes.TOPIC_NAME_INVALID, "invalid topic name"); // [MQTT-3.3.2-2]
            return;
        }
        if (Topics.tooDeep(topic, limits.maxTopicLevels())) {
            fail(ReasonCodes.TOPIC_NAME_INVALID, "topic name deeper than max_topic_levels");
            return;
        }
        MessageProperties carried = MessageProperties.NONE;
        if (v5) {
            if (props.getProperty(MqttProperties.MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value()) != null) {
                fail(ReasonCodes.PROTOCOL_ERROR, "Subscription Identifier from a client"); // [MQTT-3.3.4-6]
                return;
            }
            carried = PublishProperties.from(props);
            if (carried.responseTopic() != null && !Topics.isValidName(carried.responseTopic())) {
                fail(ReasonCodes.PROTOCOL_ERROR, "invalid Response Topic"); // [MQTT-3.3.2-14]
                return;
            }
        }
        // only 5.0 clients know our Receive Maximum; 3.x clients are held back by the journal instead
        if (v5 && qos > 0 && inboundUnacked.add(packetId) && inboundUnacked.size() > limits.receiveMaximum()) {
            fail(ReasonCodes.RECEIVE_MAXIMUM_EXCEEDED, "receive maximum exceeded"); // [MQTT-3.3.4-7]
            return;
        }
        byte[] payload = ByteBufUtil.getBytes(m.payload());
        engine.publish(connection, new InboundPublish(topic, qos, m.fixedHeader().isRetain(), packetId, payload, carried));
    }

    /** 5.0 topic alias: define, resolve, or fail the connection with 0x94 / 0x82. */
    private String resolveAlias(String topic, MqttProperties props) {
        MqttProperties.MqttProperty<?> aliasProp = props.getProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS.value());
        if (aliasProp == null) {
            if (topic.isEmpty()) {
                fail(ReasonCodes.PROTOCOL_ERROR, "empty topic without alias");
                return null;
            }
            return topic;
        }
        int alias = (Integer) aliasProp.value();
        if (alias == 0 || alias > limits.topicAliasMaximum()) {
            fail(ReasonCodes.TOPIC_ALIAS_INVALID, "topic alias out of range"); // [MQTT-3.3.2-9]
            return null;
        }
        if (topic.isEmpty()) {
            String mapped = topicAliases.get(alias);
            if (mapped == null) {
                fail(ReasonCodes.PROTOCOL_ERROR, "unknown topic alias");
                return null;
            }
            return mapped;
        }
        topicAliases.put(alias, topic);
        return topic;
    }

    // ---------------------------------------------------------------- SUBSCRIBE / UNSUBSCRIBE / DISCONNECT

    private void onSubscribe(MqttSubscribeMessage m) {
        boolean v5 = version >= Packets.V5;
        int subscriptionId = 0;
        if (v5) {
            subscriptionId = (int) intProperty(m.idAndPropertiesVariableHeader().properties(),
                    MqttProperties.MqttPropertyType.SUBSCRIPTION_IDENTIFIER, 0);
        }
        List<SubscriptionRequest> requests = new ArrayList<>();
        for (MqttTopicSubscription t : m.payload().topicSubscriptions()) {
            var o = t.option();
            if (v5 && o.isNoLocal() && t.topicName().startsWith("$share/")) {
                fail(ReasonCodes.PROTOCOL_ERROR, "No Local on a shared subscription"); // [MQTT-3.8.3-4]
                return;
            }
            SubscriptionOptions asked = v5
                    ? new SubscriptionOptions(o.qos().value(), o.isNoLocal(), o.isRetainAsPublished(),
                            o.retainHandling().value(), subscriptionId)
                    : SubscriptionOptions.ofQos(t.qualityOfService().value());
            requests.add(new SubscriptionRequest(t.topicName(), asked));
        }
        engine.subscribe(connection, m.variableHeader().messageId(), requests);
    }

    private void onUnsubscribe(MqttUnsubscribeMessage m) {
        engine.unsubscribe(connection, m.variableHeader().messageId(), m.payload().topics());
    }

    private void onDisconnect(MqttMessage m) {
        boolean withWill = false;
        long newExpiry = -1;
        if (version >= Packets.V5 && m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h) {
            withWill = (h.reasonCode() & 0xFF) == ReasonCodes.DISCONNECT_WITH_WILL;
            newExpiry = intProperty(h.properties(), MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL, -1);
            if (newExpiry > 0 && connection.expiryInterval() == 0) {
                fail(ReasonCodes.PROTOCOL_ERROR, "session expiry set on DISCONNECT after 0 at CONNECT");
                return;
            }
        }
        disconnected = true;
        engine.disconnect(connection, withWill, newExpiry);
        closeNow();
    }

    // ---------------------------------------------------------------- errors and output

    private void onMalformed(int reasonCode, String reason, boolean inConnect) {
        log.debug("malformed packet from {}: {}", ctx.channel().remoteAddress(), reason);
        if (connection == null || inConnect) {
            closeNow(); // before CONNACK only a CONNACK could carry the reason; closing is enough
            return;
        }
        fail(reasonCode, reason);
    }

    /** A protocol error after CONNECT: 5.0 gets DISCONNECT with the reason first; then close. */
    private void fail(int reasonCode, String reason) {
        log.debug("closing {}: {}", connection, reason);
        if (connection != null && version >= Packets.V5) {
            ctx.writeAndFlush(Packets.disconnect(reasonCode));
        }
        closeNow();
    }

    private void closeNow() {
        closing = true;
        ctx.close();
    }

    @Override
    public void deliver(List<Outbound> events, boolean close) {
        ctx.executor().execute(() -> {
            if (!ctx.channel().isActive()) {
                return;
            }
            for (Outbound e : events) {
                noteAcknowledged(e);
                Object packet = EventEncoder.encode(e, version, connackProperties);
                if (packet != null) {
                    ctx.write(packet, ctx.voidPromise());
                }
            }
            ctx.flush();
            if (close) {
                closeNow();
            }
        });
    }

    @Override
    public long publishSize(Delivery d) {
        return Packets.publishSize(version, d, 0);
    }

    /** An inbound QoS 1/2 PUBLISH stops counting against the Receive Maximum once acknowledged. */
    private void noteAcknowledged(Outbound e) {
        if (e instanceof Outbound.Ack a && (a.type() == Outbound.AckType.PUBACK || a.type() == Outbound.AckType.PUBCOMP
                || (a.type() == Outbound.AckType.PUBREC && a.result() != Outbound.AckResult.SUCCESS))) {
            inboundUnacked.remove(a.packetId());
        }
    }
}
