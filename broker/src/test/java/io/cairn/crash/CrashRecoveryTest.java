package io.cairn.crash;

import io.cairn.test.RawClient;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The durability promise, proven by killing a real broker process with SIGKILL at random moments
 * while QoS 1 and QoS 2 publishers and persistent subscribers (one of them offline for a while) use
 * it: every message the broker acknowledged (PUBACK / PUBREC) reaches every subscriber, QoS 2
 * exactly once. {@code mvn test -Dcairn.excludedGroups= -Dgroups=long -Dtest=CrashRecoveryTest} runs the 200-kill variant; {@code -Dcairn.crash.durability=memory} shows the checker failing on a broker that keeps nothing.
 */
class CrashRecoveryTest {

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES) // about 30 s: 20 broker restarts and up to 30 s of draining
    void acknowledgedMessagesSurvive20Sigkills(@TempDir Path dir) throws Exception {
        run(dir, 20, 42);
    }

    @Test
    @Tag("long")
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void acknowledgedMessagesSurvive200Sigkills(@TempDir Path dir) throws Exception {
        run(dir, 200, 7);
    }

    /**
     * Admission control under crashes: sessions may hold 300 messages, and one subscriber is online
     * for 0.5 s in every 2 s, so its budget is full most of the time and the (3.1.1) publishers are
     * held, or disconnected and back, again and again. The broker never acknowledges what it cannot
     * hold, so every acknowledged message still reaches both subscribers.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void acknowledgedMessagesSurvive10SigkillsWithFullBudgetsAndARarelyConnectedSubscriber(@TempDir Path dir)
            throws Exception {
        run(dir, 10, 11, 500, "300");
    }

    private void run(Path dir, int kills, long seed) throws Exception {
        run(dir, kills, seed, 0);
    }

    /** {@code rareMillis} > 0: the second subscriber is online that long in every four times that long. */
    private void run(Path dir, int kills, long seed, long rareMillis, String... brokerArgs) throws Exception {
        Random random = new Random(seed);
        int port = freePort();
        File log = new File("target/crash-broker-" + kills + (rareMillis > 0 ? "-budgets" : "") + ".log");
        Checker checker = new Checker();
        Workers workers = new Workers();
        AtomicBoolean stop = new AtomicBoolean();
        try (BrokerProcess broker = new BrokerProcess(port, dir.resolve("data"),
                System.getProperty("cairn.crash.durability", "sync"), log, brokerArgs)) {
            broker.start();
            List<Subscriber> subs = List.of(new Subscriber(port, "crash-sub-1", checker, stop, false, 0),
                    new Subscriber(port, "crash-sub-2", checker, stop, true, rareMillis));
            for (Subscriber s : subs) {
                s.subscribeOnce();
            }
            List<Publisher> pubs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                pubs.add(new Publisher(port, "crash-pub-" + i, 1 + i % 2, 100_000, checker, stop));
            }
            subs.forEach(s -> workers.start(s, s.id));
            pubs.forEach(p -> workers.start(p, p.id));

            for (int k = 0; k < kills; k++) {
                Thread.sleep(100 + random.nextInt(700));
                broker.kill();
                broker.start();
            }
            Thread.sleep(500);
            stop.set(true); // publishers finish their current message, subscribers keep draining
            for (Publisher p : pubs) {
                p.awaitDone();
            }
            long deadline = System.currentTimeMillis() + 30_000;
            while (!checker.allDelivered(subs.size()) && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            for (Subscriber s : subs) {
                s.finish();
            }
            workers.joinAll(10_000);
        }
        workers.assertNoneFailed();
        checker.assertPromiseKept(subs(2), kills);
    }

    private static List<String> subs(int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            ids.add("crash-sub-" + i);
        }
        return ids;
    }

    /**
     * The publisher and subscriber threads, and every exception that escapes one of them: a worker
     * handles the connection loss a kill causes itself (it reconnects and re-sends), so anything that
     * ends a worker's run is a failure of the test, as is a worker that does not finish.
     *
     * <p>Threading: started, joined and asserted from the test thread; failures are added from the
     * worker threads.
     */
    static final class Workers {
        private final List<Thread> threads = new ArrayList<>();
        private final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();

        void start(Runnable r, String name) {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((thread, e) -> failures.add(e));
            threads.add(t);
            t.start();
        }

        void joinAll(long millisEach) throws InterruptedException {
            for (Thread t : threads) {
                t.join(millisEach);
                if (t.isAlive()) {
                    failures.add(new AssertionError(t.getName() + " did not finish within " + millisEach + " ms"));
                }
            }
        }

        void assertNoneFailed() {
            if (failures.isEmpty()) {
                return;
            }
            AssertionError e = new AssertionError(failures.size() + " worker thread(s) failed; the first: "
                    + failures.peek(), failures.peek());
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Records what was acknowledged and what arrived, and judges. */
    static final class Checker {
        final Map<String, Integer> ackedQos = new ConcurrentHashMap<>(); // "pub:seq" -> qos
        final Map<String, Map<String, AtomicInteger>> received = new ConcurrentHashMap<>(); // sub -> key -> count

        void acked(String key, int qos) {
            ackedQos.put(key, qos);
        }

        void received(String sub, String key) {
            received.computeIfAbsent(sub, s -> new ConcurrentHashMap<>()).computeIfAbsent(key, k -> new AtomicInteger())
                    .incrementAndGet();
        }

        boolean allDelivered(int subs) {
            if (received.size() < subs) {
                return false;
            }
            for (Map<String, AtomicInteger> got : received.values()) {
                if (!got.keySet().containsAll(ackedQos.keySet())) {
                    return false;
                }
            }
            return true;
        }

        void assertPromiseKept(List<String> subs, int kills) {
            assertThat(ackedQos).as("the run acknowledged messages").hasSizeGreaterThan(kills * 5);
            List<String> lost = new ArrayList<>();
            List<String> duplicated = new ArrayList<>();
            for (String sub : subs) {
                Map<String, AtomicInteger> got = received.getOrDefault(sub, Map.of());
                ackedQos.forEach((key, qos) -> {
                    AtomicInteger n = got.get(key);
                    if (n == null) {
                        lost.add(sub + " " + key);
                    } else if (qos == 2 && n.get() > 1) {
                        duplicated.add(sub + " " + key + " x" + n.get());
                    }
                });
                got.forEach((key, n) -> {
                    if (key.startsWith("q2") && n.get() > 1) {
                        duplicated.add(sub + " " + key + " x" + n.get() + " (not acknowledged)");
                    }
                });
            }
            System.out.printf("crash run: %d SIGKILLs, %d messages acknowledged, %d lost, %d QoS 2 duplicates%n",
                    kills, ackedQos.size(), lost.size(), duplicated.size());
            assertThat(lost).as("acknowledged but never delivered (of %d acknowledged, %d kills)", ackedQos.size(), kills).isEmpty();
            assertThat(duplicated).as("QoS 2 delivered more than once").isEmpty();
        }
    }

    /** Publishes "q<qos>-<client>:<seq>" one at a time; re-sends after reconnect with DUP=1 (or PUBREL). */
    static final class Publisher implements Runnable {
        private final CrashClient client;
        private final String id;
        private final int qos;
        private final int count;
        private final Checker checker;
        private final AtomicBoolean stop;
        private final AtomicBoolean done = new AtomicBoolean();
        private Thread thread;

        Publisher(int port, String id, int qos, int count, Checker checker, AtomicBoolean stop) {
            this.client = new CrashClient(port, id);
            this.id = id;
            this.qos = qos;
            this.count = count;
            this.checker = checker;
            this.stop = stop;
        }

        void awaitDone() throws InterruptedException {
            while (!done.get()) {
                Thread.sleep(50);
            }
        }

        @Override
        public void run() {
            int seq = 0;
            int packetId = 0;
            boolean released = false; // QoS 2: PUBREC seen, PUBREL to (re-)send
            boolean resend = false;
            try {
                client.connect(Long.MAX_VALUE);
                while (seq < count) {
                    if (!resend && !released) {
                        if (stop.get()) {
                            break;
                        }
                        seq++;
                        packetId = packetId % 65535 + 1;
                    }
                    String key = "q" + qos + "-" + id + ":" + seq;
                    try {
                        if (!released) {
                            client.send(publish311("crash/" + id, qos, false, resend, packetId, key.getBytes(StandardCharsets.UTF_8)));
                            Packet ack = awaitAck(qos == 1 ? PUBACK : PUBREC, packetId);
                            checker.acked(key, qos); // the broker acknowledged: the promise starts here
                            if (qos == 1 || ack == null) {
                                resend = false;
                                continue;
                            }
                            released = true;
                        }
                        client.send(pubrel(packetId));
                        awaitAck(PUBCOMP, packetId);
                        released = false;
                        resend = false;
                    } catch (IOException e) {
                        resend = !released;
                        client.connect(Long.MAX_VALUE);
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(id + " at message " + seq, e);
            } finally {
                client.close();
                done.set(true);
            }
        }

        private Packet awaitAck(int type, int packetId) throws IOException {
            while (true) {
                Packet p = client.read();
                if (p.type() == type && p.u16(0) == packetId) {
                    return p;
                }
            }
        }
    }

    /** A persistent QoS 2 subscriber that deduplicates QoS 2 by packet id until PUBREL, as the spec's receiver does. */
    static final class Subscriber implements Runnable {
        private final CrashClient client;
        private final String id;
        /** What it subscribes to, and the name its deliveries are counted under (a group's members share one). */
        private final String filter;
        private final String countedAs;
        private final Checker checker;
        private final AtomicBoolean stop;
        private final boolean goesOffline;
        /** > 0: online this long, then offline three times as long, over and over. */
        private final long rareMillis;
        private final Set<Integer> qos2Held = new HashSet<>();
        private final AtomicBoolean finished = new AtomicBoolean();

        Subscriber(int port, String id, Checker checker, AtomicBoolean stop, boolean goesOffline, long rareMillis) {
            this(port, id, "crash/#", id, checker, stop, goesOffline, rareMillis);
        }

        Subscriber(int port, String id, String filter, String countedAs, Checker checker, AtomicBoolean stop,
                   boolean goesOffline, long rareMillis) {
            this.rareMillis = rareMillis;
            this.client = new CrashClient(port, id);
            this.id = id;
            this.filter = filter;
            this.countedAs = countedAs;
            this.checker = checker;
            this.stop = stop;
            this.goesOffline = goesOffline;
        }

        void subscribeOnce() throws Exception {
            client.connect(System.currentTimeMillis() + 10_000);
            client.send(subscribe311(1, filter, 2));
            while (client.read().type() != SUBACK) {
                // wait for the SUBACK
            }
            client.close();
        }

        void finish() {
            finished.set(true);
        }

        @Override
        public void run() {
            long offlineAt = System.currentTimeMillis() + (rareMillis > 0 ? rareMillis : 3000);
            try {
                client.connect(Long.MAX_VALUE);
                while (!finished.get()) {
                    if (goesOffline && offlineAt > 0 && System.currentTimeMillis() > offlineAt) {
                        client.close(); // offline across at least one crash
                        Thread.sleep(rareMillis > 0 ? 3 * rareMillis : 3000);
                        offlineAt = rareMillis > 0 ? System.currentTimeMillis() + rareMillis : 0;
                        client.connect(Long.MAX_VALUE);
                    }
                    try {
                        handle(client.read());
                    } catch (java.net.SocketTimeoutException quiet) {
                        // nothing to read; check for the end
                    } catch (IOException e) {
                        if (!finished.get()) {
                            client.connect(Long.MAX_VALUE);
                        }
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(id, e);
            } finally {
                client.close();
            }
        }

        private void handle(Packet p) throws IOException {
            if (p.type() == PUBLISH) {
                int qos = (p.flags() >> 1) & 3;
                int packetId = qos > 0 ? packetIdOf(p) : 0;
                String key = payload311(p);
                if (qos == 2) {
                    if (qos2Held.add(packetId)) {
                        checker.received(countedAs, key);
                    }
                    client.send(pubrec(packetId));
                } else {
                    checker.received(countedAs, key);
                    if (qos == 1) {
                        client.send(puback(packetId));
                    }
                }
            } else if (p.type() == PUBREL) {
                qos2Held.remove(p.u16(0));
                client.send(pubcomp(p.u16(0)));
            }
        }
    }
}
