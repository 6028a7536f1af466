package io.cairn.protocol;

import io.cairn.config.BrokerConfig;
import io.cairn.security.AuthMethods;
import io.cairn.security.Authenticator;
import io.cairn.security.EnhancedAuthenticator;
import io.cairn.security.Authorizer;
import io.cairn.state.SessionState;
import io.cairn.state.Will;
import io.cairn.topic.Topics;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;

import java.util.UUID;
import java.util.function.ToLongFunction;

/**
 * The rules of CONNECT that need no session state: client identifier, authentication, the Will,
 * session expiry, keep alive and the 5.0 limits both sides announce. The result is either a refusal
 * (with the CONNACK code of the client's version) or everything the engine and the CONNACK need; with
 * a 5.0 Authentication Method, first the start of the enhanced authentication exchange, whose end
 * {@link #authenticated} turns into the same.
 *
 * <p>Threading: stateless apart from its immutable settings; safe from any event loop.
 */
final class ConnectHandler {

    /** What a CONNECT leads to. */
    sealed interface Result permits Accepted, Refused, Authenticating {}

    /**
     * A refused CONNECT: CONNACK {@code code} (none when -1), then close. {@code authFailure}: refused
     * by the authenticator (counted, and slowed per source address).
     */
    record Refused(int code, String why, boolean authFailure) implements Result {
        Refused(int code, String why) {
            this(code, why, false);
        }
    }

    /**
     * A CONNECT with an offered Authentication Method: the exchange {@code conversation} starts with
     * the CONNECT's Authentication Data {@code data} (null when absent); {@code connackProperties}
     * so far (an Assigned Client Identifier) wait for the CONNACK.
     */
    record Authenticating(String clientId, String method, EnhancedAuthenticator.Conversation conversation, byte[] data,
                          MqttProperties connackProperties) implements Result {}

    /** An accepted CONNECT, as the engine and the CONNACK need it. */
    record Accepted(String clientId, String username, int version, boolean cleanStart, long expiry, Will will, int keepAliveSeconds,
                    int sendWindow, long maxPacketSize, MqttProperties connackProperties) implements Result {}

    private final BrokerConfig.Mqtt limits;
    private final ToLongFunction<String> declaredExpiry;
    private final Authenticator authenticator;
    private final Authorizer authorizer;
    private final AuthMethods methods;

    ConnectHandler(BrokerConfig.Mqtt limits, Authenticator authenticator, Authorizer authorizer, AuthMethods methods) {
        this(limits, authenticator, authorizer, methods, clientId -> -1);
    }

    /**
     * As above; {@code declaredExpiry} gives the Session Expiry Interval of a declared session
     * ({@code [[sessions]]}) by client id, or -1 when none is declared: it wins over what the client asks.
     */
    ConnectHandler(BrokerConfig.Mqtt limits, Authenticator authenticator, Authorizer authorizer, AuthMethods methods,
                   ToLongFunction<String> declaredExpiry) {
        this.declaredExpiry = declaredExpiry;
        this.limits = limits;
        this.authenticator = authenticator;
        this.authorizer = authorizer;
        this.methods = methods;
    }

    Result handle(MqttConnectMessage m) {
        MqttConnectVariableHeader h = m.variableHeader();
        MqttConnectPayload p = m.payload();
        int version = h.version();
        boolean v5 = version >= Packets.V5;
        MqttProperties connack = v5 ? new MqttProperties() : MqttProperties.NO_PROPERTIES;
        String clientId = p.clientIdentifier() == null ? "" : p.clientIdentifier();
        if (clientId.isEmpty()) {
            if (version == Packets.V31 || (version == Packets.V311 && !h.isCleanSession())) {
                return new Refused(ReasonCodes.V3_IDENTIFIER_REJECTED, "empty client id"); // [MQTT-3.1.3-8]
            }
            // [MQTT-3.1.3-6]: a unique id, returned to 5.0 clients [MQTT-3.1.3-7]
            clientId = "cairn-" + UUID.randomUUID();
            if (v5) {
                connack.add(new MqttProperties.StringProperty(MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER.value(), clientId));
            }
        } else if (version == Packets.V31 && clientId.length() > 23) {
            return new Refused(ReasonCodes.V3_IDENTIFIER_REJECTED, "3.1 client id longer than 23 characters");
        }
        String method = v5 ? PropertyValues.string(h.properties(), MqttPropertyType.AUTHENTICATION_METHOD) : null;
        if (method != null) {
            return enhanced(m, clientId, method, connack);
        }
        Refused refused = authenticate(h, p, clientId, v5);
        if (refused == null) {
            refused = checkWill(h, p, v5);
        }
        String user = h.hasUserName() ? p.userName() : null;
        if (refused == null) {
            refused = authorizeWill(h, p, clientId, user, v5);
        }
        if (refused != null) {
            return refused;
        }
        return accept(h, p, clientId, user, connack);
    }

    /**
     * The start of enhanced authentication: an Authentication Method that is not offered is refused
     * with 0x8C [MQTT-4.12.0-1]; so is a CONNECT whose Will could never be accepted, before any
     * exchange. The method decides alone: the CONNECT's user name and password are not checked.
     */
    private Result enhanced(MqttConnectMessage m, String clientId, String method, MqttProperties connack) {
        EnhancedAuthenticator auth = methods.find(method);
        if (auth == null) {
            return new Refused(ReasonCodes.BAD_AUTHENTICATION_METHOD, "unsupported authentication method");
        }
        Refused refused = checkWill(m.variableHeader(), m.payload(), true);
        if (refused != null) {
            return refused;
        }
        byte[] data = PropertyValues.binary(m.variableHeader().properties(), MqttPropertyType.AUTHENTICATION_DATA);
        return new Authenticating(clientId, method, auth.begin(clientId), data, connack);
    }

    /**
     * The end of a successful enhanced authentication of {@code m}: {@code username} is who the
     * method authenticated (the ACL's user for this connection, the Will's included); the CONNACK
     * carries the method and the method's final data [MQTT-4.12.0-5].
     */
    Result authenticated(MqttConnectMessage m, Authenticating a, String username, byte[] data) {
        Refused refused = authorizeWill(m.variableHeader(), m.payload(), a.clientId(), username, true);
        if (refused != null) {
            return refused;
        }
        MqttProperties connack = a.connackProperties();
        connack.add(new MqttProperties.StringProperty(MqttPropertyType.AUTHENTICATION_METHOD.value(), a.method()));
        if (data != null) {
            connack.add(new MqttProperties.BinaryProperty(MqttPropertyType.AUTHENTICATION_DATA.value(), data));
        }
        return accept(m.variableHeader(), m.payload(), a.clientId(), username, connack);
    }

    private Refused authenticate(MqttConnectVariableHeader h, MqttConnectPayload p, String clientId, boolean v5) {
        String user = h.hasUserName() ? p.userName() : null;
        byte[] password = h.hasPassword() ? p.passwordInBytes() : null;
        return switch (authenticator.authenticate(clientId, user, password)) {
            case ADMIT -> null;
            case BAD_CREDENTIALS -> new Refused(v5 ? ReasonCodes.BAD_USER_NAME_OR_PASSWORD
                    : ReasonCodes.V3_BAD_USER_NAME_OR_PASSWORD, "bad user name or password", true);
            case NOT_AUTHORIZED -> new Refused(v5 ? ReasonCodes.NOT_AUTHORIZED : ReasonCodes.V3_NOT_AUTHORIZED,
                    "not authorized", true);
        };
    }

    /**
     * A Will is a PUBLISH the broker makes later on the client's behalf, so the ACL must let the
     * client write its topic; refused now, while the client can still be told (5.0 0x87, 3.x 0x05).
     */
    private Refused authorizeWill(MqttConnectVariableHeader h, MqttConnectPayload p, String clientId, String username,
                                  boolean v5) {
        if (!h.isWillFlag() || authorizer.mayWrite(clientId, username, p.willTopic())) {
            return null;
        }
        return new Refused(v5 ? ReasonCodes.NOT_AUTHORIZED : ReasonCodes.V3_NOT_AUTHORIZED,
                "the ACL does not allow the Will's topic");
    }

    private Refused checkWill(MqttConnectVariableHeader h, MqttConnectPayload p, boolean v5) {
        if (!h.isWillFlag()) {
            return null;
        }
        if (!Topics.isValidName(p.willTopic()) || Topics.tooDeep(p.willTopic(), limits.maxTopicLevels())) {
            return new Refused(v5 ? ReasonCodes.TOPIC_NAME_INVALID : -1, "invalid will topic");
        }
        if (h.willQos() > limits.maxQos()) {
            return new Refused(v5 ? ReasonCodes.QOS_NOT_SUPPORTED : -1, "will QoS above maximum"); // [MQTT-3.2.2-12]
        }
        if (h.isWillRetain() && !limits.retainAvailable()) {
            return new Refused(v5 ? ReasonCodes.RETAIN_NOT_SUPPORTED : -1, "will retain unsupported"); // [MQTT-3.2.2-13]
        }
        return null;
    }

    private Accepted accept(MqttConnectVariableHeader h, MqttConnectPayload p, String clientId, String username,
                            MqttProperties connack) {
        int version = h.version();
        boolean v5 = version >= Packets.V5;
        long expiry = h.isCleanSession() ? 0 : SessionState.NEVER_EXPIRES;
        int sendWindow = limits.maxInflight();
        long maxPacket = Long.MAX_VALUE;
        // a declared session's expiry wins (5.0: the CONNACK says so, section 3.2.2.3.2); a 3.x clean
        // session still ends with its connection, and the engine declares the session anew then
        long declared = declaredExpiry.applyAsLong(clientId);
        if (declared > 0 && !v5 && !h.isCleanSession()) {
            expiry = declared;
        }
        if (v5) {
            long asked = PropertyValues.unsigned(h.properties(), MqttPropertyType.SESSION_EXPIRY_INTERVAL, 0);
            expiry = declared > 0 ? declared : Math.min(asked, limits.sessionExpiryMax());
            if (expiry != asked) {
                connack.add(new MqttProperties.IntegerProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), (int) expiry));
            }
            sendWindow = (int) PropertyValues.unsigned(h.properties(), MqttPropertyType.RECEIVE_MAXIMUM, 65535);
            maxPacket = PropertyValues.unsigned(h.properties(), MqttPropertyType.MAXIMUM_PACKET_SIZE, Long.MAX_VALUE);
        }
        int keepAlive = keepAlive(h.keepAliveTimeSeconds(), v5, connack);
        if (v5) {
            advertiseLimits(connack);
            responseInformation(h.properties(), clientId, connack);
        }
        return new Accepted(clientId, username, version, h.isCleanSession(), expiry, will(h, p, v5), keepAlive, sendWindow,
                maxPacket, connack);
    }

    private static Will will(MqttConnectVariableHeader h, MqttConnectPayload p, boolean v5) {
        if (!h.isWillFlag()) {
            return null;
        }
        MqttProperties wp = v5 ? p.willProperties() : MqttProperties.NO_PROPERTIES;
        return new Will(p.willTopic(), h.willQos(), h.isWillRetain(), p.willMessageInBytes(),
                PublishProperties.from(wp), PropertyValues.unsigned(wp, MqttPropertyType.WILL_DELAY_INTERVAL, 0));
    }

    /** The keep alive to enforce; 5.0 clients are told when it differs (Server Keep Alive). */
    private int keepAlive(int asked, boolean v5, MqttProperties connack) {
        int max = limits.maxKeepalive();
        int effective = asked == 0 ? 0 : Math.min(asked, max);
        if (v5 && asked == 0 && max < 65535) {
            effective = max;
        }
        if (v5 && effective != asked) {
            connack.add(new MqttProperties.IntegerProperty(MqttPropertyType.SERVER_KEEP_ALIVE.value(), effective));
        }
        return effective;
    }

    /**
     * Response Information, only when the client asked for it [MQTT-3.1.2-28] and the broker has a
     * prefix: "prefix/client id", a part of the topic tree that is this client's for as long as its
     * client id is (the use 5.0 section 3.2.2.3.15 suggests); not sent when the client id would make
     * it an invalid topic name (a '+' or '#' in it).
     */
    private void responseInformation(MqttProperties connect, String clientId, MqttProperties connack) {
        String prefix = limits.responseInformation();
        if (prefix == null
                || PropertyValues.unsigned(connect, MqttPropertyType.REQUEST_RESPONSE_INFORMATION, 0) != 1) {
            return;
        }
        String info = prefix + "/" + clientId;
        if (Topics.isValidName(info)) {
            connack.add(new MqttProperties.StringProperty(MqttPropertyType.RESPONSE_INFORMATION.value(), info));
        }
    }

    private void advertiseLimits(MqttProperties connack) {
        add(connack, MqttPropertyType.RECEIVE_MAXIMUM, limits.receiveMaximum());
        add(connack, MqttPropertyType.MAXIMUM_PACKET_SIZE, limits.maxPacketSize());
        add(connack, MqttPropertyType.TOPIC_ALIAS_MAXIMUM, limits.topicAliasMaximum());
        if (limits.maxQos() < 2) {
            add(connack, MqttPropertyType.MAXIMUM_QOS, limits.maxQos());
        }
        if (!limits.retainAvailable()) {
            add(connack, MqttPropertyType.RETAIN_AVAILABLE, 0);
        }
        add(connack, MqttPropertyType.SHARED_SUBSCRIPTION_AVAILABLE, 1);
    }

    private static void add(MqttProperties props, MqttPropertyType type, int value) {
        props.add(new MqttProperties.IntegerProperty(type.value(), value));
    }
}
