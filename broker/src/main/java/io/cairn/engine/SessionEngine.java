package io.cairn.engine;

import io.cairn.fault.FailStop;
import io.cairn.routing.Admission;
import io.cairn.security.Authorizer;
import io.cairn.state.BrokerState;
import io.cairn.state.Command;
import io.cairn.stats.BrokerStats;
import io.cairn.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The single writer: the one thread that owns every session and the broker state machine. Protocol
 * handlers hand it work through the public methods (any thread); it takes everything waiting in its
 * inbox as one {@link Batch}, lets the flows turn each piece of work into {@link Command}s applied to
 * {@link BrokerState} at once and into {@link Outbound} events, then commits the batch's durable
 * commands to the {@link Store}; the events leave only when the store reports the batch durable.
 *
 * <p>The work itself is in {@link SessionLifecycle} (connect, takeover, disconnect, offline clocks),
 * {@link InboundFlow} (PUBLISH, PUBREL, Wills), {@link OutboundFlow} (delivery, the PUBACK and
 * PUBREC/PUBREL/PUBCOMP flows) and {@link Subscriptions}.
 *
 * <p>One thread for all sessions (rather than several pinned by client id) because the state machine
 * is global (subscriptions and retained messages are shared) and because a single ordered stream of
 * commands is exactly what the journal, and later Raft, replicate.
 *
 * <p>Any Throwable on the engine thread is a bug that may have left the state half-changed: the
 * engine reports it to its {@link FailStop} (in production the process stops and recovery replays
 * the journal) instead of carrying on or dying silently.
 *
 * <p>Threading: public methods are thread-safe and only enqueue; everything else runs in the engine's
 * turns, one at a time, on one thread: in the broker the event loop that serves the sockets (so a
 * PUBLISH reaches the engine without a hand-off between threads and a turn takes everything read in
 * one pass over the ready sockets), otherwise a thread of its own, {@code cairn-engine}. Timers run
 * on a scheduler thread ({@code cairn-timers}) that only enqueues too.
 */
public final class SessionEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SessionEngine.class);
    private static final int MAX_BATCH = 4096;

    private final Queue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final Store store;
    /** Where the turns run: one thread, never more than one turn at a time. */
    private final Executor turns;
    /** The engine's own thread when it was not given one to run on; else null. */
    private final ExecutorService ownThread;
    /** Set while a turn is queued on {@link #turns} and has not started: work added meanwhile rides it. */
    private final AtomicBoolean turnQueued = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final List<Runnable> work = new ArrayList<>(MAX_BATCH);
    private final ScheduledExecutorService timers;
    private final FailStop failStop;
    private final BrokerStats stats;
    private final Batch batch;
    private final SessionLifecycle sessions;
    private final Authorizer authorizer;
    /** The declared sessions by client id (immutable: read from any thread). */
    private final Map<String, DeclaredSession> declared;
    private final InboundFlow inbound;
    private final OutboundFlow outbound;
    private final Subscriptions subscriptions;
    private final Holds holds;
    private final EngineGauges gauges;
    /** Inbox bytes above which reading pauses; it resumes at half. */
    private final long inboxHighBytes;
    private final Queue<Runnable> drainWaiters = new ConcurrentLinkedQueue<>();
    /** Inbox bytes the current turn took (engine thread). */
    private long takenFromInbox;
    private volatile boolean accepting = true;
    private boolean stopping;

    public SessionEngine(BrokerState state, Store store, EngineLimits limits, FailStop failStop, BrokerStats stats) {
        this(state, store, limits, failStop, stats, Authorizer.ALLOW_ALL);
    }

    /** As above, with the ACL that every PUBLISH, subscription and delivery is checked against. */
    public SessionEngine(BrokerState state, Store store, EngineLimits limits, FailStop failStop, BrokerStats stats,
                         Authorizer authorizer) {
        this(state, store, limits, failStop, stats, authorizer, List.of());
    }

    /**
     * As above, with the operator's declared durable sessions ({@code [[sessions]]}), which
     * {@link #start} creates if absent and which outlive what their clients ask for.
     */
    public SessionEngine(BrokerState state, Store store, EngineLimits limits, FailStop failStop, BrokerStats stats,
                         Authorizer authorizer, List<DeclaredSession> declared) {
        this(state, store, limits, failStop, stats, authorizer, declared, null);
    }

    /**
     * As above, running its turns on {@code turns} (a single thread that never blocks, such as the
     * sockets' event loop), or on a thread of its own ({@code cairn-engine}) when null.
     */
    public SessionEngine(BrokerState state, Store store, EngineLimits limits, FailStop failStop, BrokerStats stats,
                         Authorizer authorizer, List<DeclaredSession> declared, Executor turns) {
        Map<String, DeclaredSession> byId = new HashMap<>();
        declared.forEach(d -> byId.put(d.clientId(), d));
        this.declared = Map.copyOf(byId);
        this.authorizer = authorizer;
        this.store = store;
        this.stats = stats;
        this.failStop = failStop;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "cairn-timers"));
        this.ownThread = turns == null ? Executors.newSingleThreadExecutor(r -> daemon(r, "cairn-engine")) : null;
        this.turns = turns == null ? ownThread : turns;
        Map<String, Connection> connected = new HashMap<>();
        state.holdings().useBudgets(limits.budgets()::limit);
        state.recountHoldings(); // a snapshot restores queues without counting them
        boolean queueQos0 = limits.budgets().session().queueQos0();
        Admission admission = new Admission(state, limits.budgets());
        this.batch = new Batch(state);
        this.outbound = new OutboundFlow(state, batch, connected, stats, authorizer);
        this.inbound = new InboundFlow(state, batch, connected, outbound, store, admission, queueQos0, stats, authorizer);
        this.subscriptions = new Subscriptions(state, batch, outbound, limits, admission, authorizer, stats);
        this.sessions = new SessionLifecycle(state, batch, connected, inbound, outbound, timers, this::submit,
                queueQos0, this.declared);
        this.holds = new Holds(state, stats, timers, this::submit, this::disconnectHeld,
                limits.holdTimeoutSeconds());
        this.gauges = new EngineGauges(state, connected, stats);
        long heap = Runtime.getRuntime().maxMemory();
        this.inboxHighBytes = Math.max(1 << 20, Math.min(64L << 20, heap / 16));
    }

    private void disconnectHeld(Connection c) {
        sessions.detach(c, true, "hold-timeout", null); // the server ends the connection: its Will is due
        batch.close(c);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The ACL this engine applies (the protocol layer checks a Will's topic with it at CONNECT). */
    public Authorizer authorizer() {
        return authorizer;
    }

    /**
     * The declared Session Expiry Interval of {@code clientId}, or -1 when no session is declared for
     * it: the interval a connection with that id gets whatever it asks for (any thread).
     */
    public long declaredExpiry(String clientId) {
        DeclaredSession d = declared.get(clientId);
        return d == null ? -1 : d.expiry();
    }

    /** Starts the engine; recovered sessions get their clocks first. */
    public void start() {
        submit(sessions::afterRecovery);
    }

    // ---------------------------------------------------------------- entry points (any thread)

    public void connect(Connection c) {
        submit(() -> sessions.connect(c));
    }

    /**
     * A PUBLISH. Its payload counts in the inbox until the engine takes it: while the inbox holds
     * more than its bound, {@link #inboxFull} tells the protocol layer to stop reading.
     */
    public void publish(Connection c, InboundPublish p) {
        long size = p.payload().length + p.topic().length() + 64L;
        stats.inboxBytes.addAndGet(size);
        submit(() -> {
            takenFromInbox += size; // subtracted once per turn: one contended update instead of one per message
            if (c.current) {
                holds.runOrPark(c, () -> inbound.publish(c, p));
            }
        });
    }

    /** Whether the inbox holds more than its bound: callers stop reading until {@link #whenInboxDrains}. */
    public boolean inboxFull() {
        return stats.inboxBytes.get() > inboxHighBytes;
    }

    /** Runs {@code resume} (on the engine thread, or at once) when the inbox is down to half its bound. */
    public void whenInboxDrains(Runnable resume) {
        stats.readPauses.increment();
        drainWaiters.add(resume);
        if (stats.inboxBytes.get() <= inboxHighBytes / 2) {
            resumeReaders(); // it drained before we were listed
        }
    }

    private void resumeReaders() {
        Runnable r;
        while ((r = drainWaiters.poll()) != null) {
            r.run();
        }
    }

    /** The client's socket stopped taking writes ({@code false}) or takes them again. */
    public void writable(Connection c, boolean writable) {
        whileCurrent(c, () -> outbound.writable(c, writable));
    }

    /**
     * A broker message ({@code $SYS/...}): retained, QoS 0, routed like any other but never journaled
     * (it is regenerated after a restart).
     */
    public void publishSystem(String topic, byte[] payload) {
        submit(() -> inbound.publishSystem(topic, payload));
    }

    public void puback(Connection c, int packetId) {
        whileCurrent(c, () -> outbound.puback(c, packetId));
    }

    /** A PUBREC from the client; {@code reason} is its 5.0 reason code (0 for 3.x). */
    public void pubrec(Connection c, int packetId, int reason) {
        whileCurrent(c, () -> outbound.pubrec(c, packetId, reason));
    }

    public void pubrel(Connection c, int packetId) {
        whileCurrent(c, () -> inbound.pubrel(c, packetId));
    }

    public void pubcomp(Connection c, int packetId) {
        whileCurrent(c, () -> outbound.pubcomp(c, packetId));
    }

    public void subscribe(Connection c, int packetId, List<SubscriptionRequest> requests) {
        whileCurrent(c, () -> holds.runOrPark(c, () -> subscriptions.subscribe(c, packetId, requests)));
    }

    public void unsubscribe(Connection c, int packetId, List<String> filters) {
        whileCurrent(c, () -> holds.runOrPark(c, () -> {
            subscriptions.unsubscribe(c, packetId, filters);
            return true;
        }));
    }

    /**
     * A DISCONNECT from the client. {@code withWill} for 5.0 reason 0x04; {@code newExpiry} is the
     * 5.0 Session Expiry Interval from the DISCONNECT, or -1 when absent.
     */
    public void disconnect(Connection c, boolean withWill, long newExpiry) {
        disconnect(c, -1, withWill, newExpiry);
    }

    /** As above, with the 5.0 reason code of the DISCONNECT (-1 for 3.x), which the activity log shows. */
    public void disconnect(Connection c, int reasonCode, boolean withWill, long newExpiry) {
        whileCurrent(c, () -> {
            holds.forget(c); // what it parked was never acknowledged
            sessions.disconnect(c, reasonCode, withWill, newExpiry);
        });
    }

    /** The network connection ended without DISCONNECT (or after one; then this is a no-op). */
    public void connectionLost(Connection c) {
        connectionLost(c, "connection-lost", null);
    }

    /**
     * As above, with why the connection ended for the activity log: a token such as
     * keep-alive-timeout or protocol-error, and a detail (or null).
     */
    public void connectionLost(Connection c, String reason, String detail) {
        whileCurrent(c, () -> {
            holds.forget(c);
            sessions.detach(c, true, reason, detail);
        });
    }

    /** Work for a connection, done only while it holds its session (not after a takeover or its end). */
    private void whileCurrent(Connection c, Runnable work) {
        submit(() -> {
            if (c.current) {
                work.run();
            }
        });
    }

    private void submit(Runnable work) {
        if (accepting) {
            inbox.add(work);
            queueTurn();
        }
    }

    private void queueTurn() {
        if (!turnQueued.get() && turnQueued.compareAndSet(false, true)) {
            try {
                turns.execute(this::turn);
            } catch (RejectedExecutionException e) {
                // the thread the turns ran on has stopped (the broker is closing): no turn can run again
                accepting = false;
                stopped.countDown();
            }
        }
    }

    // ---------------------------------------------------------------- the engine's turn

    /** One batch: everything in the inbox (up to MAX_BATCH), applied, then committed. */
    private void turn() {
        turnQueued.set(false); // from here on, new work queues another turn
        if (stopping) {
            return;
        }
        try {
            runBatch();
        } catch (Throwable t) {
            accepting = false;
            stopping = true;
            stopped.countDown();
            failStop.fail("the session engine (thread " + Thread.currentThread().getName() + ")", t);
            return;
        }
        if (stopping) {
            stopped.countDown();
        } else if (!inbox.isEmpty()) {
            queueTurn(); // more than MAX_BATCH: let the sockets have their turn first
        }
    }

    private void runBatch() {
        for (Runnable r; work.size() < MAX_BATCH && (r = inbox.poll()) != null; ) {
            work.add(r);
        }
        if (work.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        batch.begin(System.currentTimeMillis());
        try {
            for (Runnable r : work) {
                r.run();
            }
        } finally {
            work.clear();
        }
        stats.inboxBytes.addAndGet(-takenFromInbox);
        takenFromInbox = 0;
        holds.retry();
        gauges.publish(batch.now());
        batch.commit(store);
        stats.engineTurnNanos.record(System.nanoTime() - started);
        if (!drainWaiters.isEmpty() && stats.inboxBytes.get() <= inboxHighBytes / 2) {
            resumeReaders();
        }
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Stops the engine in order: the work already queued is done, every connected 5.0 client gets
     * DISCONNECT 0x8B (Server shutting down) and every connection is closed, and that last batch
     * is committed to the store like any other (its packets leave when it is durable). Work
     * submitted after this is ignored. Waits up to 10 s for that last turn. Never call it from the
     * thread the turns run on.
     */
    @Override
    public void close() {
        submit(() -> {
            sessions.disconnectEveryone();
            stopping = true;
        });
        accepting = false;
        try {
            if (!stopped.await(10, TimeUnit.SECONDS)) {
                log.warn("session engine did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownThread != null) {
            ownThread.shutdownNow();
        }
        timers.shutdownNow(); // after the engine: its last batch may still schedule clocks
    }
}
