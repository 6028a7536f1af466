package io.cairn.engine;

import io.cairn.routing.QueueLimits;

/**
 * The limits the engine enforces, as small values (the broker builds them from its configuration).
 *
 * @param maxQos         highest QoS granted to a subscription
 * @param maxTopicLevels most levels a subscription filter may have; 0 = no limit
 * @param queues         per-session queue bounds and whether QoS 0 is queued for offline sessions
 *
 * <p>Threading: immutable.
 */
public record EngineLimits(int maxQos, int maxTopicLevels, QueueLimits queues) {
}
