package io.cairn.store.journal;

import io.cairn.Broker;
import io.cairn.config.BrokerConfig;
import io.cairn.store.JournalStore;
import io.cairn.test.RawClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Power loss under the whole broker: the journal runs on a simulated disk that keeps only forced
 * bytes (and a torn prefix of the rest, or any subset of the unforced pages) when the power is cut in
 * the middle of QoS 1 and QoS 2 traffic. A broker must start by itself on what the disk kept and, in
 * {@code sync} mode, deliver every message that was acknowledged before the cut to the persistent
 * subscriber, QoS 2 exactly once.
 */
class BrokerPowerLossTest {

    private static final Path DIR = Path.of("/power/journal");
    /** How long a force takes: groups gather meanwhile, and a cut can find one written but not forced. */
    private static final long FORCE_NANOS = 1_000_000;
    /** Cuts after which the last segment had valid records after the place its data broke off. */
    private int cutsKeepingAPageAfterALostOne;

    @Test
    void everyAcknowledgedMessageSurvivesAPowerCut() throws Exception {
        long acknowledgedOverall = 0;
        for (long seed = 1; seed <= 12; seed++) {
            acknowledgedOverall += runOnce(seed, PowerLossFiles.Tear.PREFIX, Journal.Mode.SYNC);
        }
        assertThat(acknowledgedOverall).as("the cuts hit acknowledged traffic").isGreaterThan(1000);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES) // up to 24 cuts on a loaded machine
    void everyAcknowledgedMessageSurvivesAPowerCutKeepingAnySubsetOfUnforcedPages() throws Exception {
        long acknowledgedOverall = 0;
        // at least 8 cuts, and more (up to 24) until two of them lost a page but kept a later one:
        // how many unforced pages a cut finds depends on the machine's load
        for (long seed = 1; seed <= 8 || (cutsKeepingAPageAfterALostOne < 2 && seed <= 24); seed++) {
            acknowledgedOverall += runOnce(seed, PowerLossFiles.Tear.PAGES, Journal.Mode.SYNC);
        }
        assertThat(acknowledgedOverall).as("the cuts hit acknowledged traffic").isGreaterThan(500);
        assertThat(cutsKeepingAPageAfterALostOne).as("cuts that lost a page but kept a later one").isGreaterThan(1);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES) // up to 24 cuts on a loaded machine
    void periodicTheBrokerStartsByItselfAfterAPowerCutKeepingAnySubsetOfUnforcedPages() throws Exception {
        for (long seed = 1; seed <= 6 || (cutsKeepingAPageAfterALostOne < 2 && seed <= 24); seed++) {
            runOnce(seed, PowerLossFiles.Tear.PAGES, Journal.Mode.PERIODIC); // periodic may lose acknowledged messages
        }
        assertThat(cutsKeepingAPageAfterALostOne).as("cuts that lost a page but kept a later one").isGreaterThan(1);
    }

    /**
     * One cut under traffic; the broker must start on what the disk kept (no repair). In {@code SYNC}
     * mode every acknowledged message must then be delivered, QoS 2 exactly once; in {@code PERIODIC}
     * mode every message delivered must be one that was sent, intact. Returns how many were acknowledged.
     */
    private long runOnce(long seed, PowerLossFiles.Tear tear, Journal.Mode mode) throws Exception {
        Random random = new Random(seed);
        PowerLossFiles disk = new PowerLossFiles();
        disk.forceNanos = FORCE_NANOS;
        PowerLossFiles afterCut = null;
        Map<String, Integer> acked = new ConcurrentHashMap<>();
        Broker broker = start(disk, mode);
        try {
            try (RawClient sub = RawClient.connected311(port(broker), "pl-sub", false)) {
                sub.subscribe311("pl/#", 2, 1);
            }
            try (RawClient pub = RawClient.connected311(port(broker), "pl-pub", false)) {
                int total = 200 + random.nextInt(400);
                int settled = random.nextInt(total / 2);
                for (int i = 1; i <= total; i++) {
                    int qos = 1 + i % 2;
                    pub.send(publish311("pl/" + qos, qos, false, false, i, payload(i)));
                    if (i == settled) {
                        readAcks(pub, acked, settled); // a first part fully acknowledged
                    }
                }
                // the power goes while the rest of the traffic is in flight (with pages: while a segment write is unforced)
                Thread.sleep(random.nextInt(20));
                afterCut = tear == PowerLossFiles.Tear.PAGES ? disk.crashWhileASegmentWriteIsUnforced(random, 500)
                        : disk.crash(random, tear);
                pub.timeout(500);
                readAcks(pub, acked, Integer.MAX_VALUE);
            }
        } finally {
            broker.close();
        }
        afterCut.forceNanos = FORCE_NANOS;
        if (afterCut.validRecordsAfterTheBreak(DIR)) {
            cutsKeepingAPageAfterALostOne++;
        }
        Broker restarted = start(afterCut, mode);
        try (RawClient sub = RawClient.connected311(port(restarted), "pl-sub", false)) {
            sub.timeout(1000);
            Map<String, Integer> received = new HashMap<>();
            Set<Integer> held = new HashSet<>();
            boolean allReceived = false;
            while (true) {
                Packet p;
                try {
                    p = sub.read();
                } catch (java.net.SocketTimeoutException done) {
                    break;
                }
                if (p.type() == PUBLISH) {
                    int qos = (p.flags() >> 1) & 3;
                    int id = packetIdOf(p);
                    if (qos == 1 || held.add(id)) {
                        received.merge(nameOf(payload311(p)), 1, Integer::sum);
                    }
                    sub.send(bytes(qos == 1 ? 0x40 : 0x50, 0x02, id >> 8, id & 0xFF));
                } else if (p.type() == PUBREL) {
                    held.remove(p.u16(0));
                    sub.send(pubcomp(p.u16(0)));
                }
                if (!allReceived && received.keySet().containsAll(acked.keySet())) {
                    // keep reading (and counting) until the broker is quiet for 300 ms, so that a duplicate
                    // delivered after the last acknowledged message fails the exactly-once check below;
                    // stillOpenAfter cannot be used: the PUBREL of the last QoS 2 message, and messages written
                    // but not acknowledged before the cut, legitimately arrive in that window
                    allReceived = true;
                    sub.timeout(300);
                }
            }
            if (mode == Journal.Mode.PERIODIC) {
                return acked.size();
            }
            for (Map.Entry<String, Integer> a : acked.entrySet()) {
                assertThat(received).as("seed %d: acknowledged %s (QoS %d) delivered", seed, a.getKey(), a.getValue())
                        .containsKey(a.getKey());
                if (a.getValue() == 2) {
                    assertThat(received.get(a.getKey())).as("seed %d: QoS 2 %s exactly once", seed, a.getKey()).isEqualTo(1);
                }
            }
        } finally {
            restarted.close();
        }
        return acked.size();
    }

    /** Reads acknowledgements until the dead broker stops answering; PUBACK / PUBREC count as acknowledged. */
    private static void readAcks(RawClient pub, Map<String, Integer> acked, int until) throws IOException {
        while (acked.size() < until) {
            Packet p;
            try {
                p = pub.read();
            } catch (java.net.SocketTimeoutException | java.io.EOFException silent) {
                return;
            }
            if (p.type() == PUBACK) {
                acked.put("m" + p.u16(0), 1);
            } else if (p.type() == PUBREC) {
                acked.put("m" + p.u16(0), 2);
            }
        }
    }

    /**
     * {@code m<i> } and some padding, so that a group of records spans several pages: the name is
     * what is acknowledged and counted, the padding is checked to be intact.
     */
    private static byte[] payload(int i) {
        return ("m" + i + " " + "p".repeat(i * 7919 % 1500)).getBytes(StandardCharsets.UTF_8);
    }

    /** The message's name, once its payload is checked to be the one sent. */
    private static String nameOf(String payload) {
        String name = payload.substring(0, payload.indexOf(' '));
        assertThat(payload.getBytes(StandardCharsets.UTF_8)).as("payload of %s intact", name)
                .isEqualTo(payload(Integer.parseInt(name.substring(1))));
        return name;
    }

    private Broker start(PowerLossFiles disk, Journal.Mode mode) throws Exception {
        BrokerConfig config = BrokerConfig.defaults().withListeners(List.of(BrokerConfig.Listener.tcp("127.0.0.1", 0)));
        Journal.Options options = Journal.Options.of(DIR, mode).withSegmentSize(64 * 1024).withFlushInterval(20)
                .withFiles(disk);
        return Broker.start(config, new JournalStore(options));
    }

    private static int port(Broker b) {
        return b.boundAddresses().get(0).getPort();
    }
}
