package io.cairn.state;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the broker holds for one client id [MQTT-4.1.0-1]: subscriptions, the queue of
 * deliveries not yet sent, the outbound deliveries in flight by packet id (in the order they were
 * first sent, which is the re-send order [MQTT-4.6.0-1]), the inbound QoS 2 packet ids held until
 * PUBREL, the Will, and the expiry interval.
 *
 * <p>Threading: owned by the session engine thread; changed only by {@link BrokerState#apply}.
 */
public final class SessionState {

    /** Expiry interval meaning "never expires" (5.0 0xFFFFFFFF, and 3.x clean session 0). */
    public static final long NEVER_EXPIRES = 0xFFFFFFFFL;

    /** Deadline of a session that never expires. */
    public static final long NEVER = Long.MAX_VALUE;

    /** An outbound QoS 1/2 delivery that has a packet id and awaits its acknowledgement. */
    public static final class Inflight {
        public final int packetId;
        public final Delivery delivery;
        /** QoS 2 only: PUBREC arrived and PUBREL was sent; the PUBLISH is never sent again [MQTT-4.3.3-6]. */
        public boolean released;

        Inflight(int packetId, Delivery delivery) {
            this.packetId = packetId;
            this.delivery = delivery;
        }
    }

    private final String clientId;
    private long expiryInterval;
    private Will will;
    private final Map<String, SubscriptionOptions> subscriptions = new LinkedHashMap<>();
    /**
     * Made on the first delivery, as is {@link #inflight}: an idle session holds neither (a
     * connection that only subscribes costs two empty collections less, about 110 bytes). Small at
     * first: most sessions hold few deliveries at a time (the deque grows).
     */
    private ArrayDeque<Delivery> queue;
    private LinkedHashMap<Integer, Inflight> inflight;
    /** Made on the first inbound QoS 2 PUBLISH (many clients never send one). */
    private Set<Integer> inboundQos2;
    private int lastPacketId;
    /** What the queued and in-flight deliveries cost ({@link Delivery#cost}). */
    private long heldBytes;
    /** While offline: when the session ends ({@link #NEVER}), else 0 (connected, or connected at a crash). */
    private long expiresAtMillis;
    /** While offline with a Will waiting: when it is published, else 0. */
    private long willAtMillis;
    /** {@link Holdings#accountsFor}'s last answer for this session: its topic, accounts and generation. */
    String viaTopic;
    HeldAccount[] via;
    long viaGeneration;

    SessionState(String clientId, long expiryInterval, Will will) {
        this.clientId = clientId;
        this.expiryInterval = expiryInterval;
        this.will = will;
    }

    public String clientId() {
        return clientId;
    }

    /** Seconds the session outlives its connection; 0 means it ends with the connection. */
    public long expiryInterval() {
        return expiryInterval;
    }

    /** A session that outlives its connection must be journaled; one that does not need not be. */
    public boolean persistent() {
        return expiryInterval > 0;
    }

    public Will will() {
        return will;
    }

    public Map<String, SubscriptionOptions> subscriptions() {
        return subscriptions;
    }

    /** Deliveries waiting for a packet id or for the connection, oldest first (read-only). */
    public Collection<Delivery> queue() {
        return queue == null ? List.of() : queue;
    }

    /** The oldest queued delivery, or null when none is queued. */
    public Delivery firstQueued() {
        return queue == null ? null : queue.peekFirst();
    }

    /** Bytes held for this session: its queued and in-flight deliveries. */
    public long heldBytes() {
        return heldBytes;
    }

    /** Deliveries held for this session: queued and in flight. */
    public int heldCount() {
        return (queue == null ? 0 : queue.size()) + (inflight == null ? 0 : inflight.size());
    }

    /** In-flight outbound deliveries by packet id, in first-send order (read-only). */
    public Map<Integer, Inflight> inflight() {
        return inflight == null ? Map.of() : inflight;
    }

    /** When the offline session ends (wall clock), {@link #NEVER}, or 0 if no deadline was recorded. */
    public long expiresAtMillis() {
        return expiresAtMillis;
    }

    /** When the offline session's Will is due (wall clock), or 0 if none is waiting. */
    public long willAtMillis() {
        return willAtMillis;
    }

    public boolean holdsInbound(int packetId) {
        return inboundQos2 != null && inboundQos2.contains(packetId);
    }


    /** The next packet id not in flight, cycling through 1..65535 [MQTT-2.3.1-1]; 0 when all are in use. */
    public int nextFreePacketId() {
        int id = lastPacketId;
        for (int i = 0; i < 65535; i++) {
            id = id == 65535 ? 1 : id + 1;
            if (inflight == null || !inflight.containsKey(id)) {
                return id;
            }
        }
        return 0;
    }

    /** The inbound QoS 2 packet ids held until PUBREL (read-only). */
    public Set<Integer> inboundHeldIds() {
        return inboundQos2 == null ? Set.of() : java.util.Collections.unmodifiableSet(inboundQos2);
    }

    /** The packet id assigned last; the next search for a free one starts after it. */
    public int lastPacketId() {
        return lastPacketId;
    }

    // ---- restoring a snapshot (recovery only, through BrokerState.restoreSession) ----

    public void restoreQueued(Delivery d) {
        enqueue(d);
    }

    public void restoreInflight(int packetId, Delivery d, boolean released) {
        heldBytes += d.cost();
        assign(packetId, d).released = released;
    }

    public void restoreInbound(int packetId) {
        holdInbound(packetId);
    }

    public void restoreLastPacketId(int id) {
        lastPacketId = id;
    }

    public void restoreDeadlines(long expiresAtMillis, long willAtMillis) {
        setDeadlines(expiresAtMillis, willAtMillis);
    }

    // ---- mutations, called by BrokerState.apply and StateSnapshot only ----

    void setExpiryInterval(long seconds) {
        this.expiryInterval = seconds;
    }

    void setWill(Will will) {
        this.will = will;
        if (will == null) {
            willAtMillis = 0;
        }
    }

    void setDeadlines(long expiresAtMillis, long willAtMillis) {
        this.expiresAtMillis = expiresAtMillis;
        this.willAtMillis = willAtMillis;
    }

    /** A copy whose collections are its own (messages and deliveries are immutable and shared). */
    SessionState copy() {
        SessionState c = new SessionState(clientId, expiryInterval, will);
        c.subscriptions.putAll(subscriptions);
        if (queue != null) {
            c.queue = new ArrayDeque<>(queue);
        }
        if (inflight != null) {
            c.inflight = new LinkedHashMap<>();
            for (Inflight f : inflight.values()) {
                Inflight copy = new Inflight(f.packetId, f.delivery);
                copy.released = f.released;
                c.inflight.put(f.packetId, copy);
            }
        }
        if (inboundQos2 != null) {
            c.inboundQos2 = new HashSet<>(inboundQos2);
        }
        c.lastPacketId = lastPacketId;
        c.heldBytes = heldBytes;
        c.expiresAtMillis = expiresAtMillis;
        c.willAtMillis = willAtMillis;
        return c;
    }

    void enqueue(Delivery d) {
        if (queue == null) {
            queue = new ArrayDeque<>(2);
        }
        queue.addLast(d);
        heldBytes += d.cost();
    }

    /** Removes a queued delivery that leaves the session (dequeued, dropped); null if not queued. */
    Delivery dropQueued(long messageId) {
        Delivery d = takeQueued(messageId);
        if (d != null) {
            heldBytes -= d.cost();
        }
        return d;
    }

    /** Removes a queued delivery that stays held (it moves into flight). */
    Delivery takeQueued(long messageId) {
        if (queue == null) {
            return null;
        }
        Iterator<Delivery> it = queue.iterator();
        while (it.hasNext()) {
            Delivery d = it.next();
            if (d.message().id() == messageId) {
                it.remove();
                return d;
            }
        }
        return null;
    }

    /** Ends an in-flight delivery; null if the packet id is not in flight. */
    Inflight complete(int packetId) {
        Inflight f = inflight == null ? null : inflight.remove(packetId);
        if (f != null) {
            heldBytes -= f.delivery.cost() + Holdings.IN_FLIGHT_OVERHEAD;
        }
        return f;
    }

    /** A delivery that goes into flight without passing through the queue (a shared subscription's). */
    Inflight sendDirectly(int packetId, Delivery d) {
        heldBytes += d.cost();
        return assign(packetId, d);
    }

    Inflight assign(int packetId, Delivery d) {
        Inflight f = new Inflight(packetId, d);
        if (inflight == null) {
            inflight = new LinkedHashMap<>();
        }
        inflight.put(packetId, f);
        heldBytes += Holdings.IN_FLIGHT_OVERHEAD;
        lastPacketId = packetId;
        return f;
    }

    void holdInbound(int packetId) {
        if (inboundQos2 == null) {
            inboundQos2 = new HashSet<>();
        }
        inboundQos2.add(packetId);
    }

    void releaseInbound(int packetId) {
        if (inboundQos2 != null) {
            inboundQos2.remove(packetId);
        }
    }
}
