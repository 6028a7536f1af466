package io.cairn.session;

import io.cairn.store.SubscriptionOptions;

/**
 * One topic filter of a SUBSCRIBE with the options the client asked for (requested QoS included).
 *
 * <p>Threading: immutable.
 */
public record SubscriptionRequest(String filter, SubscriptionOptions requested) {
}
