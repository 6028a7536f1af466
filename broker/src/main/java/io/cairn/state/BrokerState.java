package io.cairn.state;


import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The broker's state machine: sessions, the subscription index and retained messages. It changes
 * only through {@link #apply}, which is deterministic: the same commands in the same order give the
 * same state, whether they arrive live from the session engine or are replayed from the journal.
 * {@code apply} ignores commands that no longer fit the state (for example an acknowledgement for a
 * packet id not in flight) instead of failing, so replay never stops on them.
 *
 * <p>Threading: not thread-safe; owned by the session engine thread (during recovery, by the thread
 * that replays the journal before the engine starts).
 */
public final class BrokerState {

    /** Where the broker publishes its own figures; such messages are neither journaled nor snapshotted. */
    public static final String SYSTEM_TOPICS = "$SYS/";

    private final Map<String, SessionState> sessions = new HashMap<>();
    private final SubscriptionIndex<SubscriptionOptions> subscriptions;
    private final Map<String, Message> retained = new HashMap<>();
    private final RetainedIndex retainedIndex = new RetainedIndex();
    private final Holdings holdings = new Holdings();
    /** Shared subscriptions by their whole filter ({@code $share/{group}/{filter}}). */
    private final Map<String, SharedGroup> shared = new HashMap<>();
    /** The groups by their topic filter, to match topics (the "client id" of an entry is the group's key). */
    private final SubscriptionIndex<SharedGroup> sharedIndex;
    private long lastMessageId;

    public BrokerState() {
        this(true);
    }

    private BrokerState(boolean indexed) {
        this.subscriptions = indexed ? new SubscriptionIndex<>() : null;
        this.sharedIndex = indexed ? new SubscriptionIndex<>() : null;
    }

    public SessionState session(String clientId) {
        return sessions.get(clientId);
    }

    public Collection<SessionState> sessions() {
        return sessions.values();
    }

    public SubscriptionIndex<SubscriptionOptions> subscriptions() {
        return subscriptions;
    }

    /** The shared subscriptions by their whole filter (read-only). */
    public Map<String, SharedGroup> shared() {
        return java.util.Collections.unmodifiableMap(shared);
    }

    public SharedGroup sharedGroup(String key) {
        return shared.get(key);
    }

    /** The shared subscriptions indexed by their topic filter. */
    public SubscriptionIndex<SharedGroup> sharedIndex() {
        return sharedIndex;
    }

    /** Whether a shared subscription must be journaled: one of its members outlives its connection. */
    public boolean persistent(SharedGroup g) {
        for (String member : g.members().keySet()) {
            SessionState s = sessions.get(member);
            if (s != null && s.persistent()) {
                return true;
            }
        }
        return false;
    }

    /** Retained messages by topic (read-only). */
    public Map<String, Message> retained() {
        return java.util.Collections.unmodifiableMap(retained);
    }

    /** Calls {@code out} with every retained message whose topic the (valid) filter matches. */
    public void retainedMatching(String filter, java.util.function.Consumer<Message> out) {
        retainedIndex.match(filter, out);
    }

    /** What the sessions hold, per subscription filter and in total. */
    public Holdings holdings() {
        return holdings;
    }

    /**
     * Counts everything held again from the sessions (after recovery: a snapshot restores queues and
     * in-flight deliveries without counting them).
     */
    public void recountHoldings() {
        holdings.clear();
        for (SessionState s : sessions.values()) {
            for (Delivery d : s.queue()) {
                holdings.hold(d, holdings.accountsFor(s, d.message().topic()));
            }
            for (SessionState.Inflight f : s.inflight().values()) {
                holdings.hold(f.delivery, heldVia(s, f.delivery));
                holdings.fly(f.delivery);
            }
        }
        for (SharedGroup g : shared.values()) {
            for (Delivery d : g.queue()) {
                holdings.hold(d, holdings.account(g.filter()).alone);
            }
            for (Delivery d : g.orphans().values()) {
                holdings.hold(d, holdings.account(g.filter()).alone);
                holdings.fly(d);
            }
        }
    }

    /** The accounts a delivery of a session is held in: its shared subscription's, or its matching filters'. */
    private HeldAccount[] heldVia(SessionState s, Delivery d) {
        String share = d.share();
        if (share != null) {
            String filter = io.cairn.topic.Topics.sharedFilter(share);
            return holdings.account(filter == null ? share : filter).alone;
        }
        return holdings.accountsFor(s, d.message().topic());
    }

    /** The largest message id applied so far. */
    public long lastMessageId() {
        return lastMessageId;
    }

    /**
     * A copy for a snapshot, taken on the engine thread and serialised on another: its sessions and
     * maps are its own, the messages (immutable) are shared. It has no subscription index, which a
     * snapshot does not need, and only the sessions that outlive their connection: the others are
     * never journaled, so a snapshot holding them would restore half-updated sessions.
     */
    public BrokerState copyForSnapshot() {
        BrokerState c = new BrokerState(false);
        for (SessionState s : sessions.values()) {
            if (s.persistent()) {
                c.sessions.put(s.clientId(), s.copy());
            }
        }
        for (SharedGroup g : shared.values()) {
            if (persistent(g)) {
                SharedGroup copy = g.copy();
                addInflightOfEndingMembers(g, copy);
                c.shared.put(g.key(), copy);
            }
        }
        for (Message m : retained.values()) { // the copy is only serialised: it needs no index
            if (!m.topic().startsWith(SYSTEM_TOPICS)) { // never journaled, regenerated after a restart
                c.retained.put(m.topic(), m);
            }
        }
        c.lastMessageId = lastMessageId;
        return c;
    }

    /**
     * A snapshot leaves out the sessions that end with their connection, so what such members of a
     * kept group have in flight from it is written as the group's orphans: replay after the snapshot
     * may still acknowledge it, and what is left is returned to the group.
     */
    private void addInflightOfEndingMembers(SharedGroup g, SharedGroup copy) {
        for (String member : g.members().keySet()) {
            SessionState s = sessions.get(member);
            if (s == null || s.persistent()) {
                continue;
            }
            for (SessionState.Inflight f : s.inflight().values()) {
                if (g.key().equals(f.delivery.share())) {
                    copy.addOrphan(member, f.packetId, f.delivery);
                }
            }
        }
    }

    // ---- restoring a snapshot (recovery only, before the engine starts) ----

    /** Adds a shared subscription's queue and orphans as a snapshot describes them (before its members). */
    public SharedGroup restoreShared(String key) {
        return sharedGroup(key, true);
    }

    public void restoreSharedQueued(SharedGroup g, Delivery d) {
        g.enqueue(d);
    }

    public void restoreOrphan(SharedGroup g, String clientId, int packetId, Delivery d) {
        g.addOrphan(clientId, packetId, d);
    }

    /** Adds a session as a snapshot describes it; its contents follow through the returned session. */
    public SessionState restoreSession(String clientId, long expiryInterval, Will will) {
        SessionState s = new SessionState(clientId, expiryInterval, will);
        sessions.put(clientId, s);
        return s;
    }

    /** Adds a subscription of a restored session, to the session and the index. */
    public void restoreSubscription(String clientId, String filter, SubscriptionOptions options) {
        sessions.get(clientId).subscriptions().put(index(clientId, filter, options), options);
    }

    /**
     * Puts a subscription into the index it belongs to: a shared group's members, or the filter trie.
     * Returns the instance of the filter string the session should keep: the index's own, so that
     * sessions subscribed to one filter share one string.
     */
    private String index(String clientId, String filter, SubscriptionOptions options) {
        String kept = filter;
        if (io.cairn.topic.Topics.isShared(filter)) {
            SharedGroup g = sharedGroup(filter, true);
            if (g != null) {
                g.join(clientId, options);
                kept = g.key();
            }
        } else {
            kept = subscriptions.put(clientId, filter, options);
        }
        holdings.subscriptionsChanged();
        return kept;
    }

    private void unindex(String clientId, String filter) {
        if (io.cairn.topic.Topics.isShared(filter)) {
            SharedGroup g = shared.get(filter);
            if (g != null) {
                g.leave(clientId);
                if (g.members().isEmpty()) {
                    dissolve(g);
                }
            }
        } else {
            subscriptions.remove(clientId, filter);
        }
        holdings.subscriptionsChanged();
    }

    /** The group of a shared filter, created when {@code create}; null for a malformed one. */
    private SharedGroup sharedGroup(String key, boolean create) {
        SharedGroup g = shared.get(key);
        if (g == null && create) {
            String filter = io.cairn.topic.Topics.sharedFilter(key);
            if (filter == null) {
                return null;
            }
            g = new SharedGroup(key, filter);
            shared.put(key, g);
            if (sharedIndex != null) {
                sharedIndex.put(key, filter, g);
            }
        }
        return g;
    }

    /** The last member left: the group's queue goes with it, as a session's goes when it ends. */
    private void dissolve(SharedGroup g) {
        shared.remove(g.key());
        if (sharedIndex != null) {
            sharedIndex.remove(g.key(), g.filter());
        }
        for (Delivery d : g.queue()) {
            holdings.release(d, false);
        }
        for (Delivery d : g.orphans().values()) {
            holdings.release(d, true);
        }
    }

    public void restoreRetained(Message m) {
        retained.put(m.topic(), m);
        retainedIndex.put(m);
    }

    public void restoreLastMessageId(long id) {
        lastMessageId = id;
    }

    /** A fresh message id, larger than every id applied so far. */
    public long nextMessageId() {
        return lastMessageId + 1;
    }

    /** Applies one command. */
    public void apply(Command command) {
        command.accept(applier);
    }

    /** How each kind of command changes the state. */
    private final Command.Visitor<Void> applier = new Command.Visitor<>() {
        @Override
        public Void openSession(Command.OpenSession c) {
            BrokerState.this.openSession(c);
            return null;
        }

        @Override
        public Void setExpiry(Command.SetExpiry c) {
            withSession(c.clientId(), s -> s.setExpiryInterval(c.expiryInterval()));
            return null;
        }

        @Override
        public Void clearWill(Command.ClearWill c) {
            withSession(c.clientId(), s -> s.setWill(null));
            return null;
        }

        @Override
        public Void detach(Command.Detach c) {
            withSession(c.clientId(), s -> s.setDeadlines(c.expiresAtMillis(), c.willAtMillis()));
            return null;
        }

        @Override
        public Void endSession(Command.EndSession c) {
            BrokerState.this.endSession(c.clientId());
            return null;
        }

        @Override
        public Void subscribe(Command.Subscribe c) {
            BrokerState.this.subscribe(c);
            return null;
        }

        @Override
        public Void unsubscribe(Command.Unsubscribe c) {
            BrokerState.this.unsubscribe(c);
            return null;
        }

        @Override
        public Void publish(Command.Publish c) {
            BrokerState.this.publish(c);
            return null;
        }

        @Override
        public Void releaseInbound(Command.ReleaseInbound c) {
            withSession(c.clientId(), s -> s.releaseInbound(c.packetId()));
            return null;
        }

        @Override
        public Void assignOutbound(Command.AssignOutbound c) {
            assign(c);
            return null;
        }

        @Override
        public Void receivedOutbound(Command.ReceivedOutbound c) {
            withSession(c.clientId(), s -> {
                SessionState.Inflight f = s.inflight().get(c.packetId());
                if (f != null) {
                    f.released = true;
                }
            });
            return null;
        }

        @Override
        public Void completeOutbound(Command.CompleteOutbound c) {
            SessionState s = sessions.get(c.clientId());
            if (s == null) {
                completeOrphan(c.clientId(), c.packetId());
                return null;
            }
            SessionState.Inflight f = s.complete(c.packetId());
            if (f != null) {
                holdings.release(f.delivery, true);
            }
            return null;
        }

        @Override
        public Void shareDispatch(Command.ShareDispatch c) {
            BrokerState.this.shareDispatch(c);
            return null;
        }

        @Override
        public Void shareReturn(Command.ShareReturn c) {
            BrokerState.this.shareReturn(c);
            return null;
        }

        @Override
        public Void dequeue(Command.Dequeue c) {
            withSession(c.clientId(), s -> {
                Delivery d = s.dropQueued(c.messageId());
                if (d != null) {
                    holdings.release(d, false);
                }
            });
            return null;
        }
    };

    private void withSession(String clientId, java.util.function.Consumer<SessionState> change) {
        SessionState s = sessions.get(clientId);
        if (s != null) {
            change.accept(s);
        }
    }

    private void openSession(Command.OpenSession c) {
        SessionState existing = sessions.get(c.clientId());
        if (existing != null && c.cleanStart()) {
            endSession(c.clientId());
            existing = null;
        }
        if (existing == null) {
            sessions.put(c.clientId(), new SessionState(c.clientId(), c.expiryInterval(), c.will()));
        } else {
            existing.setExpiryInterval(c.expiryInterval());
            existing.setWill(c.will());
            existing.setDeadlines(0, 0); // online again: no clock runs
        }
    }

    private void endSession(String clientId) {
        SessionState s = sessions.remove(clientId);
        if (s != null) {
            for (String filter : s.subscriptions().keySet()) {
                unindex(clientId, filter);
            }
            for (Delivery d : s.queue()) {
                holdings.release(d, false);
            }
            for (SessionState.Inflight f : s.inflight().values()) {
                holdings.release(f.delivery, true);
            }
        }
    }

    private void subscribe(Command.Subscribe c) {
        SessionState s = sessions.get(c.clientId());
        if (s == null) {
            return;
        }
        s.subscriptions().put(index(c.clientId(), c.filter(), c.options()), c.options());
        int[] ids = c.options().subscriptionId() == 0 ? Delivery.NO_IDS : new int[] {c.options().subscriptionId()};
        for (String topic : c.retainedTopics()) {
            Message m = retained.get(topic);
            if (m != null) {
                // retained messages sent because of a SUBSCRIBE always carry RETAIN=1 [MQTT-3.3.1-8]
                Delivery d = new Delivery(m, Math.min(m.qos(), c.options().qos()), true, ids);
                holdings.hold(d, holdings.account(c.filter()).alone);
                s.enqueue(d);
            }
        }
    }

    private void unsubscribe(Command.Unsubscribe c) {
        SessionState s = sessions.get(c.clientId());
        if (s != null && s.subscriptions().remove(c.filter()) != null) {
            unindex(c.clientId(), c.filter());
        }
    }

    private void publish(Command.Publish c) {
        Message m = c.message();
        lastMessageId = Math.max(lastMessageId, m.id());
        if (m.retain()) {
            if (m.payload().length == 0) {
                retained.remove(m.topic()); // [MQTT-3.3.1-10], [MQTT-3.3.1-11]
                retainedIndex.remove(m.topic());
            } else {
                retained.put(m.topic(), m);
                retainedIndex.put(m);
            }
        }
        if (c.inboundPacketId() != 0) {
            withSession(c.clientId(), s -> s.holdInbound(c.inboundPacketId()));
        }
        for (Command.Route r : c.routes()) {
            SessionState s = sessions.get(r.clientId());
            if (s != null) {
                Delivery d = new Delivery(m, r.qos(), r.retain(), r.subscriptionIds());
                holdings.hold(d, holdings.accountsFor(s, m.topic()));
                s.enqueue(d);
            }
        }
        for (String key : c.shares()) {
            SharedGroup g = shared.get(key);
            if (g != null) {
                Delivery d = new Delivery(m, m.qos(), m.retain(), Delivery.NO_IDS, key);
                holdings.hold(d, holdings.account(g.filter()).alone);
                g.enqueue(d);
            }
        }
    }

    /**
     * A queued message of a group goes to one member: in flight there with the member's QoS, RETAIN
     * and Subscription Identifier, or (packet id 0) it leaves the group. A member the state does not
     * hold (replay of a session that ended with its connection) keeps it as an orphan.
     */
    private void shareDispatch(Command.ShareDispatch c) {
        SharedGroup g = shared.get(c.share());
        if (g == null) {
            return;
        }
        Delivery queued = g.take(c.messageId());
        if (queued == null) {
            queued = g.takeOrphan(c.messageId()); // returned by a member whose return was not journaled
            if (queued == null) {
                return;
            }
            holdings.release(queued, true);
        } else {
            holdings.release(queued, false);
        }
        if (c.packetId() == 0) {
            return;
        }
        SessionState s = sessions.get(c.clientId());
        SubscriptionOptions o = s == null ? null : s.subscriptions().get(c.share());
        Message m = queued.message();
        Delivery d = o == null ? queued : new Delivery(m, Math.min(m.qos(), o.qos()),
                o.retainAsPublished() && m.retain(),
                o.subscriptionId() == 0 ? Delivery.NO_IDS : new int[] {o.subscriptionId()}, c.share());
        holdings.hold(d, holdings.account(g.filter()).alone);
        holdings.fly(d);
        if (s == null || o == null) {
            g.addOrphan(c.clientId(), c.packetId(), d);
            return;
        }
        s.sendDirectly(c.packetId(), d);
    }

    /**
     * A member gives back a shared delivery in flight: QoS 1 goes back to the front of the group's
     * queue; QoS 2 is discarded [MQTT-4.8.2-5] (the engine returns QoS 2 only for members whose
     * session ended).
     */
    private void shareReturn(Command.ShareReturn c) {
        SessionState s = sessions.get(c.clientId());
        Delivery d;
        if (s == null) {
            SharedGroup g = shared.get(c.share());
            d = g == null ? null : g.removeOrphan(c.clientId(), c.packetId());
        } else {
            SessionState.Inflight f = s.inflight().get(c.packetId());
            d = f == null || !c.share().equals(f.delivery.share()) ? null : s.complete(c.packetId()).delivery;
        }
        if (d == null) {
            return;
        }
        holdings.release(d, true);
        SharedGroup g = shared.get(c.share());
        if (g != null && d.qos() < 2) {
            Message m = d.message();
            Delivery back = new Delivery(m, m.qos(), m.retain(), Delivery.NO_IDS, c.share());
            holdings.hold(back, holdings.account(g.filter()).alone);
            g.requeue(back);
        }
    }

    /** An acknowledgement replayed for a member the state does not hold: its orphan, if any, is done. */
    private void completeOrphan(String clientId, int packetId) {
        for (SharedGroup g : shared.values()) {
            Delivery d = g.removeOrphan(clientId, packetId);
            if (d != null) {
                holdings.release(d, true);
                return;
            }
        }
    }

    private void assign(Command.AssignOutbound c) {
        SessionState s = sessions.get(c.clientId());
        if (s == null) {
            return;
        }
        Delivery d = s.takeQueued(c.messageId());
        if (d != null) {
            s.assign(c.packetId(), d);
            holdings.fly(d);
        }
    }
}
