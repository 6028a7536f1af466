package io.cairn.state;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One shared subscription, {@code $share/{ShareName}/{filter}} (5.0 section 4.8.2): its members (the
 * sessions subscribed with exactly that string, each with its own options) and the group's own
 * queue. A matching message is queued once in the group, not in every member; the engine hands each
 * queued message to one member with room ({@link Command.ShareDispatch}), which then holds it in
 * flight like any delivery until its acknowledgement. A QoS 1 message in flight to a member whose
 * connection ends comes back to the front of the group's queue ({@link Command.ShareReturn}) and goes
 * to another member; a QoS 2 one stays with its member, and is discarded if that member's session
 * ends first [MQTT-4.8.2-4], [MQTT-4.8.2-5].
 *
 * <p>The group lives as long as it has members. It must be journaled when any member outlives its
 * connection ({@link #persistent}); then its queue survives a crash with that member. Deliveries in
 * flight to a member whose session the journal does not hold (it ended with its connection) are
 * kept as <i>orphans</i> while replaying, so that the member's journaled acknowledgements still find
 * them; what is left when recovery ends is returned to the group.
 *
 * <p>Threading: owned by the session engine thread; changed only by {@link BrokerState#apply}.
 */
public final class SharedGroup {

    private final String key;
    private final String filter;
    private final Map<String, SubscriptionOptions> members = new LinkedHashMap<>();
    private final ArrayDeque<Delivery> queue = new ArrayDeque<>();
    /** Deliveries in flight to members the state does not hold, by {@link #orphanKey}. */
    private final Map<String, Delivery> orphans = new LinkedHashMap<>();
    private long heldBytes;
    /** Where the engine's round robin starts next (a choice recorded in commands, not state). */
    private int cursor;

    SharedGroup(String key, String filter) {
        this.key = key;
        this.filter = filter;
    }

    /** The whole shared filter, {@code $share/{ShareName}/{filter}}, as the members subscribed. */
    public String key() {
        return key;
    }

    /** The topic filter the group matches. */
    public String filter() {
        return filter;
    }

    /** Member client ids and the options each subscribed with, in the order they joined (read-only). */
    public Map<String, SubscriptionOptions> members() {
        return java.util.Collections.unmodifiableMap(members);
    }

    /** Messages waiting for a member, oldest first. */
    public ArrayDeque<Delivery> queue() {
        return queue;
    }

    /** Deliveries in flight to members whose session is not held (recovery only). */
    public Map<String, Delivery> orphans() {
        return java.util.Collections.unmodifiableMap(orphans);
    }

    /** What the queued deliveries cost ({@link Delivery#cost}). */
    public long heldBytes() {
        return heldBytes;
    }

    /** Deliveries waiting in the group's queue. */
    public int heldCount() {
        return queue.size();
    }

    /** The engine's round-robin position (not part of the state: its choices are recorded in commands). */
    public int cursor() {
        return cursor;
    }

    public void cursor(int next) {
        cursor = next;
    }

    static String orphanKey(String clientId, int packetId) {
        return clientId + '\u0000' + packetId;
    }

    void join(String clientId, SubscriptionOptions options) {
        members.put(clientId, options);
    }

    void leave(String clientId) {
        members.remove(clientId);
    }

    void enqueue(Delivery d) {
        queue.addLast(d);
        heldBytes += d.cost();
    }

    /** Puts a returned delivery back, ahead of everything queued after it. */
    void requeue(Delivery d) {
        long id = d.message().id();
        if (queue.isEmpty() || queue.peekFirst().message().id() > id) {
            queue.addFirst(d);
        } else { // rare: keep the queue in message order
            ArrayDeque<Delivery> rest = new ArrayDeque<>();
            while (!queue.isEmpty() && queue.peekFirst().message().id() < id) {
                rest.addLast(queue.pollFirst());
            }
            rest.addLast(d);
            rest.addAll(queue);
            queue.clear();
            queue.addAll(rest);
        }
        heldBytes += d.cost();
    }

    /** Removes a queued message; null if it is not queued here. */
    Delivery take(long messageId) {
        Iterator<Delivery> it = queue.iterator();
        while (it.hasNext()) {
            Delivery d = it.next();
            if (d.message().id() == messageId) {
                it.remove();
                heldBytes -= d.cost();
                return d;
            }
        }
        return null;
    }

    void addOrphan(String clientId, int packetId, Delivery d) {
        orphans.put(orphanKey(clientId, packetId), d);
    }

    Delivery removeOrphan(String clientId, int packetId) {
        return orphans.remove(orphanKey(clientId, packetId));
    }

    /** Takes an orphan by message id (a message returned by a member the journal does not hold). */
    Delivery takeOrphan(long messageId) {
        Iterator<Delivery> it = orphans.values().iterator();
        while (it.hasNext()) {
            Delivery d = it.next();
            if (d.message().id() == messageId) {
                it.remove();
                return d;
            }
        }
        return null;
    }

    /** A copy whose collections are its own, for a snapshot (members are rebuilt from the sessions). */
    SharedGroup copy() {
        SharedGroup c = new SharedGroup(key, filter);
        c.members.putAll(members);
        c.queue.addAll(queue);
        c.orphans.putAll(orphans);
        c.heldBytes = heldBytes;
        return c;
    }
}
