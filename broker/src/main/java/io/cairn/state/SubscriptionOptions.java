package io.cairn.state;

/**
 * What a session subscribed with: the granted maximum QoS and the MQTT 5 options. For 3.x clients
 * the options other than QoS keep their neutral values.
 *
 * @param qos               granted maximum QoS
 * @param noLocal           5.0 No Local: never deliver the session's own publications
 * @param retainAsPublished 5.0 Retain As Published: forward the publisher's RETAIN flag
 * @param retainHandling    5.0 Retain Handling 0, 1 or 2
 * @param subscriptionId    5.0 Subscription Identifier, or 0 for none
 *
 * <p>Threading: immutable.
 */
public record SubscriptionOptions(int qos, boolean noLocal, boolean retainAsPublished, int retainHandling,
                                  int subscriptionId) {

    public static SubscriptionOptions ofQos(int qos) {
        return new SubscriptionOptions(qos, false, false, 0, 0);
    }
}
