package io.cairn.state;

/**
 * One message on its way to one session: the shared message plus what is particular to this
 * subscriber (the QoS after downgrade, the RETAIN flag it gets, its Subscription Identifiers).
 *
 * @param message         the shared message
 * @param qos             min(message QoS, granted QoS)
 * @param retain          RETAIN flag to send
 * @param subscriptionIds Subscription Identifiers of the matching subscriptions (may be empty)
 *
 * <p>Threading: immutable (the array is never written after construction).
 */
public record Delivery(Message message, int qos, boolean retain, int[] subscriptionIds) {

    static final int[] NO_IDS = new int[0];
}
