package io.cairn.engine;

import io.cairn.state.SessionState;

import java.util.List;

/**
 * A durable session the operator declared ({@code [[sessions]]}), as the engine needs it: the broker
 * builds these from its configuration (the engine reads no configuration). The engine creates the
 * session at start-up if it is absent, adds the subscriptions it lacks, and re-creates it with its
 * subscriptions whenever a connection's clean start (or a 3.1.1 clean session's end) discards it.
 *
 * @param clientId      the session's client id
 * @param subscriptions its subscriptions: topic filter (or {@code $share/...}) and maximum QoS
 * @param expiry        its Session Expiry Interval in seconds, 1..{@link SessionState#NEVER_EXPIRES};
 *                      it wins over the interval a connecting client asks for
 *
 * <p>Threading: immutable.
 */
public record DeclaredSession(String clientId, List<Subscription> subscriptions, long expiry) {

    public DeclaredSession {
        subscriptions = List.copyOf(subscriptions);
        if (expiry < 1 || expiry > SessionState.NEVER_EXPIRES) {
            throw new IllegalArgumentException("expiry out of range: " + expiry);
        }
    }

    /** One declared subscription: a topic filter (or {@code $share/...}) and its maximum QoS. */
    public record Subscription(String filter, int qos) {}
}
