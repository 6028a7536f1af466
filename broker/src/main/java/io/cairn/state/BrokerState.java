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
    private long lastMessageId;

    public BrokerState() {
        this(true);
    }

    private BrokerState(boolean indexed) {
        this.subscriptions = indexed ? new SubscriptionIndex<>() : null;
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
                holdings.hold(f.delivery, holdings.accountsFor(s, f.delivery.message().topic()));
                holdings.fly(f.delivery);
            }
        }
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
        for (Message m : retained.values()) { // the copy is only serialised: it needs no index
            if (!m.topic().startsWith(SYSTEM_TOPICS)) { // never journaled, regenerated after a restart
                c.retained.put(m.topic(), m);
            }
        }
        c.lastMessageId = lastMessageId;
        return c;
    }

    // ---- restoring a snapshot (recovery only, before the engine starts) ----

    /** Adds a session as a snapshot describes it; its contents follow through the returned session. */
    public SessionState restoreSession(String clientId, long expiryInterval, Will will) {
        SessionState s = new SessionState(clientId, expiryInterval, will);
        sessions.put(clientId, s);
        return s;
    }

    /** Adds a subscription of a restored session, to the session and the index. */
    public void restoreSubscription(String clientId, String filter, SubscriptionOptions options) {
        sessions.get(clientId).subscriptions().put(filter, options);
        subscriptions.put(clientId, filter, options);
        holdings.subscriptionsChanged();
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
            withSession(c.clientId(), s -> {
                SessionState.Inflight f = s.complete(c.packetId());
                if (f != null) {
                    holdings.release(f.delivery, true);
                }
            });
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
                subscriptions.remove(clientId, filter);
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
        s.subscriptions().put(c.filter(), c.options());
        subscriptions.put(c.clientId(), c.filter(), c.options());
        holdings.subscriptionsChanged();
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
            subscriptions.remove(c.clientId(), c.filter());
            holdings.subscriptionsChanged();
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
