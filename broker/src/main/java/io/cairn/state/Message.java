package io.cairn.state;

/**
 * An application message as the broker accepted it. The payload is held once, however many sessions
 * it is queued for: deliveries refer to this object.
 *
 * @param id              broker-wide sequence number, assigned at acceptance
 * @param topic           topic name
 * @param qos             QoS the publisher sent it with
 * @param retain          the publisher's RETAIN flag
 * @param payload         application payload; never modified
 * @param properties      MQTT 5 properties carried through untouched
 * @param expiresAtMillis wall-clock expiry from Message Expiry Interval, or 0 for never
 *
 * <p>Threading: immutable (the payload array is never written after construction).
 */
public record Message(long id, String topic, int qos, boolean retain, byte[] payload,
                      MessageProperties properties, long expiresAtMillis) {


    public boolean expired(long nowMillis) {
        return expiresAtMillis != 0 && nowMillis >= expiresAtMillis;
    }

    /** Seconds left for the forwarded Message Expiry Interval [MQTT-3.3.2-6], at least 1 while alive. */
    public long remainingExpirySeconds(long nowMillis) {
        long left = expiresAtMillis - nowMillis;
        return Math.max(1, (left + 999) / 1000);
    }

    /** Bytes this message costs in memory, roughly: payload, topic and properties. */
    public long footprint() {
        return 64L + payload.length + 2L * topic.length() + properties.footprint();
    }
}
