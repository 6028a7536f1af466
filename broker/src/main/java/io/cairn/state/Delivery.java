package io.cairn.state;

/**
 * One message on its way to one session: the shared message plus what is particular to this
 * subscriber (the QoS after downgrade, the RETAIN flag it gets, its Subscription Identifiers), and
 * the subscription filters whose budgets hold it while it is queued or in flight.
 *
 * <p>Threading: the message, QoS, flag and identifiers are immutable (the array is never written
 * after construction) and may be read from any thread that was handed the delivery (a snapshot);
 * {@link #heldVia} belongs to the engine thread.
 */
public final class Delivery {

    static final int[] NO_IDS = new int[0];
    static final HeldAccount[] NOT_HELD = new HeldAccount[0];

    private final Message message;
    private final int qos;
    private final boolean retain;
    private final int[] subscriptionIds;
    /** The shared subscription ({@code $share/...}) this delivery came through, or null. */
    private final String share;
    /** The filter accounts this delivery is counted in; empty until the state holds it. */
    HeldAccount[] heldVia = NOT_HELD;

    /**
     * @param message         the shared message
     * @param qos             min(message QoS, granted QoS)
     * @param retain          RETAIN flag to send
     * @param subscriptionIds Subscription Identifiers of the matching subscriptions (may be empty)
     */
    public Delivery(Message message, int qos, boolean retain, int[] subscriptionIds) {
        this(message, qos, retain, subscriptionIds, null);
    }

    /** A delivery that came through the shared subscription {@code share} (null: none). */
    public Delivery(Message message, int qos, boolean retain, int[] subscriptionIds, String share) {
        this.message = message;
        this.qos = qos;
        this.retain = retain;
        this.subscriptionIds = subscriptionIds;
        this.share = share;
    }

    public Message message() {
        return message;
    }

    public int qos() {
        return qos;
    }

    public boolean retain() {
        return retain;
    }

    public int[] subscriptionIds() {
        return subscriptionIds;
    }

    /** The shared subscription this delivery came through ({@code $share/{group}/{filter}}), or null. */
    public String share() {
        return share;
    }

    /** What holding this delivery queued costs its session: the message and the delivery's own bookkeeping. */
    public long cost() {
        return message.footprint() + Holdings.DELIVERY_OVERHEAD;
    }

    @Override
    public String toString() {
        return "Delivery[message " + message.id() + " qos " + qos + "]";
    }
}
