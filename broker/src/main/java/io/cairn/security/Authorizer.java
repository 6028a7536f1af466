package io.cairn.security;

/**
 * Decides what a connected client may do with a topic. The engine asks before it admits a PUBLISH
 * (write), grants a subscription (subscribe) and sends each delivery, retained ones included (read).
 * Implementations: {@link #ALLOW_ALL} (no ACL configured) and {@link FileAuthorizer}.
 *
 * <p>Threading: implementations must be safe to call from any thread (the engine thread and the
 * event loops call them).
 */
public interface Authorizer {

    /** {@code username} is null for a client that connected without one. */
    boolean mayWrite(String clientId, String username, String topic);

    boolean mayRead(String clientId, String username, String topic);

    /** Whether a SUBSCRIBE to {@code filter} is granted (see {@link Acl#maySubscribe}). */
    boolean maySubscribe(String clientId, String username, String filter);

    /** Everything allowed: the broker without an ACL file. */
    Authorizer ALLOW_ALL = new Authorizer() {
        @Override
        public boolean mayWrite(String clientId, String username, String topic) {
            return true;
        }

        @Override
        public boolean mayRead(String clientId, String username, String topic) {
            return true;
        }

        @Override
        public boolean maySubscribe(String clientId, String username, String filter) {
            return true;
        }
    };
}
