package io.cairn.engine;

import io.cairn.routing.Budgets;

/**
 * The limits the engine enforces, as small values (the broker builds them from its configuration).
 *
 * @param maxQos             highest QoS granted to a subscription
 * @param maxTopicLevels     most levels a subscription filter may have; 0 = no limit
 * @param budgets            what sessions and subscription filters may hold, and whether QoS 0 is
 *                           queued for offline sessions ({@code budgets.session()})
 * @param holdTimeoutSeconds how long an MQTT 3.x client may be held by back-pressure before it is
 *                           disconnected
 *
 * <p>Threading: immutable.
 */
public record EngineLimits(int maxQos, int maxTopicLevels, Budgets budgets, long holdTimeoutSeconds) {
}
