package io.cairn.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client activity log: one INFO line per connect, disconnect (with its reason), refused
 * connect, takeover, session expiry and published Will, all on the logger {@value #CATEGORY} so an
 * operator can switch it on or off alone ({@code [log] clients}). Lines are {@code key=value}
 * pairs after a fixed prefix, so they can be grepped and parsed; values that may hold spaces
 * (reasons) are quoted. Passwords are never given to this class.
 *
 * <p>Threading: stateless; safe from any thread (the engine thread and the event loops call it).
 */
public final class ClientLog {

    /** The logger name of the activity lines. */
    public static final String CATEGORY = "cairn.clients";

    private static final Logger log = LoggerFactory.getLogger(CATEGORY);

    private ClientLog() {
    }

    /** An accepted CONNECT, once the session is opened (or resumed: {@code sessionPresent}). */
    static void connected(Connection c, boolean sessionPresent) {
        log.info("client connected: id={} addr={} listener={} mqtt={} clean={} expiry={} user={} session-present={}",
                c.clientId, c.address(), c.listener(), c.protocol(), c.cleanStart, expiry(c.expiryInterval),
                orDash(c.username), sessionPresent);
    }

    /**
     * The connection of a client ended: {@code reason} is a fixed token (disconnect, connection-lost,
     * keep-alive-timeout, protocol-error, taken-over, server-shutdown, hold-timeout), {@code detail}
     * adds the reason code or the protocol error, or is null.
     */
    static void disconnected(Connection c, String reason, String detail) {
        log.info("client disconnected: id={} addr={} reason={}{}", c.clientId, c.address(), reason,
                detail == null ? "" : " " + detail);
    }

    /** A CONNECT refused by the protocol layer; {@code code} is the CONNACK code sent, or -1 for none. */
    public static void refused(String clientId, String address, String listener, String protocol, String username,
                               int code, String why) {
        log.info("client refused: id={} addr={} listener={} mqtt={} user={} rc={} reason=\"{}\"", orDash(clientId),
                address, listener, protocol, orDash(username), code < 0 ? "-" : hex(code), why);
    }

    /** A new connection took the session of a connected client. */
    static void takenOver(String clientId, String oldAddress, String newAddress) {
        log.info("client taken over: id={} old={} new={}", clientId, oldAddress, newAddress);
    }

    /** An offline session reached its expiry and ended. */
    static void sessionExpired(String clientId) {
        log.info("session expired: id={}", clientId);
    }

    /** The broker published a client's Will. */
    static void willPublished(String clientId, String topic, int qos, boolean retain) {
        log.info("will published: id={} topic={} qos={} retain={}", clientId, topic, qos, retain);
    }

    /** A 5.0 reason code as the specification writes it: 0x8D. */
    public static String hex(int code) {
        return String.format("0x%02X", code);
    }

    private static String expiry(long seconds) {
        return seconds == io.cairn.state.SessionState.NEVER_EXPIRES ? "never" : Long.toString(seconds);
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}
