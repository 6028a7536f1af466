package io.cairn.security;

/**
 * Decides whether a client may connect with the credentials of its CONNECT. The protocol layer
 * turns the verdict into the CONNACK code of the client's version. Sources of credentials (password
 * file, client certificates, enhanced authentication) are implementations of this interface.
 *
 * <p>Threading: implementations must be safe to call from any event loop.
 */
@FunctionalInterface
public interface Authenticator {

    /** The outcome of one CONNECT. */
    enum Verdict { ADMIT, BAD_CREDENTIALS, NOT_AUTHORIZED }

    /** {@code username} and {@code password} are null when the CONNECT carries none. */
    Verdict authenticate(String clientId, String username, byte[] password);

    /**
     * With no credential source configured: everyone when anonymous access is allowed, nobody
     * otherwise (never "anyone who sends some user name": that would be open while looking closed).
     */
    static Authenticator withoutCredentials(boolean allowAnonymous) {
        return allowAnonymous ? (id, user, pass) -> Verdict.ADMIT : (id, user, pass) -> Verdict.NOT_AUTHORIZED;
    }
}
