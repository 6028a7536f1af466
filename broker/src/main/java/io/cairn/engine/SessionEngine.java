package io.cairn.engine;

import io.cairn.config.BrokerConfig;
import io.cairn.fault.FailStop;
import io.cairn.protocol.Packets;
import io.cairn.protocol.ReasonCodes;
import io.cairn.routing.Router;
import io.cairn.topic.Topics;
import io.cairn.state.BrokerState;
import io.cairn.state.Command;
import io.cairn.state.Delivery;
import io.cairn.state.Message;
import io.cairn.state.SessionState;
import io.cairn.store.Store;
import io.cairn.state.SubscriptionOptions;
import io.cairn.state.Will;
import io.netty.handler.codec.mqtt.MqttMessageType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The single thread that owns every session and the broker state machine. Protocol handlers hand it
 * work through the public methods (any thread); it turns each piece of work into {@link Command}s,
 * applies them to {@link BrokerState} at once, and collects the packets they cause per connection.
 * At the end of each batch (everything that was waiting in its inbox) it commits the batch's durable
 * commands to the {@link Store}; the packets leave only when the store reports the batch durable.
 * So an acknowledgement never overtakes the record it acknowledges, and delivery order equals
 * journal order.
 *
 * <p>One thread for all sessions (rather than several pinned by client id) because the state machine
 * is global (subscriptions and retained messages are shared) and because a single ordered stream of
 * commands is exactly what the journal, and later Raft, replicate.
 *
 * <p>Any Throwable on the engine thread is a bug that may have left the state half-changed: the
 * engine reports it to its {@link FailStop} (in production the process stops and recovery replays
 * the journal) instead of carrying on or dying silently.
 *
 * <p>Threading: public methods are thread-safe and only enqueue; everything else runs on the engine
 * thread. Timers run on a separate scheduler thread that only enqueues too.
 */
public final class SessionEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SessionEngine.class);
    private static final int MAX_BATCH = 4096;

    private final BlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
    private final BrokerState state;
    private final Store store;
    private final BrokerConfig.Mqtt limits;
    private final Thread thread;
    private final ScheduledExecutorService timers;
    private final Map<String, Connection> connected = new HashMap<>();
    private final Map<String, ScheduledFuture<?>> willTimers = new HashMap<>();
    private final Map<String, ScheduledFuture<?>> expiryTimers = new HashMap<>();
    private final Router router;
    private final List<Command> batchCommands = new ArrayList<>();
    private final List<Connection> touched = new ArrayList<>();
    private final AtomicLong droppedForQuota = new AtomicLong();
    private final FailStop failStop;
    private volatile boolean accepting = true;
    private boolean stopping;
    private long now;

    public SessionEngine(BrokerState state, Store store, BrokerConfig.Mqtt limits, FailStop failStop) {
        this.state = state;
        this.store = store;
        this.limits = limits;
        this.failStop = failStop;
        this.router = new Router(state);
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "cairn-timers"));
        this.thread = new Thread(this::run, "cairn-engine");
        this.thread.setDaemon(true);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Starts the engine thread; recovered sessions get their expiry and will timers first. */
    public void start() {
        submit(this::afterRecovery);
        thread.start();
    }

    /** Messages refused or dropped because a session's queue was full (counted for metrics). */
    public long droppedForQuota() {
        return droppedForQuota.get();
    }

    // ---------------------------------------------------------------- entry points (any thread)

    public void connect(Connection c) {
        submit(c, () -> onConnect(c));
    }

    public void publish(Connection c, InboundPublish p) {
        submit(c, () -> onPublish(c, p));
    }

    public void puback(Connection c, int packetId, int reason) {
        submit(c, () -> onPuback(c, packetId));
    }

    public void pubrec(Connection c, int packetId, int reason) {
        submit(c, () -> onPubrec(c, packetId, reason));
    }

    public void pubrel(Connection c, int packetId) {
        submit(c, () -> onPubrel(c, packetId));
    }

    public void pubcomp(Connection c, int packetId) {
        submit(c, () -> onPubcomp(c, packetId));
    }

    public void subscribe(Connection c, int packetId, List<SubscriptionRequest> requests) {
        submit(c, () -> onSubscribe(c, packetId, requests));
    }

    public void unsubscribe(Connection c, int packetId, List<String> filters) {
        submit(c, () -> onUnsubscribe(c, packetId, filters));
    }

    /**
     * A DISCONNECT from the client. {@code withWill} for 5.0 reason 0x04; {@code newExpiry} is the
     * 5.0 Session Expiry Interval from the DISCONNECT, or -1 when absent.
     */
    public void disconnect(Connection c, boolean withWill, long newExpiry) {
        submit(c, () -> onDisconnect(c, withWill, newExpiry));
    }

    /** The network connection ended without DISCONNECT (or after one; then this is a no-op). */
    public void connectionLost(Connection c) {
        submit(c, () -> {
            if (c.current) {
                detach(c, true);
            }
        });
    }

    private void submit(Connection c, Runnable work) {
        submit(work);
    }

    private void submit(Runnable work) {
        if (accepting) {
            inbox.add(work);
        }
    }

    // ---------------------------------------------------------------- the engine loop

    private void run() {
        try {
            loop();
        } catch (InterruptedException e) {
            log.debug("session engine interrupted");
        } catch (Throwable t) {
            accepting = false;
            failStop.fail("the session engine (thread cairn-engine)", t);
        }
    }

    private void loop() throws InterruptedException {
        List<Runnable> work = new ArrayList<>(MAX_BATCH);
        while (!stopping) {
            work.add(inbox.take());
            inbox.drainTo(work, MAX_BATCH - 1);
            now = System.currentTimeMillis();
            for (Runnable r : work) {
                r.run();
            }
            work.clear();
            endBatch();
        }
    }

    private void endBatch() {
        if (batchCommands.isEmpty() && touched.isEmpty()) {
            return;
        }
        List<Command> commands = List.copyOf(batchCommands);
        batchCommands.clear();
        List<Runnable> releases = new ArrayList<>(touched.size());
        for (Connection c : touched) {
            List<Object> packets = new ArrayList<>(c.outbox);
            boolean close = c.closeRequested;
            c.outbox.clear();
            c.touched = false;
            c.unreleasedBatches.incrementAndGet();
            releases.add(() -> {
                c.output.deliver(packets, close);
                c.unreleasedBatches.decrementAndGet(); // after deliver: its packets are queued first
            });
        }
        touched.clear();
        store.commit(commands, () -> {
            for (Runnable r : releases) {
                r.run();
            }
        });
    }

    /** Applies a command now; journals it with this batch when it must survive a crash. */
    private void execute(Command command, boolean durable) {
        state.apply(command);
        if (durable) {
            batchCommands.add(command);
        }
    }

    private void send(Connection c, Object packet) {
        if (c.closeRequested) {
            return; // [MQTT-3.14.4-1]: nothing after a DISCONNECT / close
        }
        c.outbox.add(packet);
        touch(c);
    }

    private void close(Connection c) {
        c.closeRequested = true;
        touch(c);
    }

    private void touch(Connection c) {
        if (!c.touched) {
            c.touched = true;
            touched.add(c);
        }
    }

    // ---------------------------------------------------------------- connect, disconnect, takeover

    private void onConnect(Connection c) {
        Connection old = connected.get(c.clientId);
        if (old != null) {
            takeOver(old, c.cleanStart);
        }
        cancelTimers(c.clientId);
        SessionState existing = state.session(c.clientId);
        if (existing != null && old == null && existing.will() != null) {
            // a Will waiting for its delay: a new session publishes it now (the old session ends),
            // a resumed session cancels it [MQTT-3.1.3-9]
            if (c.cleanStart) {
                publishWill(existing);
            }
        }
        boolean present = existing != null && !c.cleanStart;
        boolean durable = c.expiryInterval > 0 || (existing != null && existing.persistent());
        execute(new Command.OpenSession(c.clientId, c.cleanStart, c.expiryInterval, c.will), durable);
        SessionState s = state.session(c.clientId);
        c.session = s;
        c.current = true;
        connected.put(c.clientId, c);
        // 3.1 has no Session Present flag
        send(c, Packets.connack(ReasonCodes.SUCCESS, present && c.version > Packets.V31, c.connackProperties));
        resendInflight(c, s);
        pump(c);
    }

    private void takeOver(Connection old, boolean newCleanStart) {
        if (old.version >= Packets.V5) {
            send(old, Packets.disconnect(ReasonCodes.SESSION_TAKEN_OVER));
        }
        close(old);
        old.current = false;
        connected.remove(old.clientId);
        SessionState s = old.session;
        Will w = s.will();
        // a session of expiry 0 (3.1.1 CleanSession=1) ends with its connection, so a takeover ends
        // it too: its state must not be reused by the new connection [MQTT-3.1.2-6] (5.0 §3.1.2.11.2)
        boolean sessionEnds = s.expiryInterval() == 0;
        if (w != null && (w.delaySeconds() == 0 || newCleanStart || sessionEnds)) {
            publishWill(s);
        }
        if (sessionEnds) {
            execute(new Command.EndSession(old.clientId), true);
        }
    }

    private void onDisconnect(Connection c, boolean withWill, long newExpiry) {
        if (!c.current) {
            return;
        }
        SessionState s = c.session;
        if (newExpiry >= 0 && newExpiry != s.expiryInterval()) {
            execute(new Command.SetExpiry(c.clientId, newExpiry), s.persistent() || newExpiry > 0);
        }
        if (!withWill && s.will() != null) {
            execute(new Command.ClearWill(c.clientId), s.persistent()); // [MQTT-3.14.4-3]
        }
        detach(c, withWill);
        close(c);
    }

    /** The connection is gone: its session ends or waits for expiry; its Will is due or scheduled. */
    private void detach(Connection c, boolean publishWill) {
        c.current = false;
        connected.remove(c.clientId);
        goOffline(c.session, publishWill);
    }

    /**
     * Starts the offline clocks of a session whose connection ended now: they are journaled as
     * wall-clock deadlines ({@link Command.Detach}), so a restart keeps them instead of starting
     * them again; then whatever is due happens and the rest is scheduled.
     */
    private void goOffline(SessionState s, boolean publishWill) {
        if (s.expiryInterval() == 0) {
            if (publishWill && s.will() != null) {
                publishWill(s);
            }
            execute(new Command.EndSession(s.clientId()), true);
            return;
        }
        long willAt = 0;
        if (publishWill && s.will() != null) {
            willAt = now + 1000 * Math.min(s.will().delaySeconds(), s.expiryInterval());
        }
        long expiresAt = s.expiryInterval() == SessionState.NEVER_EXPIRES
                ? SessionState.NEVER : now + 1000 * s.expiryInterval();
        execute(new Command.Detach(s.clientId(), expiresAt, willAt), s.persistent());
        runClocks(s);
    }

    /** Acts on the deadlines of an offline session: due now, or scheduled. */
    private void runClocks(SessionState s) {
        String clientId = s.clientId();
        if (s.willAtMillis() != 0 && s.willAtMillis() <= now && s.will() != null) {
            publishWill(s);
        }
        if (s.expiresAtMillis() <= now) {
            expire(clientId);
            return;
        }
        if (s.willAtMillis() != 0 && s.will() != null) {
            willTimers.put(clientId, scheduleAt(s.willAtMillis(), () -> {
                willTimers.remove(clientId);
                SessionState current = state.session(clientId);
                if (current != null && !connected.containsKey(clientId) && current.will() != null) {
                    publishWill(current);
                }
            }));
        }
        if (s.expiresAtMillis() != SessionState.NEVER) {
            expiryTimers.put(clientId, scheduleAt(s.expiresAtMillis(), () -> {
                expiryTimers.remove(clientId);
                if (!connected.containsKey(clientId)) {
                    expire(clientId);
                }
            }));
        }
    }

    /** The offline session ends; a Will still waiting is published first (the session ends before its delay). */
    private void expire(String clientId) {
        SessionState s = state.session(clientId);
        if (s == null) {
            return;
        }
        if (s.will() != null && s.willAtMillis() != 0) {
            publishWill(s);
        }
        execute(new Command.EndSession(clientId), true);
    }

    private ScheduledFuture<?> scheduleAt(long deadlineMillis, Runnable work) {
        long delay = Math.max(0, deadlineMillis - System.currentTimeMillis());
        return timers.schedule(() -> submit(work), delay, TimeUnit.MILLISECONDS);
    }

    private void cancelTimers(String clientId) {
        ScheduledFuture<?> w = willTimers.remove(clientId);
        if (w != null) {
            w.cancel(false);
        }
        ScheduledFuture<?> e = expiryTimers.remove(clientId);
        if (e != null) {
            e.cancel(false);
        }
    }

    /**
     * After recovery every session is offline. A session that was offline before the restart keeps
     * the deadlines it was journaled with (so a Will or an expiry that fell due while the broker was
     * down happens now); a session that was connected when the broker stopped lost its connection
     * now, and its clocks start now.
     */
    private void afterRecovery() {
        now = System.currentTimeMillis();
        int before = state.sessions().size();
        for (SessionState s : List.copyOf(state.sessions())) {
            if (!limits.queueQos0()) {
                // QoS 0 deliveries are sent without a journal record; after a restart they are gone
                for (Delivery d : List.copyOf(s.queue())) {
                    if (d.qos() == 0) {
                        execute(new Command.Dequeue(s.clientId(), d.message().id()), false);
                    }
                }
            }
            if (s.expiresAtMillis() == 0) {
                goOffline(s, true);
            } else {
                runClocks(s);
            }
        }
        int ended = before - state.sessions().size();
        if (before > 0) {
            log.info("after recovery: {} sessions kept, {} ended (expired while the broker was down, or ending "
                    + "with their connection)", state.sessions().size(), ended);
        }
    }

    // ---------------------------------------------------------------- inbound PUBLISH

    private void onPublish(Connection c, InboundPublish p) {
        if (!c.current) {
            return;
        }
        SessionState s = c.session;
        if (p.qos() == 2 && s.holdsInbound(p.packetId())) {
            // a re-sent PUBLISH before PUBREL: acknowledge again, never route twice [MQTT-4.3.3-10]
            send(c, Packets.pubReply(MqttMessageType.PUBREC, p.packetId(), ReasonCodes.SUCCESS));
            return;
        }
        if (p.qos() > 0 && c.version >= Packets.V5 && !store.healthy()) {
            // the journal cannot write: refuse at once, ahead of the acknowledgements that wait for
            // the disk, so the publisher learns now (3.x has no negative acknowledgement: its
            // publishers simply wait for the disk)
            // but never ahead of an earlier acknowledgement of this client [MQTT-4.6.0-2]: if any
            // still waits for the disk, the refusal queues behind it
            MqttMessageType type = p.qos() == 1 ? MqttMessageType.PUBACK : MqttMessageType.PUBREC;
            Object refusal = Packets.pubReply(type, p.packetId(), ReasonCodes.UNSPECIFIED_ERROR);
            if (c.outbox.isEmpty() && c.unreleasedBatches.get() == 0) {
                c.output.deliver(List.of(refusal), false);
            } else {
                send(c, refusal);
            }
            return;
        }
        Message m = newMessage(p.topic(), p.qos(), p.retain(), p.payload(), p.properties());
        Router.Result routed = router.route(m, c.clientId, connected.keySet(), limits);
        if (routed.overQuota() && c.version >= Packets.V5 && p.qos() > 0) {
            droppedForQuota.incrementAndGet();
            acknowledge(c, p, ReasonCodes.QUOTA_EXCEEDED);
            return;
        }
        if (routed.overQuota()) {
            droppedForQuota.incrementAndGet();
            log.warn("queue full for a subscriber of '{}': message from {} not queued for it", p.topic(), c.clientId);
        }
        boolean holds = p.qos() == 2;
        boolean durable = m.retain() || (p.qos() > 0 && (routed.anyPersistent() || (holds && s.persistent())));
        execute(new Command.Publish(c.clientId, holds ? p.packetId() : 0, m, routed.routes()), durable);
        acknowledge(c, p, ReasonCodes.SUCCESS);
        pumpRoutes(routed.routes());
    }

    private void acknowledge(Connection c, InboundPublish p, int reason) {
        if (p.qos() == 1) {
            send(c, Packets.pubReply(MqttMessageType.PUBACK, p.packetId(), reason));
        } else if (p.qos() == 2) {
            send(c, Packets.pubReply(MqttMessageType.PUBREC, p.packetId(), reason));
        }
    }

    private Message newMessage(String topic, int qos, boolean retain, byte[] payload,
                               io.cairn.state.MessageProperties props) {
        long expiresAt = props.expiryInterval() >= 0 ? now + props.expiryInterval() * 1000L : 0;
        return new Message(state.nextMessageId(), topic, qos, retain, payload, props, expiresAt);
    }

    private void publishWill(SessionState s) {
        Will w = s.will();
        Message m = newMessage(w.topic(), w.qos(), w.retain(), w.payload(), w.properties());
        Router.Result routed = router.route(m, s.clientId(), connected.keySet(), limits);
        boolean durable = m.retain() || (m.qos() > 0 && routed.anyPersistent());
        execute(new Command.Publish(s.clientId(), 0, m, routed.routes()), durable);
        execute(new Command.ClearWill(s.clientId()), s.persistent());
        pumpRoutes(routed.routes());
    }

    private void pumpRoutes(List<Command.Route> routes) {
        for (Command.Route r : routes) {
            Connection target = connected.get(r.clientId());
            if (target != null) {
                pump(target);
            }
        }
    }

    // ---------------------------------------------------------------- outbound flow

    /** Sends queued deliveries while the client's window has room [MQTT-3.3.4-9]. */
    private void pump(Connection c) {
        SessionState s = c.session;
        while (c.current && !s.queue().isEmpty()) {
            Delivery d = s.queue().peekFirst();
            long id = d.message().id();
            boolean tooLarge = Packets.publishSize(c.version, d) > c.maxPacketSize;
            if (d.message().expired(now) || tooLarge) {
                // [MQTT-3.3.2-5]; [MQTT-3.1.2-25]: too large is dropped as if delivered
                execute(new Command.Dequeue(c.clientId, id), journaled(s, d));
                continue;
            }
            if (d.qos() == 0) {
                execute(new Command.Dequeue(c.clientId, id), journaled(s, d));
                send(c, Packets.publish(c.version, d, 0, false, now));
                continue;
            }
            if (s.inflight().size() >= c.sendWindow) {
                return;
            }
            int packetId = s.nextFreePacketId();
            if (packetId == 0) {
                return;
            }
            execute(new Command.AssignOutbound(c.clientId, packetId, id), s.persistent());
            send(c, Packets.publish(c.version, d, packetId, false, now));
        }
    }

    /**
     * Whether the record that queued {@code d} for {@code s} was journaled, so that its removal must
     * be too: a Publish reaching a persistent session is journaled when the message is retained or
     * of QoS 1/2 (even where this subscriber gets it at QoS 0), and so is a Subscribe that queues
     * retained messages. Otherwise a QoS 0 delivery sent before a crash would be queued again by
     * replay and sent twice.
     */
    private static boolean journaled(SessionState s, Delivery d) {
        return s.persistent() && (d.message().retain() || d.message().qos() > 0);
    }

    /** On resuming a session: every unacknowledged PUBLISH (DUP=1) and PUBREL, in order [MQTT-4.4.0-1]. */
    private void resendInflight(Connection c, SessionState s) {
        for (SessionState.Inflight f : s.inflight().values()) {
            if (f.released) {
                send(c, Packets.pubReply(MqttMessageType.PUBREL, f.packetId, ReasonCodes.SUCCESS));
            } else {
                send(c, Packets.publish(c.version, f.delivery, f.packetId, true, now));
            }
        }
    }

    private void onPuback(Connection c, int packetId) {
        if (!c.current) {
            return;
        }
        SessionState.Inflight f = c.session.inflight().get(packetId);
        if (f != null && f.delivery.qos() == 1) {
            execute(new Command.CompleteOutbound(c.clientId, packetId), c.session.persistent());
            pump(c);
        }
    }

    private void onPubrec(Connection c, int packetId, int reason) {
        if (!c.current) {
            return;
        }
        SessionState s = c.session;
        SessionState.Inflight f = s.inflight().get(packetId);
        if (f == null || f.delivery.qos() != 2) {
            int code = c.version >= Packets.V5 ? ReasonCodes.PACKET_ID_NOT_FOUND : ReasonCodes.SUCCESS;
            send(c, Packets.pubReply(MqttMessageType.PUBREL, packetId, code));
            return;
        }
        if (reason >= 0x80) {
            // a negative PUBREC ends the delivery [MQTT-4.4.0-2]
            execute(new Command.CompleteOutbound(c.clientId, packetId), s.persistent());
            pump(c);
            return;
        }
        if (!f.released) {
            execute(new Command.ReceivedOutbound(c.clientId, packetId), s.persistent());
        }
        send(c, Packets.pubReply(MqttMessageType.PUBREL, packetId, ReasonCodes.SUCCESS));
    }

    private void onPubcomp(Connection c, int packetId) {
        if (!c.current) {
            return;
        }
        SessionState.Inflight f = c.session.inflight().get(packetId);
        if (f != null && f.released) {
            execute(new Command.CompleteOutbound(c.clientId, packetId), c.session.persistent());
            pump(c);
        }
    }

    private void onPubrel(Connection c, int packetId) {
        if (!c.current) {
            return;
        }
        SessionState s = c.session;
        int code = ReasonCodes.SUCCESS;
        if (s.holdsInbound(packetId)) {
            execute(new Command.ReleaseInbound(c.clientId, packetId), s.persistent());
        } else if (c.version >= Packets.V5) {
            code = ReasonCodes.PACKET_ID_NOT_FOUND;
        }
        send(c, Packets.pubReply(MqttMessageType.PUBCOMP, packetId, code));
    }

    // ---------------------------------------------------------------- subscriptions

    private void onSubscribe(Connection c, int packetId, List<SubscriptionRequest> requests) {
        if (!c.current) {
            return;
        }
        SessionState s = c.session;
        int[] codes = new int[requests.size()];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = subscribeOne(c, s, requests.get(i));
        }
        send(c, Packets.suback(packetId, codes));
        pump(c);
    }

    private int subscribeOne(Connection c, SessionState s, SubscriptionRequest r) {
        boolean v5 = c.version >= Packets.V5;
        String filter = r.filter();
        if (!Topics.isValidFilter(filter) || Topics.tooDeep(filter, limits.maxTopicLevels())) {
            return v5 ? ReasonCodes.TOPIC_FILTER_INVALID : ReasonCodes.V3_SUBACK_FAILURE;
        }
        if (v5 && filter.startsWith("$share/")) {
            return ReasonCodes.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED;
        }
        SubscriptionOptions asked = r.requested();
        int granted = Math.min(asked.qos(), limits.maxQos());
        SubscriptionOptions options = new SubscriptionOptions(granted, asked.noLocal(),
                asked.retainAsPublished(), asked.retainHandling(), asked.subscriptionId());
        boolean existed = s.subscriptions().containsKey(filter);
        List<String> retainedTopics = List.of();
        if (asked.retainHandling() == 0 || (asked.retainHandling() == 1 && !existed)) {
            retainedTopics = retainedTopicsMatching(filter);
        }
        execute(new Command.Subscribe(c.clientId, filter, options, retainedTopics), s.persistent());
        return granted;
    }

    private List<String> retainedTopicsMatching(String filter) {
        List<String> topics = new ArrayList<>();
        for (Message m : state.retained().values()) {
            if (!m.expired(now) && Topics.matches(filter, m.topic())) {
                topics.add(m.topic());
            }
        }
        return topics;
    }

    private void onUnsubscribe(Connection c, int packetId, List<String> filters) {
        if (!c.current) {
            return;
        }
        SessionState s = c.session;
        short[] codes = new short[filters.size()];
        for (int i = 0; i < codes.length; i++) {
            String filter = filters.get(i);
            if (s.subscriptions().containsKey(filter)) {
                execute(new Command.Unsubscribe(c.clientId, filter), s.persistent());
                codes[i] = ReasonCodes.SUCCESS;
            } else {
                codes[i] = ReasonCodes.NO_SUBSCRIPTION_EXISTED;
            }
        }
        send(c, Packets.unsuback(c.version, packetId, codes));
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Stops the engine in order: the work already queued is done, every connected 5.0 client gets
     * DISCONNECT 0x8B (Server shutting down) and every connection is closed, and that last batch
     * is committed to the store like any other (its packets leave when it is durable). Work
     * submitted after this is ignored. Waits up to 10 s for the engine thread.
     */
    @Override
    public void close() {
        submit(this::disconnectEveryone);
        accepting = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("session engine did not stop within 10 s; interrupting it");
            thread.interrupt();
        }
        timers.shutdownNow(); // after the engine: its last batch may still schedule clocks
    }

    private void disconnectEveryone() {
        for (Connection c : List.copyOf(connected.values())) {
            if (c.version >= Packets.V5) {
                send(c, Packets.disconnect(ReasonCodes.SERVER_SHUTTING_DOWN));
            }
            close(c);
            // the server closed the connection: the Will is due as after any loss of the
            // connection (5.0 section 3.1.2.5), and the offline clocks start now
            detach(c, true);
        }
        stopping = true;
    }
}
