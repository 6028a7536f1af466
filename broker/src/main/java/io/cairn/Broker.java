package io.cairn;

import io.cairn.admin.AdminEndpoint;
import io.cairn.config.BrokerConfig;
import io.cairn.fault.FailStop;
import io.cairn.engine.DeclaredSession;
import io.cairn.engine.EngineLimits;
import io.cairn.engine.SessionEngine;
import io.cairn.metrics.Metrics;
import io.cairn.routing.Budgets;
import io.cairn.security.AuthMethods;
import io.cairn.security.Authenticator;
import io.cairn.security.Authorizer;
import io.cairn.security.FileAuthenticator;
import io.cairn.security.FileAuthorizer;
import io.cairn.security.SecurityFileException;
import io.cairn.routing.QueueLimits;
import io.cairn.state.BrokerState;
import io.cairn.stats.BrokerStats;
import io.cairn.store.DataDirLock;
import io.cairn.store.JournalStore;
import io.cairn.store.MemoryStore;
import io.cairn.store.Store;
import io.cairn.store.journal.Journal;
import io.cairn.transport.Listeners;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * One running broker: the store, the session engine, the listeners and the metrics exporters.
 *
 * <p>{@link #start} goes in an order that loses nothing when it fails: bind every listener (without
 * accepting) and the metrics endpoint (without serving), then lock the data directory, then recover,
 * then start the engine and the metrics ($SYS topics, the endpoint), then accept. So a broker that
 * cannot bind a port or is second on a data directory stops before it reads or writes any data, and
 * "started" is logged only when clients can be served. {@link #close} goes the other way: stop the
 * metrics, stop accepting, stop the engine (5.0 clients get DISCONNECT 0x8B), let the store write
 * what it holds and run its last callbacks, then stop the event loops, then release the directory.
 *
 * <p>{@link #reload} (SIGHUP) re-reads what can change without a restart: today the certificates and
 * keys of tls and wss listeners.
 *
 * <p>Threading: {@code start}, {@code reload} and {@code close} may be called from any thread;
 * {@code close} is idempotent; {@code reload} and {@code close} are serialised.
 */
public final class Broker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Broker.class);

    private final Store store;
    private final SessionEngine engine;
    private final Listeners listeners;
    private final DataDirLock lock;
    private final List<InetSocketAddress> addresses;
    private final BrokerStats stats;
    private final Metrics metrics;
    /** Set once start-up is complete (the constructor runs before it). */
    private volatile AdminEndpoint admin;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Security security;

    /**
     * The password file and the ACL of {@code [auth]}, each null when not configured, and what the
     * listeners and the engine are given for them. SCRAM-SHA-512 is offered when there is a password
     * file (its users are SCRAM's users); without one no Authentication Method is.
     */
    private record Security(FileAuthenticator passwords, FileAuthorizer acl, Authenticator authenticator,
                            Authorizer authorizer, AuthMethods methods) {
        static Security load(BrokerConfig.Auth auth) throws SecurityFileException {
            FileAuthenticator passwords = auth.passwordFile() == null ? null
                    : FileAuthenticator.load(auth.passwordFile(), auth.allowAnonymous());
            FileAuthorizer acl = auth.aclFile() == null ? null : FileAuthorizer.load(auth.aclFile());
            return new Security(passwords, acl,
                    passwords != null ? passwords : Authenticator.withoutCredentials(auth.allowAnonymous()),
                    acl != null ? acl : Authorizer.ALLOW_ALL,
                    passwords != null ? AuthMethods.of(List.of(passwords.scram())) : AuthMethods.NONE);
        }
    }

    private Broker(Store store, SessionEngine engine, Listeners listeners, DataDirLock lock,
                   List<InetSocketAddress> addresses, BrokerStats stats, Metrics metrics, Security security) {
        this.security = security;
        this.stats = stats;
        this.metrics = metrics;
        this.store = store;
        this.engine = engine;
        this.listeners = listeners;
        this.lock = lock;
        this.addresses = addresses;
    }

    /** Starts a broker on the given configuration; listeners with port 0 get a free port. */
    public static Broker start(BrokerConfig config) throws Exception {
        return start(config, openStore(config.storage()), FailStop.PROCESS_EXIT);
    }

    /** Starts a broker on a store of the caller's choosing (tests: a journal on a simulated disk). */
    public static Broker start(BrokerConfig config, Store store) throws Exception {
        return start(config, store, FailStop.PROCESS_EXIT);
    }

    /** As {@link #start(BrokerConfig, Store)}, with what a vital thread's failure does (tests record it). */
    public static Broker start(BrokerConfig config, Store store, FailStop failStop) throws Exception {
        long t0 = System.nanoTime();
        BrokerStats stats = new BrokerStats();
        Security security = Security.load(config.auth()); // a file that does not parse stops start-up here
        Listeners listeners = new Listeners(stats, security.authenticator(), security.methods());
        DataDirLock lock = null;
        SessionEngine engine = null;
        Metrics metrics = null;
        try {
            List<InetSocketAddress> addresses = listeners.bind(config);
            metrics = Metrics.bind(config.metrics(), stats);
            if (!config.storage().durability().equals("memory")) {
                lock = DataDirLock.acquire(config.storage().dir());
            }
            store.recordInto(stats);
            BrokerState state = store.recover();
            engine = new SessionEngine(state, store, engineLimits(config), failStop, stats, security.authorizer(),
                    declaredSessions(config), engineThread(listeners));
            engine.start();
            metrics.start(engine);
            AdminEndpoint admin = AdminEndpoint.start(stats, config.storage().dir(),
                    config.storage().durability().equals("memory") ? null : config.storage().dir().resolve("journal"));
            listeners.open(engine);
            log.info("Cairn started in {} ms (durability {}, data {})", (System.nanoTime() - t0) / 1_000_000,
                    config.storage().durability(), config.storage().dir().toAbsolutePath().normalize());
            Broker broker = new Broker(store, engine, listeners, lock, addresses, stats, metrics, security);
            broker.admin = admin;
            return broker;
        } catch (Exception | Error e) {
            if (metrics != null) {
                metrics.close();
            }
            if (engine != null) {
                engine.close(); // before the listeners: its turns run on their event loop
            }
            listeners.close();
            if (engine != null || lock != null) {
                store.close(); // never a store we did not lock: it would write into another broker's directory
            }
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
    }

    /**
     * Where the engine runs: on the connections' event loop (no hand-off between threads for a
     * packet read there), or with {@code -Dcairn.engine=thread} on a thread of its own, as before
     * (kept for comparing the two).
     */
    private static java.util.concurrent.Executor engineThread(Listeners listeners) {
        String mode = System.getProperty("cairn.engine", "loop");
        return switch (mode) {
            case "loop" -> {
                log.info("session engine on the connections' event loop (cairn-io)");
                yield listeners.connectionsLoop();
            }
            case "thread" -> {
                log.info("session engine on a thread of its own (cairn-engine, -Dcairn.engine=thread)");
                yield null;
            }
            default -> throw new IllegalArgumentException("-Dcairn.engine=" + mode + ": expected loop or thread");
        };
    }

    private static EngineLimits engineLimits(BrokerConfig config) {
        BrokerConfig.Mqtt m = config.mqtt();
        BrokerConfig.Router r = config.router();
        Map<String, Long> custom = new HashMap<>();
        r.customSegments().forEach((pattern, segment) -> custom.put(pattern, segment.capacity()));
        Budgets budgets = new Budgets(r.segment().capacity(), Map.copyOf(custom),
                new QueueLimits(m.maxQueuedMessages(), m.maxQueuedBytes(), m.queueQos0()),
                Budgets.ceilingFromHeap(), r.overflow().equals("drop-oldest"));
        return new EngineLimits(m.maxQos(), m.maxTopicLevels(), budgets, r.holdTimeoutS());
    }

    /** The [[sessions]] of the configuration, as the engine takes them. */
    private static List<DeclaredSession> declaredSessions(BrokerConfig config) {
        return config.sessions().stream().map(s -> new DeclaredSession(s.clientId(),
                s.subscriptions().stream().map(x -> new DeclaredSession.Subscription(x.filter(), x.qos())).toList(),
                s.expiry())).toList();
    }

    private static Store openStore(BrokerConfig.Storage storage) {
        return switch (storage.durability()) {
            case "memory" -> new MemoryStore();
            case "periodic" -> new JournalStore(storage.dir(), Journal.Mode.PERIODIC, storage.flushIntervalMs(),
                    storage.segmentSize());
            default -> new JournalStore(storage.dir(), Journal.Mode.SYNC, storage.flushIntervalMs(), storage.segmentSize());
        };
    }

    /** The bound address of each listener, in the order of the configuration. */
    public List<InetSocketAddress> boundAddresses() {
        return addresses;
    }

    /** The broker's figures (what the metrics endpoint and $SYS report). */
    public BrokerStats stats() {
        return stats;
    }

    /** The bound address of the metrics endpoint, or null without {@code [metrics] bind}. */
    public InetSocketAddress metricsAddress() {
        return metrics.address();
    }

    /**
     * Re-reads the files the broker can take up while running, without dropping a connection
     * (SIGHUP): the certificates and keys of tls and wss listeners (new connections get the new
     * ones), the password file and the ACL file (each swapped whole; new CONNECTs, PUBLISHes,
     * SUBSCRIBEs and every later delivery follow them; connected clients keep their sessions).
     * Whatever fails to load keeps its previous state and is logged with the reason (FILE:LINE for
     * the security files). Returns false when a certificate or key failed to reload.
     */
    public synchronized boolean reload() {
        if (closed.getCount() == 0) {
            return false;
        }
        boolean ok = reloadCertificates();
        if (security.passwords() != null) {
            security.passwords().reload();
        }
        if (security.acl() != null) {
            security.acl().reload();
        }
        return ok;
    }

    /** The TLS half of {@link #reload}: one log line, and one more per listener whose files fail. */
    private boolean reloadCertificates() {
        boolean ok = true;
        List<String> reloaded = new ArrayList<>();
        for (Map.Entry<String, String> e : listeners.reloadTls().entrySet()) {
            if (e.getValue() == null) {
                reloaded.add(e.getKey());
            } else {
                ok = false;
                log.warn("reload: the {} listener keeps its previous certificate: {}", e.getKey(), e.getValue());
            }
        }
        log.info("reload: {}", reloaded.isEmpty() ? "no certificate reloaded"
                : "certificates and keys reloaded for " + String.join(", ", reloaded));
        return ok;
    }

    /** Blocks until the broker is closed. */
    public void awaitClose() throws InterruptedException {
        closed.await();
    }

    @Override
    public synchronized void close() {
        if (closed.getCount() == 0) {
            return;
        }
        if (admin != null) {
            admin.close();
        }
        metrics.close(); // first: $SYS publishes into the engine, which is about to stop
        listeners.stopAccepting();
        engine.close();
        store.close();
        listeners.close();
        if (lock != null) {
            lock.close();
        }
        closed.countDown();
        log.info("Cairn stopped");
    }
}
