package io.cairn.state;

/**
 * A Will Message held for a session: published when the connection ends other than by a normal
 * DISCONNECT, after {@code delaySeconds} (5.0 Will Delay Interval, 0 for 3.x).
 *
 * <p>Threading: immutable.
 */
public record Will(String topic, int qos, boolean retain, byte[] payload, MessageProperties properties,
                   long delaySeconds) {
}
