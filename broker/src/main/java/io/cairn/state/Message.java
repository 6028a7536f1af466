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

    /**
     * Heap bytes this message costs: the object, its payload array and topic string (with their
     * headers and 8-byte alignment) and its properties. Checked against a heap measurement in
     * HeldBytesMeasurementTest.
     */
    public long footprint() {
        return OBJECT + align(16L + payload.length) + 24 + align(16L + topic.length()) + properties.footprint();
    }

    /** The Message object itself: header, id, expiry, QoS, flag and four references. */
    private static final long OBJECT = 48;

    private static long align(long n) {
        return (n + 7) & ~7L;
    }

    /** Messages are identified by their broker-wide id. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Message m && m.id == id;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(id);
    }
}
