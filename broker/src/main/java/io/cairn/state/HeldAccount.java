package io.cairn.state;

import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * What one subscription filter holds for its subscribers, counted as rumqttd counts a filter's
 * segments: each message once however many sessions hold it through this filter (it is in memory
 * once), plus each delivery's own bookkeeping. Its capacity and the budget pattern it falls under
 * are set by the engine's budgets when the account is created.
 *
 * <p>Threading: engine thread only (through {@link Holdings}).
 */
public final class HeldAccount {

    private final String filter;
    /** Holders per message, in the order the messages were first held (oldest first). */
    private final LinkedHashMap<Message, int[]> holders = new LinkedHashMap<>();
    private long bytes;
    private long deliveries;
    private long capacity = Long.MAX_VALUE;
    private String pattern = "default";
    /** This account alone: what a delivery through a single filter is held in (shared, never written). */
    final HeldAccount[] alone = {this};

    /** {@link #alone}, for callers outside the state package (never to be written). */
    public HeldAccount[] onlyThis() {
        return alone;
    }

    HeldAccount(String filter) {
        this.filter = filter;
    }

    public String filter() {
        return filter;
    }

    /** Bytes held: each message once, plus every delivery's overhead. */
    public long bytes() {
        return bytes;
    }

    /** Distinct messages held. */
    public int messages() {
        return holders.size();
    }

    public long capacity() {
        return capacity;
    }

    /** The configured budget pattern this filter falls under ("default" when none matches). */
    public String pattern() {
        return pattern;
    }

    /** Sets the budget (by the engine, when the account is created). */
    public void limit(long capacityBytes, String patternName) {
        this.capacity = capacityBytes;
        this.pattern = patternName;
    }

    public boolean holds(Message m) {
        return holders.containsKey(m);
    }

    /** The bytes holding one more (queued) delivery of {@code m} would add. */
    public long costOf(Message m) {
        return holds(m) ? Holdings.DELIVERY_OVERHEAD : firstCost(m);
    }

    /** What the first delivery of {@code m} in an account costs: the message, its holder entry, the delivery. */
    public static long firstCost(Message m) {
        return m.footprint() + Holdings.HOLDER_OVERHEAD + Holdings.DELIVERY_OVERHEAD;
    }

    void addBytes(long delta) {
        bytes += delta;
    }

    /** The oldest message held, or null. */
    public Message oldest() {
        Iterator<Message> it = holders.keySet().iterator();
        return it.hasNext() ? it.next() : null;
    }

    /** Messages held, oldest first (read-only use). */
    public Iterable<Message> messagesOldestFirst() {
        return holders.keySet();
    }

    /** Adds one delivery of {@code m}; returns the bytes added. */
    long hold(Message m) {
        long added = Holdings.DELIVERY_OVERHEAD;
        int[] n = holders.get(m);
        if (n == null) {
            holders.put(m, new int[] {1});
            added += m.footprint() + Holdings.HOLDER_OVERHEAD;
        } else {
            n[0]++;
        }
        bytes += added;
        deliveries++;
        return added;
    }

    /** Removes one delivery of {@code m}; returns the bytes freed. */
    long release(Message m) {
        int[] n = holders.get(m);
        if (n == null) {
            return 0;
        }
        long freed = Holdings.DELIVERY_OVERHEAD;
        if (--n[0] == 0) {
            holders.remove(m);
            freed += m.footprint() + Holdings.HOLDER_OVERHEAD;
        }
        bytes -= freed;
        deliveries--;
        return freed;
    }

    boolean isEmpty() {
        return deliveries == 0;
    }
}
