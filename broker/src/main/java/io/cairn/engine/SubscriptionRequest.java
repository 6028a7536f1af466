package io.cairn.engine;

import io.cairn.state.SubscriptionOptions;

/**
 * One topic filter of a SUBSCRIBE with the options the client asked for (requested QoS included).
 *
 * <p>Threading: immutable.
 */
public record SubscriptionRequest(String filter, SubscriptionOptions requested) {
}
