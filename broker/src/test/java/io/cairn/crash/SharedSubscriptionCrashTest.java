package io.cairn.crash;

import io.cairn.crash.CrashRecoveryTest.Checker;
import io.cairn.crash.CrashRecoveryTest.Publisher;
import io.cairn.crash.CrashRecoveryTest.Subscriber;
import io.cairn.crash.CrashRecoveryTest.Workers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A shared subscription's promise under SIGKILLs of the broker: three persistent members of
 * {@code $share/workers/crash/#} (one of them drops its connection without DISCONNECT every few
 * seconds and comes back, as a crashing consumer does) take QoS 1 and QoS 2 messages from four
 * publishers while the broker process is killed at random moments. Every message the broker
 * acknowledged reaches the group (some member) at least once, and a QoS 2 message reaches it exactly
 * once: a member's QoS 2 delivery in flight is completed to that member, never handed to another.
 */
class SharedSubscriptionCrashTest {

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyAcknowledgedMessageReachesTheGroupAcross10SigkillsWithAMemberComingAndGoing(@TempDir Path dir)
            throws Exception {
        Random random = new Random(5);
        int kills = 10;
        int port = CrashRecoveryTest.freePort();
        Checker checker = new Checker();
        Workers workers = new Workers();
        AtomicBoolean stop = new AtomicBoolean();
        String filter = "$share/workers/crash/#";
        try (BrokerProcess broker = new BrokerProcess(port, dir.resolve("data"), "sync",
                new File("target/crash-broker-shared.log"))) {
            broker.start();
            List<Subscriber> members = List.of(
                    new Subscriber(port, "member-1", filter, "group", checker, stop, false, 0),
                    new Subscriber(port, "member-2", filter, "group", checker, stop, false, 0),
                    new Subscriber(port, "member-3", filter, "group", checker, stop, true, 700));
            for (Subscriber m : members) {
                m.subscribeOnce();
            }
            List<Publisher> pubs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                pubs.add(new Publisher(port, "shared-pub-" + i, 1 + i % 2, 100_000, checker, stop));
            }
            members.forEach(m -> workers.start(m, "member"));
            pubs.forEach(p -> workers.start(p, "publisher"));
            for (int k = 0; k < kills; k++) {
                Thread.sleep(300 + random.nextInt(700));
                broker.kill();
                broker.start();
            }
            Thread.sleep(500);
            stop.set(true);
            for (Publisher p : pubs) {
                p.awaitDone();
            }
            long deadline = System.currentTimeMillis() + 30_000;
            while (!checker.allDelivered(1) && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            Thread.sleep(500); // a late duplicate would show now
            members.forEach(Subscriber::finish);
            workers.joinAll(10_000);
        }
        workers.assertNoneFailed();
        checker.assertPromiseKept(List.of("group"), kills);
    }
}
