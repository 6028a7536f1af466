package io.cairn.engine;

import io.cairn.engine.Outbound.DisconnectReason;
import io.cairn.state.BrokerState;
import io.cairn.state.Command;
import io.cairn.state.Delivery;
import io.cairn.state.SessionState;
import io.cairn.state.SubscriptionOptions;
import io.cairn.state.Will;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Sessions from CONNECT to their end: create or resume, take over from an older connection,
 * DISCONNECT, loss of the connection, and the offline clocks (Will Delay, Session Expiry), which are
 * journaled as wall-clock deadlines so that a restart neither restarts nor forgets them.
 *
 * <p>Threading: engine thread only. Timers fire on the scheduler's thread and only hand work back to
 * the engine through {@code submit}.
 */
final class SessionLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SessionLifecycle.class);

    private final BrokerState state;
    private final Batch batch;
    private final Map<String, Connection> connected;
    private final InboundFlow inbound;
    private final OutboundFlow outbound;
    private final ScheduledExecutorService timers;
    private final Consumer<Runnable> submit;
    private final boolean queueQos0;
    private final Map<String, DeclaredSession> declared;
    private final Map<String, ScheduledFuture<?>> willTimers = new HashMap<>();
    private final Map<String, ScheduledFuture<?>> expiryTimers = new HashMap<>();

    SessionLifecycle(BrokerState state, Batch batch, Map<String, Connection> connected, InboundFlow inbound,
                     OutboundFlow outbound, ScheduledExecutorService timers, Consumer<Runnable> submit,
                     boolean queueQos0, Map<String, DeclaredSession> declared) {
        this.declared = declared;
        this.state = state;
        this.batch = batch;
        this.connected = connected;
        this.inbound = inbound;
        this.outbound = outbound;
        this.timers = timers;
        this.submit = submit;
        this.queueQos0 = queueQos0;
    }

    // ---------------------------------------------------------------- connect and takeover

    void connect(Connection c) {
        Connection old = connected.get(c.clientId);
        if (old != null) {
            takeOver(old, c);
        }
        cancelTimers(c.clientId);
        SessionState existing = state.session(c.clientId);
        if (existing != null && old == null && existing.will() != null && c.cleanStart) {
            // a Will waiting for its delay: a new session publishes it now (the old session ends);
            // a resumed session cancels it [MQTT-3.1.3-9]
            inbound.publishWill(existing);
        }
        if (existing != null && old == null && c.cleanStart) {
            outbound.returnShared(existing, true); // OpenSession ends the offline session
        }
        boolean present = existing != null && !c.cleanStart;
        boolean durable = c.expiryInterval > 0 || (existing != null && existing.persistent());
        batch.execute(new Command.OpenSession(c.clientId, c.cleanStart, c.expiryInterval, c.will), durable);
        c.session = state.session(c.clientId);
        DeclaredSession d = declared.get(c.clientId);
        if (d != null && !present) {
            addDeclaredSubscriptions(d); // a clean start discarded it (or it had expired): declared anew at once
        }
        c.current = true;
        connected.put(c.clientId, c);
        batch.send(c, new Outbound.ConnAck(present));
        ClientLog.connected(c, present);
        outbound.resendInflight(c);
        outbound.pump(c);
    }

    private void takeOver(Connection old, Connection c) {
        boolean newCleanStart = c.cleanStart;
        ClientLog.disconnected(old, "taken-over", null);
        ClientLog.takenOver(old.clientId, old.address(), c.address());
        batch.send(old, new Outbound.Disconnect(DisconnectReason.SESSION_TAKEN_OVER));
        batch.close(old);
        old.current = false;
        connected.remove(old.clientId);
        SessionState s = old.session;
        Will w = s.will();
        // a session of expiry 0 (3.1.1 CleanSession=1) ends with its connection, so a takeover ends
        // it too: its state must not be reused by the new connection [MQTT-3.1.2-6] (5.0 §3.1.2.11.2)
        boolean sessionEnds = s.expiryInterval() == 0;
        if (w != null && (w.delaySeconds() == 0 || newCleanStart || sessionEnds)) {
            inbound.publishWill(s);
        }
        outbound.returnShared(s, sessionEnds || newCleanStart); // a clean start ends the session too
        if (sessionEnds) {
            batch.execute(new Command.EndSession(old.clientId), true);
        }
    }

    // ---------------------------------------------------------------- the end of a connection

    /**
     * DISCONNECT: {@code withWill} for 5.0 reason 0x04; {@code newExpiry} from the packet, or -1;
     * {@code reasonCode} the 5.0 reason code, or -1 (3.x has none), for the activity log.
     */
    void disconnect(Connection c, int reasonCode, boolean withWill, long newExpiry) {
        SessionState s = c.session;
        // a declared session keeps its declared expiry: the DISCONNECT's interval is not taken
        if (newExpiry >= 0 && newExpiry != s.expiryInterval() && !declared.containsKey(c.clientId)) {
            batch.execute(new Command.SetExpiry(c.clientId, newExpiry), s.persistent() || newExpiry > 0);
        }
        if (!withWill && s.will() != null) {
            batch.execute(new Command.ClearWill(c.clientId), s.persistent()); // [MQTT-3.14.4-3]
        }
        detach(c, withWill, "disconnect", reasonCode < 0 ? null : "rc=" + ClientLog.hex(reasonCode));
        batch.close(c);
    }

    /**
     * The connection is gone: its session ends or waits for expiry; its Will is due or scheduled.
     * {@code reason} and {@code detail} (or null) are what the activity log says ({@link ClientLog#disconnected}).
     */
    void detach(Connection c, boolean publishWill, String reason, String detail) {
        ClientLog.disconnected(c, reason, detail);
        c.current = false;
        connected.remove(c.clientId);
        goOffline(c.session, publishWill);
    }

    /** Broker shutdown: every connection is told (5.0) and closed, as a connection the server ends. */
    void disconnectEveryone() {
        for (Connection c : List.copyOf(connected.values())) {
            batch.send(c, new Outbound.Disconnect(DisconnectReason.SERVER_SHUTTING_DOWN));
            batch.close(c);
            // the Will is due as after any loss of the connection (5.0 section 3.1.2.5), and the
            // offline clocks start now
            detach(c, true, "server-shutdown", null);
        }
    }

    // ---------------------------------------------------------------- offline clocks

    /**
     * Starts the offline clocks of a session whose connection ended now: they are journaled as
     * wall-clock deadlines ({@link Command.Detach}); then whatever is due happens and the rest is
     * scheduled.
     */
    private void goOffline(SessionState s, boolean publishWill) {
        outbound.returnShared(s, s.expiryInterval() == 0);
        long now = batch.now();
        if (s.expiryInterval() == 0) {
            if (publishWill && s.will() != null) {
                inbound.publishWill(s);
            }
            batch.execute(new Command.EndSession(s.clientId()), true);
            DeclaredSession d = declared.get(s.clientId());
            if (d != null) {
                ensureDeclared(d); // a 3.1.1 clean session ended: the declared one is there again at once
            }
            return;
        }
        long willAt = 0;
        if (publishWill && s.will() != null) {
            willAt = now + 1000 * Math.min(s.will().delaySeconds(), s.expiryInterval());
        }
        long expiresAt = s.expiryInterval() == SessionState.NEVER_EXPIRES
                ? SessionState.NEVER : now + 1000 * s.expiryInterval();
        batch.execute(new Command.Detach(s.clientId(), expiresAt, willAt), s.persistent());
        runClocks(s);
    }

    /** Acts on the deadlines of an offline session: due now, or scheduled. */
    private void runClocks(SessionState s) {
        String clientId = s.clientId();
        long now = batch.now();
        if (s.willAtMillis() != 0 && s.willAtMillis() <= now && s.will() != null) {
            inbound.publishWill(s);
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
                    inbound.publishWill(current);
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
            inbound.publishWill(s);
        }
        ClientLog.sessionExpired(clientId);
        outbound.returnShared(s, true);
        batch.execute(new Command.EndSession(clientId), true);
    }

    private ScheduledFuture<?> scheduleAt(long deadlineMillis, Runnable work) {
        long delay = Math.max(0, deadlineMillis - System.currentTimeMillis());
        return timers.schedule(() -> submit.accept(work), delay, TimeUnit.MILLISECONDS);
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

    // ---------------------------------------------------------------- after recovery

    /**
     * After recovery every session is offline. A session that was offline before the restart keeps
     * the deadlines it was journaled with (so a Will or an expiry that fell due while the broker was
     * down happens now); a session that was connected when the broker stopped lost its connection
     * now, and its clocks start now.
     */
    void afterRecovery() {
        outbound.returnOrphans();
        int before = state.sessions().size();
        for (SessionState s : List.copyOf(state.sessions())) {
            if (!queueQos0) {
                dropQos0(s); // QoS 0 deliveries are sent without a journal record of their own
            }
            if (s.expiresAtMillis() == 0) {
                goOffline(s, true);
            } else {
                runClocks(s);
            }
        }
        for (DeclaredSession d : declared.values()) {
            ensureDeclared(d);
        }
        if (before > 0) {
            log.info("after recovery: {} sessions kept, {} ended (expired while the broker was down, or ending "
                    + "with their connection)", state.sessions().size(), before - state.sessions().size());
        }
    }

    // ---------------------------------------------------------------- declared sessions

    /**
     * Makes the declared session exist (offline, its expiry clock started now) if it does not, with
     * its declared expiry if it does, and with every declared subscription it lacks.
     */
    private void ensureDeclared(DeclaredSession d) {
        String clientId = d.clientId();
        SessionState s = state.session(clientId);
        boolean created = s == null;
        boolean changed = !created && s.expiryInterval() != d.expiry();
        if (created) {
            batch.execute(new Command.OpenSession(clientId, true, d.expiry(), null), true);
        } else if (changed) {
            batch.execute(new Command.SetExpiry(clientId, d.expiry()), true); // the declaration changed
        }
        boolean restartClocks = (created || changed) && !connected.containsKey(clientId);
        if (restartClocks) {
            cancelTimers(clientId);
            long expiresAt = d.expiry() == SessionState.NEVER_EXPIRES ? SessionState.NEVER
                    : batch.now() + 1000 * d.expiry();
            batch.execute(new Command.Detach(clientId, expiresAt, created ? 0 : s.willAtMillis()), true);
        }
        int added = addDeclaredSubscriptions(d);
        if (restartClocks) {
            runClocks(state.session(clientId));
        }
        if (created) {
            log.info("declared session {} created with {} subscriptions", clientId, added);
        } else if (added > 0 || changed) {
            log.info("declared session {}: expiry {} s, {} declared subscriptions added", clientId, d.expiry(), added);
        }
    }

    /**
     * Adds the declared subscriptions the session lacks (one the client made on the same filter is
     * left as it is), with Retain Handling 2: no retained messages are queued when they are made.
     * Returns how many were added.
     */
    private int addDeclaredSubscriptions(DeclaredSession d) {
        SessionState s = state.session(d.clientId());
        int added = 0;
        for (DeclaredSession.Subscription sub : d.subscriptions()) {
            if (!s.subscriptions().containsKey(sub.filter())) {
                SubscriptionOptions options = new SubscriptionOptions(sub.qos(), false, false, 2, 0);
                batch.execute(new Command.Subscribe(d.clientId(), sub.filter(), options, List.of()), s.persistent());
                added++;
            }
        }
        return added;
    }

    private void dropQos0(SessionState s) {
        for (Delivery d : List.copyOf(s.queue())) {
            if (d.qos() == 0) {
                batch.execute(new Command.Dequeue(s.clientId(), d.message().id()), false);
            }
        }
    }
}
