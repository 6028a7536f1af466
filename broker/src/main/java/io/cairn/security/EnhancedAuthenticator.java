package io.cairn.security;

/**
 * One MQTT 5.0 enhanced authentication method (5.0 section 4.12): the Authentication Method a
 * CONNECT names, and the challenge/response exchange behind it. Each exchange (the one of a CONNECT,
 * or one re-authentication) is a new {@link Conversation}; the protocol layer carries the data in
 * AUTH packets and turns the last {@link Step} into CONNACK, AUTH 0x00 or DISCONNECT.
 *
 * <p>Threading: implementations must be safe to call from any event loop; a {@link Conversation}
 * is used by one connection's event loop only.
 */
public interface EnhancedAuthenticator {

    /** The Authentication Method this authenticator answers to, e.g. {@code SCRAM-SHA-512}. */
    String method();

    /** A new exchange for {@code clientId}. */
    Conversation begin(String clientId);

    /** One exchange: the client's data in, the broker's next step out. */
    interface Conversation {

        /** The client's first data (CONNECT or AUTH 0x19 Authentication Data; null when absent). */
        Step start(byte[] data);

        /** The client's data of an AUTH 0x18 (null when absent). */
        Step next(byte[] data);
    }

    /** What the broker does next. */
    sealed interface Step permits Challenge, Success, Failure {}

    /** Send this data to the client (AUTH 0x18) and wait for its answer. */
    record Challenge(byte[] data) implements Step {}

    /**
     * The client is {@code username} (the name the ACL sees); {@code data} (may be null) goes with the
     * CONNACK or AUTH 0x00, e.g. the SCRAM server-final message.
     */
    record Success(String username, byte[] data) implements Step {}

    /**
     * Refused: {@code verdict} picks the reason code; {@code why} is for the log and the Reason String,
     * so it must not tell which part of the credentials was wrong. {@code username}: who the client
     * claimed to be, for the log (null when the exchange did not get that far).
     */
    record Failure(Authenticator.Verdict verdict, String why, String username) implements Step {}
}
