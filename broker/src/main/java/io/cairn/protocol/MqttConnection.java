package io.cairn.protocol;

import io.cairn.config.BrokerConfig;
import io.cairn.engine.ClientLog;
import io.cairn.engine.Connection;
import io.cairn.engine.InboundPublish;
import io.cairn.engine.SessionEngine;
import io.cairn.engine.SubscriptionRequest;
import io.cairn.security.AuthMethods;
import io.cairn.security.Authenticator;
import io.cairn.security.EnhancedAuthenticator;
import io.cairn.security.LoginThrottle;
import io.cairn.state.MessageProperties;
import io.cairn.state.SubscriptionOptions;
import io.cairn.topic.Topics;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.util.AttributeKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The protocol handler of one network connection: hands CONNECT to the {@link ConnectHandler},
 * applies the version rules of each later packet that need no session state (topic names and
 * aliases, QoS and retain limits, the inbound Receive Maximum, keep alive), answers PINGREQ, and turns
 * everything else into calls on the {@link SessionEngine}; the engine's answers come back through
 * the connection's {@link ChannelOutput}. Malformed input and protocol errors close this connection
 * only, with DISCONNECT 0x81/0x82 (or a more specific code) first for 5.0 clients [MQTT-4.13.1-1].
 *
 * <p>5.0 enhanced authentication (section 4.12): a CONNECT with an offered Authentication Method
 * starts an exchange of AUTH packets that ends in the CONNACK; after it the client may re-authenticate
 * (AUTH 0x19) at any time, and its other packets keep flowing meanwhile.
 *
 * <p>Threading: one instance per channel; every method runs on that channel's event loop.
 */
public final class MqttConnection extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(MqttConnection.class);
    /**
     * Set by the listener on a connection accepted while {@code [mqtt] max_connections} connections
     * are open: its CONNECT is answered with a refusal.
     */
    public static final AttributeKey<Boolean> OVER_CONNECTION_LIMIT = AttributeKey.valueOf("cairn.overConnectionLimit");
    /**
     * Set by a TLS listener with {@code use_identity_as_username} once the handshake verified the
     * client certificate: its subject CN, which replaces whatever user name the CONNECT carries.
     */
    public static final AttributeKey<String> CERTIFICATE_USERNAME = AttributeKey.valueOf("cairn.certificateUsername");
    /**
     * Set by the listener on each connection it accepts: its type (tcp, tls, ws, wss), which the
     * activity log shows with the port ("tcp:1883").
     */
    public static final AttributeKey<String> LISTENER_TYPE = AttributeKey.valueOf("cairn.listenerType");
    /** Time a new connection gets to send CONNECT. */
    private static final long CONNECT_TIMEOUT_SECONDS = 20;

    private final SessionEngine engine;
    private final BrokerConfig.Mqtt limits;
    private final ConnectHandler connectHandler;
    private final LoginThrottle throttle;
    private final AuthMethods methods;
    private ChannelHandlerContext ctx;
    private Connection connection;
    private int version;
    private boolean closing;
    private boolean reportedLost;
    private ScheduledFuture<?> connectTimeout;
    /** 1.5 x the keep alive in nanoseconds, or 0 when keep alive is off. */
    private long keepAliveNanos;
    private long lastPacketNanos;
    private ScheduledFuture<?> keepAliveCheck;
    private InboundQuota quota;
    private TopicAliases aliases;
    private ReadGate gate;
    /** What Reason Strings this client may be sent (from its CONNECT); none before CONNECT. */
    private ReasonStrings reasons = ReasonStrings.NONE;
    /** Why this side closes the connection, for the activity log; null: the client or the network did. */
    private String closeReason;
    private String closeDetail;
    /** Engine calls of this connection held until the end of the current read round, or null. */
    private List<Runnable> heldBack;
    /** The CONNECT's Authentication Method (5.0); null without one, and then AUTH is a Protocol Error. */
    private String authMethod;
    /** The authentication exchange under way (the CONNECT's or a re-authentication), or null. */
    private EnhancedAuthenticator.Conversation exchange;
    /** Until the CONNACK of a CONNECT with an Authentication Method: that CONNECT and its exchange. */
    private ConnectHandler.Authenticating pending;
    private MqttConnectMessage pendingConnect;
    /** Who a refused enhanced authentication claimed to be, for the activity line; null otherwise. */
    private String refusedUser;

    public MqttConnection(SessionEngine engine, BrokerConfig.Mqtt limits, Authenticator authenticator,
                          LoginThrottle throttle, AuthMethods methods) {
        this.engine = engine;
        this.limits = limits;
        this.throttle = throttle;
        this.methods = methods;
        this.connectHandler = new ConnectHandler(limits, certificateFirst(authenticator), engine.authorizer(), methods,
                engine::declaredExpiry);
    }

    /**
     * A client whose user name is the CN of the certificate the TLS handshake verified is
     * authenticated by that certificate: as in Mosquitto's use_identity_as_username, the password
     * file is not asked (it would refuse the CONNECT's password for a user it does not know, and
     * allow_anonymous = false would refuse a client that proved who it is). Runs inside
     * {@link ConnectHandler#handle}, on this channel's event loop, after the handshake.
     */
    private Authenticator certificateFirst(Authenticator next) {
        return (clientId, username, password) -> username != null
                && username.equals(attribute(CERTIFICATE_USERNAME))
                ? Authenticator.Verdict.ADMIT : next.authenticate(clientId, username, password);
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
            connectTimeout = null;
        }
        if (keepAliveCheck != null) {
            keepAliveCheck.cancel(false);
        }
        reportLost();
        super.channelInactive(ctx);
    }

    /** Tells the engine, once, that this connection is over (its Will and session clocks start). */
    private void reportLost() {
        if (connection != null && !reportedLost) {
            reportedLost = true;
            Connection lost = connection;
            String reason = closeReason == null ? "connection-lost" : closeReason;
            String detail = closeDetail;
            toEngine(() -> engine.connectionLost(lost, reason, detail));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection error on {}: {}", ctx.channel().remoteAddress(), cause.toString());
        if (closeReason == null) {
            closeDetail = "error=\"" + (cause.getMessage() == null ? cause.toString() : cause.getMessage()) + "\"";
        }
        ctx.close();
    }

    /** A channel attribute's value, or null; unlike {@code attr(key).get()} it adds no empty attribute. */
    private <T> T attribute(AttributeKey<T> key) {
        return ctx.channel().hasAttr(key) ? ctx.channel().attr(key).get() : null;
    }

    /**
     * Keep alive: one timer per connection, armed for the moment 1.5 x keep alive after the last
     * packet (instead of an IdleStateHandler, which costs a handler and a pipeline context per
     * connection as well). It re-arms itself while packets keep coming.
     */
    private void armKeepAlive(long delayNanos) {
        keepAliveCheck = ctx.executor().schedule(this::checkKeepAlive, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkKeepAlive() {
        keepAliveCheck = null;
        if (closing || !ctx.channel().isActive()) {
            return;
        }
        long idle = System.nanoTime() - lastPacketNanos;
        if (idle >= keepAliveNanos) {
            // no packet within 1.5 x keep alive [MQTT-3.1.2-24]; the Will follows from connectionLost
            fail("keep-alive-timeout", ReasonCodes.KEEP_ALIVE_TIMEOUT, "keep alive timeout");
            return;
        }
        armKeepAlive(keepAliveNanos - idle);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (keepAliveNanos > 0) {
            lastPacketNanos = System.nanoTime();
        }
        try {
            if (!closing) {
                read(msg);
            }
        } catch (ProtocolViolation v) {
            if (pending != null) {
                // no DISCONNECT before a CONNACK [MQTT-3.14.0-1]: the CONNACK carries the code
                refuse(new ConnectHandler.Refused(v.reasonCode, v.getMessage()), pendingConnect);
            } else {
                fail("protocol-error", v.reasonCode, v.getMessage());
            }
        } finally {
            if (msg instanceof MqttPublishMessage p) {
                p.release();
            }
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
            ClientLog.refused(null, address(), listener(), unsupported.name() + "/" + unsupported.level(), null,
                    ReasonCodes.V3_UNACCEPTABLE_PROTOCOL_VERSION, "unsupported protocol version");
            ctx.writeAndFlush(Packets.connack(ReasonCodes.V3_UNACCEPTABLE_PROTOCOL_VERSION, false, null));
            closeNow();
            return;
        }
        MqttMessage m = (MqttMessage) msg;
        MqttMessageType type = m.fixedHeader().messageType();
        if (connection == null) {
            if (pending != null) {
                whileAuthenticating(m, type);
                return;
            }
            if (type != MqttMessageType.CONNECT) {
                closeNow(); // [MQTT-3.1.0-1]
                return;
            }
            onConnect((MqttConnectMessage) m);
            return;
        }
        switch (type) {
            case PUBLISH -> onPublish((MqttPublishMessage) m);
            case PUBACK -> toEngine(() -> engine.puback(connection, packetId(m)));
            case PUBREC -> toEngine(() -> engine.pubrec(connection, packetId(m), reasonCode(m)));
            case PUBREL -> toEngine(() -> engine.pubrel(connection, packetId(m)));
            case PUBCOMP -> toEngine(() -> engine.pubcomp(connection, packetId(m)));
            case SUBSCRIBE -> onSubscribe((MqttSubscribeMessage) m);
            case UNSUBSCRIBE -> onUnsubscribe((MqttUnsubscribeMessage) m);
            case PINGREQ -> ctx.writeAndFlush(Packets.pingresp()); // [MQTT-3.12.4-1]
            case DISCONNECT -> onDisconnect(m);
            case CONNECT -> fail("protocol-error", ReasonCodes.PROTOCOL_ERROR, "second CONNECT"); // [MQTT-3.1.0-2]
            case AUTH -> onAuth(m);
            default -> fail("protocol-error", ReasonCodes.PROTOCOL_ERROR, "unexpected " + type);
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
        version = m.variableHeader().version();
        reasons = ReasonStrings.of(version, m.variableHeader().properties());
        if (Boolean.TRUE.equals(attribute(OVER_CONNECTION_LIMIT))) {
            refuseOverConnectionLimit(m);
            return;
        }
        MqttConnectMessage connect = withCertificateUsername(m);
        ConnectHandler.Result result = connectHandler.handle(connect);
        if (result instanceof ConnectHandler.Refused r) {
            refuse(r, connect);
        } else if (result instanceof ConnectHandler.Authenticating a) {
            // the CONNECT timeout, still running, bounds the whole exchange
            authMethod = a.method();
            pending = a;
            pendingConnect = connect;
            exchange = a.conversation();
            onStep(exchange.start(a.data()));
        } else {
            accepted((ConnectHandler.Accepted) result, connect);
        }
    }

    /** The CONNACK is sent by the engine once it has the session (engine.connect). */
    private void accepted(ConnectHandler.Accepted a, MqttConnectMessage connect) {
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
            connectTimeout = null; // a cancelled task is out of the timer queue; this drops the last reference
        }
        if (a.keepAliveSeconds() > 0) {
            keepAliveNanos = a.keepAliveSeconds() * 1_500_000_000L; // 1.5 x keep alive
            lastPacketNanos = System.nanoTime();
            armKeepAlive(keepAliveNanos);
        }
        quota = new InboundQuota(limits.receiveMaximum());
        aliases = new TopicAliases(limits.topicAliasMaximum());
        gate = new ReadGate(ctx.channel());
        ChannelOutput output = new ChannelOutput(ctx, version, a.connackProperties(), quota, this::closeForEngine, gate,
                OutboundAliases.forConnect(connect), reasons);
        connection = new Connection(output, a.clientId(), version >= Packets.V5, a.cleanStart(), a.expiry(), a.will(),
                a.sendWindow(), a.maxPacketSize(), a.username())
                .describedAs(address(), listener(), protocolName(version));
        engine.connect(connection);
    }

    // ---------------------------------------------------------------- AUTH

    /** Before the CONNACK of an exchange only AUTH and DISCONNECT may come [MQTT-3.1.2-30]. */
    private void whileAuthenticating(MqttMessage m, MqttMessageType type) {
        switch (type) {
            case AUTH -> onAuth(m);
            case DISCONNECT -> closeNow(); // the client gives up; there is no session yet
            default -> throw new ProtocolViolation(ReasonCodes.PROTOCOL_ERROR,
                    type + " before the CONNACK of an enhanced authentication");
        }
    }

    /**
     * An AUTH from the client: 0x18 continues the exchange under way, 0x19 starts a re-authentication
     * after the CONNACK; each carries the CONNECT's Authentication Method. Anything else is a Protocol
     * Error, as is any AUTH from a client whose CONNECT had no method [MQTT-4.12.0-7].
     */
    private void onAuth(MqttMessage m) {
        if (authMethod == null) {
            throw new ProtocolViolation(ReasonCodes.PROTOCOL_ERROR, "AUTH without an Authentication Method");
        }
        MqttProperties props = ((MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader()).properties();
        if (!authMethod.equals(PropertyValues.string(props, MqttPropertyType.AUTHENTICATION_METHOD))) {
            // [MQTT-4.12.1-1]; an AUTH 0x18 must carry it as well
            throw new ProtocolViolation(ReasonCodes.PROTOCOL_ERROR, "AUTH with another Authentication Method than the CONNECT's");
        }
        byte[] data = PropertyValues.binary(props, MqttPropertyType.AUTHENTICATION_DATA);
        int reason = ((MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader()).reasonCode() & 0xFF;
        if (reason == ReasonCodes.CONTINUE_AUTHENTICATION && exchange != null) {
            onStep(exchange.next(data));
        } else if (reason == ReasonCodes.RE_AUTHENTICATE && connection != null && exchange == null) {
            exchange = methods.find(authMethod).begin(connection.clientId());
            onStep(exchange.start(data));
        } else {
            throw new ProtocolViolation(ReasonCodes.PROTOCOL_ERROR, "AUTH " + ClientLog.hex(reason)
                    + (exchange == null ? " with no authentication under way" : " during an authentication exchange"));
        }
    }

    /** The method's next step: a challenge (AUTH 0x18 [MQTT-4.12.0-2]), the end of the exchange, or a refusal. */
    private void onStep(EnhancedAuthenticator.Step step) {
        if (step instanceof EnhancedAuthenticator.Challenge c) {
            ctx.writeAndFlush(Packets.auth(ReasonCodes.CONTINUE_AUTHENTICATION, authProperties(c.data(), null)));
            return;
        }
        exchange = null;
        if (step instanceof EnhancedAuthenticator.Success s) {
            if (connection == null) {
                connectAuthenticated(s);
            } else {
                reauthenticated(s);
            }
            return;
        }
        EnhancedAuthenticator.Failure f = (EnhancedAuthenticator.Failure) step;
        if (connection == null) {
            int code = f.verdict() == Authenticator.Verdict.BAD_CREDENTIALS
                    ? ReasonCodes.BAD_USER_NAME_OR_PASSWORD : ReasonCodes.NOT_AUTHORIZED;
            refusedUser = f.username();
            refuse(new ConnectHandler.Refused(code, f.why(), true), pendingConnect); // [MQTT-4.12.0-4]
        } else {
            reauthenticationFailed(f.why());
        }
    }

    private void connectAuthenticated(EnhancedAuthenticator.Success s) {
        MqttConnectMessage connect = pendingConnect;
        ConnectHandler.Result result = connectHandler.authenticated(connect, pending, s.username(), s.data());
        pending = null;
        pendingConnect = null;
        if (result instanceof ConnectHandler.Refused r) {
            refuse(r, connect);
        } else {
            accepted((ConnectHandler.Accepted) result, connect);
        }
    }

    /**
     * A successful re-authentication: AUTH 0x00. The connection keeps its user (the ACL decided its
     * subscriptions for that user), so re-authenticating as another user is a failure.
     */
    private void reauthenticated(EnhancedAuthenticator.Success s) {
        if (!Objects.equals(s.username(), connection.username())) {
            reauthenticationFailed("re-authenticated as another user");
            return;
        }
        ctx.writeAndFlush(Packets.auth(ReasonCodes.SUCCESS, authProperties(s.data(), "re-authenticated")));
    }

    /**
     * A failed re-authentication: DISCONNECT 0x87, then close [MQTT-4.12.1-2]; counted and slowed
     * like a refused CONNECT, and nothing more is read meanwhile.
     */
    private void reauthenticationFailed(String why) {
        long delay = throttle.failed(remoteInetAddress());
        closing = true;
        ctx.channel().config().setAutoRead(false);
        Runnable answer = () -> fail("re-authentication-failed", ReasonCodes.NOT_AUTHORIZED, why);
        if (delay == 0) {
            answer.run();
        } else {
            ctx.executor().schedule(answer, delay, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The properties of an AUTH: the CONNECT's method [MQTT-4.12.0-5], the method's data, and a
     * Reason String if the client asked for problem information and it fits [MQTT-3.15.2-2].
     */
    private MqttProperties authProperties(byte[] data, String reason) {
        MqttProperties p = new MqttProperties();
        p.add(new MqttProperties.StringProperty(MqttPropertyType.AUTHENTICATION_METHOD.value(), authMethod));
        if (data != null) {
            p.add(new MqttProperties.BinaryProperty(MqttPropertyType.AUTHENTICATION_DATA.value(), data));
        }
        return reason == null ? p : reasons.forAuth(reason, 1, p); // the reason code precedes the properties
    }

    private InetAddress remoteInetAddress() {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    /** The CONNECT as authentication must see it: with the certificate's CN as user name, if the listener says so. */
    private MqttConnectMessage withCertificateUsername(MqttConnectMessage m) {
        String identity = attribute(CERTIFICATE_USERNAME);
        if (identity == null) {
            return m;
        }
        MqttConnectVariableHeader h = m.variableHeader();
        MqttConnectPayload p = m.payload();
        log.debug("{}: user name '{}' from the client certificate replaces {}", ctx.channel().remoteAddress(), identity,
                h.hasUserName() ? "'" + p.userName() + "'" : "none");
        MqttConnectVariableHeader header = new MqttConnectVariableHeader(h.name(), h.version(), true, h.hasPassword(),
                h.isWillRetain(), h.willQos(), h.isWillFlag(), h.isCleanSession(), h.keepAliveTimeSeconds(),
                h.properties());
        MqttConnectPayload payload = new MqttConnectPayload(p.clientIdentifier(), p.willProperties(), p.willTopic(),
                p.willMessageInBytes(), identity, p.passwordInBytes());
        return new MqttConnectMessage(m.fixedHeader(), header, payload);
    }

    /**
     * A refused CONNECT: CONNACK with the code, then close. A refusal by the authenticator is counted
     * and answered after the back-off of its source address, scheduled on the event loop (never
     * waited for); meanwhile nothing more is read from the connection.
     */
    private void refuse(ConnectHandler.Refused r, MqttConnectMessage m) {
        long delay = 0;
        if (r.authFailure()) {
            delay = throttle.failed(remoteInetAddress());
        }
        logRefused(m, r.code(), r.why() + (delay > 0 ? ", answered in " + delay + " ms" : ""));
        closing = true;
        ctx.channel().config().setAutoRead(false);
        Runnable answer = () -> {
            if (r.code() >= 0) {
                ctx.writeAndFlush(Packets.connack(r.code(), false, connackReason(r.why())));
            }
            closeNow();
        };
        if (delay == 0) {
            answer.run();
        } else {
            ctx.executor().schedule(answer, delay, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The CONNACK of a connection above max_connections, then close. 3.x: 0x03 Server unavailable.
     * 5.0: 0x97 Quota exceeded, "an implementation or administrative imposed limit has been
     * exceeded" (5.0 section 3.2.2.2.2), which a configured connection limit is; 0x89 Server busy
     * ("the Server is busy, try again later") describes a transient load, and a limit stays until
     * other clients leave or the operator raises it.
     */
    private void refuseOverConnectionLimit(MqttConnectMessage m) {
        int code = version >= Packets.V5 ? ReasonCodes.QUOTA_EXCEEDED : ReasonCodes.V3_SERVER_UNAVAILABLE;
        logRefused(m, code, "max_connections reached");
        ctx.writeAndFlush(Packets.connack(code, false, connackReason("max_connections reached")));
        closeNow();
    }

    /**
     * The properties of a refusing 5.0 CONNACK: the refusal's reason, which names no credential
     * (allowed whatever Request Problem Information says [MQTT-3.1.2-29]), if it fits [MQTT-3.2.2-19].
     */
    private MqttProperties connackReason(String why) {
        // the acknowledge flags and the reason code precede the properties
        return reasons.forConnackOrDisconnect(why, 2, MqttProperties.NO_PROPERTIES);
    }

    /**
     * The activity line of a refused CONNECT: the client id and user name it gave (for enhanced
     * authentication, the one the exchange named), never its password.
     */
    private void logRefused(MqttConnectMessage m, int code, String why) {
        String user = refusedUser != null ? refusedUser : m.variableHeader().hasUserName() ? m.payload().userName() : null;
        ClientLog.refused(m.payload().clientIdentifier(), address(), listener(), protocolName(version), user, code, why);
    }

    /** The client's address as "ip:port" ("[v6]:port"). */
    private String address() {
        SocketAddress remote = ctx.channel().remoteAddress();
        if (remote instanceof InetSocketAddress a && a.getAddress() != null) {
            String ip = a.getAddress().getHostAddress();
            return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + a.getPort();
        }
        return String.valueOf(remote);
    }

    /** The listener as "type:port", e.g. "tcp:1883" (the port bound, so port 0 shows the one picked). */
    private String listener() {
        String type = ctx.channel().attr(LISTENER_TYPE).get();
        SocketAddress local = ctx.channel().localAddress();
        String port = local instanceof InetSocketAddress a ? Integer.toString(a.getPort()) : "-";
        // interned: a handful of listeners, so one instance each instead of one per connection
        return ((type == null ? "tcp" : type) + ":" + port).intern();
    }

    private static String protocolName(int level) {
        return switch (level) {
            case Packets.V31 -> "3.1";
            case Packets.V311 -> "3.1.1";
            case Packets.V5 -> "5.0";
            default -> "level-" + level;
        };
    }

    // ---------------------------------------------------------------- PUBLISH

    private void onPublish(MqttPublishMessage m) {
        boolean v5 = version >= Packets.V5;
        int qos = m.fixedHeader().qosLevel().value();
        int packetId = m.variableHeader().packetId();
        MqttProperties props = m.variableHeader().properties();
        if (qos > limits.maxQos()) {
            throw new ProtocolViolation(ReasonCodes.QOS_NOT_SUPPORTED, "QoS above maximum"); // [MQTT-3.2.2-11]
        }
        if (m.fixedHeader().isRetain() && !limits.retainAvailable()) {
            throw new ProtocolViolation(ReasonCodes.RETAIN_NOT_SUPPORTED, "retain not available"); // [MQTT-3.2.2-14]
        }
        String topic = v5 ? aliases.resolve(m.variableHeader().topicName(), props) : m.variableHeader().topicName();
        if (!Topics.isValidName(topic) || Topics.tooDeep(topic, limits.maxTopicLevels())) {
            throw new ProtocolViolation(ReasonCodes.TOPIC_NAME_INVALID, "invalid topic name"); // [MQTT-3.3.2-2]
        }
        MessageProperties carried = v5 ? carriedProperties(props) : MessageProperties.NONE;
        if (v5 && qos > 0) {
            quota.received(packetId); // [MQTT-3.3.4-7]
        }
        byte[] payload = ByteBufUtil.getBytes(m.payload());
        InboundPublish p = new InboundPublish(topic, qos, m.fixedHeader().isRetain(), packetId, payload, carried);
        deferUntilTheEndOfTheReadRound();
        toEngine(() -> engine.publish(connection, p));
    }

    private static MessageProperties carriedProperties(MqttProperties props) {
        if (props.getProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value()) != null) {
            throw new ProtocolViolation(ReasonCodes.PROTOCOL_ERROR, "Subscription Identifier from a client"); // [MQTT-3.3.4-6]
        }
        MessageProperties carried = PublishProperties.from(props);
        if (carried.responseTopic() != null && !Topics.isValidName(carried.responseTopic())) {
            throw new ProtocolViolation(ReasonCodes.PROTOCOL_ERROR, "invalid Response Topic"); // [MQTT-3.3.2-14]
        }
        return carried;
    }

    // ---------------------------------------------------------------- SUBSCRIBE / DISCONNECT

    private void onSubscribe(MqttSubscribeMessage m) {
        boolean v5 = version >= Packets.V5;
        int subscriptionId = v5 ? (int) PropertyValues.unsigned(m.idAndPropertiesVariableHeader().properties(),
                MqttPropertyType.SUBSCRIPTION_IDENTIFIER, 0) : 0;
        List<SubscriptionRequest> requests = new ArrayList<>();
        for (MqttTopicSubscription t : m.payload().topicSubscriptions()) {
            var o = t.option();
            if (v5 && o.isNoLocal() && t.topicName().startsWith("$share/")) {
                throw new ProtocolViolation(ReasonCodes.PROTOCOL_ERROR, "No Local on a shared subscription"); // [MQTT-3.8.3-4]
            }
            SubscriptionOptions asked = v5
                    ? new SubscriptionOptions(o.qos().value(), o.isNoLocal(), o.isRetainAsPublished(),
                            o.retainHandling().value(), subscriptionId)
                    : SubscriptionOptions.ofQos(t.qualityOfService().value());
            requests.add(new SubscriptionRequest(t.topicName(), asked));
        }
        int packetId = m.variableHeader().messageId();
        toEngine(() -> engine.subscribe(connection, packetId, requests));
    }

    private void onUnsubscribe(MqttUnsubscribeMessage m) {
        int packetId = m.variableHeader().messageId();
        List<String> filters = m.payload().topics();
        toEngine(() -> engine.unsubscribe(connection, packetId, filters));
    }

    private void onDisconnect(MqttMessage m) {
        boolean withWill = false;
        long newExpiry = -1;
        int reasonCode = version >= Packets.V5 ? ReasonCodes.SUCCESS : -1; // 5.0: no variable header means 0x00
        if (version >= Packets.V5 && m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h) {
            reasonCode = h.reasonCode() & 0xFF;
            withWill = (h.reasonCode() & 0xFF) == ReasonCodes.DISCONNECT_WITH_WILL;
            newExpiry = PropertyValues.unsigned(h.properties(), MqttPropertyType.SESSION_EXPIRY_INTERVAL, -1);
            if (newExpiry > 0 && connection.expiryInterval() == 0) {
                throw new ProtocolViolation(ReasonCodes.PROTOCOL_ERROR, "session expiry set on DISCONNECT after 0 at CONNECT");
            }
        }
        boolean will = withWill;
        long expiry = newExpiry;
        int reason = reasonCode;
        toEngine(() -> engine.disconnect(connection, reason, will, expiry));
        closeNow();
    }

    // ---------------------------------------------------------------- order across connections

    /**
     * Hands a call to the engine, after this connection's calls held back in this read round if any
     * (a connection's packets always reach the engine in the order they were read).
     */
    private void toEngine(Runnable call) {
        if (heldBack != null) {
            heldBack.add(call);
        } else {
            call.run();
        }
    }

    /**
     * A PUBLISH, and whatever this connection sends after it in the same read round, reaches the
     * engine only at the end of the event loop's round, after the packets of every other connection
     * read in that round. Within one round the broker cannot tell which of two connections' packets
     * arrived first: epoll may report two sockets in the reverse of the order in which they became
     * readable. So a SUBSCRIBE or UNSUBSCRIBE read in the same round as another client's PUBLISH is
     * applied first, as the client that sent the SUBSCRIBE and then told the publisher to go expects
     * (CrossConnectionOrderTest).
     */
    private void deferUntilTheEndOfTheReadRound() {
        if (heldBack == null) {
            heldBack = new ArrayList<>(4);
            ctx.executor().execute(this::releaseHeldBack); // tasks run after the round's reads
        }
    }

    private void releaseHeldBack() {
        List<Runnable> calls = heldBack;
        heldBack = null;
        for (Runnable call : calls) {
            call.run();
        }
        pauseWhileTheInboxIsFull();
    }

    // ---------------------------------------------------------------- back-pressure

    /** A flood does not pile up in the engine's inbox: reading stops until it is down to half. */
    private void pauseWhileTheInboxIsFull() {
        if (engine.inboxFull() && !gate.paused(ReadGate.INBOX_FULL)) {
            gate.pause(ReadGate.INBOX_FULL);
            engine.whenInboxDrains(() -> ctx.executor().execute(() -> gate.resume(ReadGate.INBOX_FULL)));
        }
    }

    /**
     * A client that does not read what is written to it: the engine stops pumping to it (its messages
     * wait in its queue, counted against its budgets) and the broker stops reading from it.
     */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        boolean writable = ctx.channel().isWritable();
        if (connection != null) {
            if (writable) {
                gate.resume(ReadGate.NOT_READING_ITS_OWN);
            } else {
                gate.pause(ReadGate.NOT_READING_ITS_OWN);
            }
            engine.writable(connection, writable);
        }
        super.channelWritabilityChanged(ctx);
    }

    // ---------------------------------------------------------------- errors

    private void onMalformed(int reasonCode, String reason, boolean inConnect) {
        log.debug("malformed packet from {}: {}", ctx.channel().remoteAddress(), reason);
        if (connection == null || inConnect) {
            closeNow(); // before CONNACK only a CONNACK could carry the reason; closing is enough
            return;
        }
        fail("protocol-error", reasonCode, reason);
    }

    /**
     * A protocol error (or keep-alive timeout: {@code why}) after CONNECT: 5.0 gets DISCONNECT with
     * the reason first; then close. The activity log says why when the engine hears of the close.
     */
    private void fail(String why, int reasonCode, String reason) {
        log.debug("closing {}: {}", connection, reason);
        closeReason = why;
        // the reason code is what a 5.0 client was sent; 3.x clients are closed without one
        String code = version >= Packets.V5 ? "rc=" + ClientLog.hex(reasonCode) + " " : "";
        closeDetail = code + "detail=\"" + reason + "\"";
        if (connection != null && version >= Packets.V5) {
            // the reason code alone precedes the properties
            ChannelFuture written = ctx.writeAndFlush(Packets.disconnect(reasonCode,
                    reasons.forConnackOrDisconnect(reason, 1, MqttProperties.NO_PROPERTIES)));
            closeAfterDisconnect(written);
            return;
        }
        closeNow();
    }

    /**
     * Closes after a DISCONNECT this side sent, so that the client reads it. A client still sending
     * (one past its Receive Maximum, say) would otherwise meet a socket closed with its data unread,
     * which the kernel answers with a reset that can destroy the DISCONNECT before the client reads
     * it. So on plain TCP: end the output (the DISCONNECT, then FIN), read on and discard until the
     * client closes, at most {@link #LINGER_MS}; the engine hears of the end at once, as on a close.
     * TLS and WebSocket close at once (their own closing handshakes are not a half-close).
     */
    private void closeAfterDisconnect(ChannelFuture disconnectWritten) {
        closing = true;
        Channel ch = ctx.channel();
        if (!(ch instanceof DuplexChannel duplex) || ctx.pipeline().get(SslHandler.class) != null
                || ctx.pipeline().get(WebSocketServerProtocolHandler.class) != null) {
            ctx.close();
            return;
        }
        reportLost();
        // after the DISCONNECT is in the socket: a half-close fails whatever is still queued
        disconnectWritten.addListener(f -> {
            if (f.isSuccess() && duplex.isActive()) {
                duplex.shutdownOutput();
            }
        });
        ctx.executor().schedule(() -> ctx.close(), LINGER_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * The engine ends the connection (a takeover, 0x8E; a budget exceeded, 0x97; a shutdown, 0x8B):
     * after a DISCONNECT it sent, as after one this side sent; otherwise at once.
     */
    private void closeForEngine(ChannelFuture disconnect) {
        if (disconnect != null && !closing) {
            closeAfterDisconnect(disconnect);
        } else {
            closeNow();
        }
    }

    /** How long a connection closed after a DISCONNECT waits for the client to close first. */
    static final long LINGER_MS = 1_000;

    private void closeNow() {
        closing = true;
        ctx.close();
    }
}
