package io.cairn.routing;

/**
 * What one session may hold: QoS 1/2 deliveries beyond which a new message is not queued for it,
 * and whether QoS 0 messages are queued for a session without a connection.
 *
 * <p>Threading: immutable.
 */
public record QueueLimits(int maxMessages, long maxBytes, boolean queueQos0) {
}
