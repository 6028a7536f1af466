package io.cairn.store;

import io.cairn.state.Command;
import io.cairn.state.BrokerState;
import io.cairn.state.SessionState;
import io.cairn.state.Will;

import io.cairn.Broker;
import io.cairn.config.BrokerConfig;
import io.cairn.test.RawClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine journals only the commands that touch state outliving a connection. Replaying exactly
 * that subset, as recovery does, must give the live state the broker had: a command wrongly left out
 * of the journal (or one whose effect depends on a command left out) shows up here as a difference.
 * Real clients drive a real engine through persistent, clean and expiring sessions, every QoS flow,
 * retained messages, unsubscribes and a Will; then the broker stops and both states are compared.
 */
class JournaledSubsetReplayTest {

    /** Keeps the live state and every batch of journaled commands; releases at once. */
    private static final class RecordingStore implements Store {
        final BrokerState live = new BrokerState();
        final List<Command> journaled = new CopyOnWriteArrayList<>();

        @Override
        public BrokerState recover() {
            return live;
        }

        @Override
        public void commit(List<Command> commands, Runnable onDurable) {
            journaled.addAll(commands);
            onDurable.run();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void replayingTheJournaledCommandsGivesTheLiveStateOfEverySessionThatOutlivesItsConnection() throws Exception {
        RecordingStore store = new RecordingStore();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        BrokerConfig config = BrokerConfig.defaults().withListeners(List.of(BrokerConfig.Listener.tcp("127.0.0.1", 0)))
                .withStorage(BrokerConfig.Storage.defaults().withDurability("memory"));
        Broker broker = Broker.start(config, store, (where, cause) -> failures.add(cause));
        int port = broker.boundAddresses().get(0).getPort();
        try (RawClient persistent = RawClient.connected311(port, "replay-persistent", false);
             RawClient clean = RawClient.connected311(port, "replay-clean", true);
             RawClient expiring = RawClient.connected5(port, "replay-expiring", true, 600);
             RawClient member = RawClient.connected311(port, "replay-member", false);
             RawClient cleanMember = RawClient.connected311(port, "replay-clean-member", true);
             RawClient pub = RawClient.connected311(port, "replay-pub", true)) {
            member.subscribe311("$share/g/rs/#", 2, 1); // a group with a persistent and a clean member
            cleanMember.subscribe311("$share/g/rs/#", 2, 1);
            persistent.subscribe311("rs/#", 2, 1);
            clean.subscribe311("rs/#", 1, 1);
            expiring.send(subscribe5(1, "rs/+", 1));
            expiring.readUntil(SUBACK);
            for (int i = 0; i < 30; i++) {
                int qos = i % 3;
                pub.send(publish311("rs/" + (char) ('a' + i % 4), qos, i % 7 == 0, false, 1 + i, payload(i)));
                if (qos > 0) {
                    pub.readUntil(qos == 1 ? PUBACK : PUBREC);
                }
                if (qos == 2) {
                    pub.send(pubrel(1 + i));
                    pub.readUntil(PUBCOMP);
                }
            }
            acknowledgeSome(persistent, 12);
            acknowledgeSome(expiring, 7);
            acknowledgeSome(member, 5);
            acknowledgeSome(cleanMember, 3); // leaves with QoS 1 and 2 in flight
            persistent.send(unsubscribe311(9, "rs/#"));
            persistent.readUntil(UNSUBACK);
            persistent.subscribe311("rs/a", 1, 10);
        }
        try (RawClient willer = new RawClient(port)) { // a persistent session lost with a Will
            willer.send(connect("replay-willer").clean(false).will("rs/will", "gone", 1, false).v311());
            willer.read();
        }
        try (RawClient pub = RawClient.connected311(port, "replay-pub2", true)) {
            for (int i = 30; i < 40; i++) {
                pub.send(publish311("rs/a", 1, false, false, i, payload(i)));
                pub.readUntil(PUBACK);
            }
        }
        Thread.sleep(200);
        broker.close();
        assertThat(failures).isEmpty();

        BrokerState replayed = new BrokerState();
        for (Command c : store.journaled) {
            replayed.apply(CommandReplayTest.roundTrip(c));
        }
        // $SYS messages are regenerated after a restart, never journaled (engine.publishSystem)
        assertThat(withoutSys(withoutLastId(CommandReplayTest.digest(replayed))))
                .isEqualTo(withoutSys(withoutLastId(CommandReplayTest.digest(store.live))));
        assertThat(replayed.sessions()).extracting(SessionState::clientId)
                .containsExactlyInAnyOrder("replay-persistent", "replay-expiring", "replay-willer", "replay-member");
        assertThat(replayed.shared()).as("the group lives on with its persistent member").containsOnlyKeys("$share/g/rs/#");
        assertThat(replayed.lastMessageId()).as("ids of unjournaled messages may be reused, never journaled ones")
                .isLessThanOrEqualTo(store.live.lastMessageId());
    }

    private static String withoutSys(String digest) {
        return digest.lines().filter(l -> !l.startsWith("retained $SYS/")).map(l -> l + "\n")
                .collect(java.util.stream.Collectors.joining());
    }

    /** Reads what arrived and acknowledges up to {@code n} deliveries, completing QoS 2 flows. */
    private static void acknowledgeSome(RawClient c, int n) throws Exception {
        c.timeout(500);
        List<Integer> pubrecs = new ArrayList<>();
        int acked = 0;
        try {
            while (acked < n) {
                Packet p = c.read();
                if (p.type() != PUBLISH) {
                    continue;
                }
                int qos = (p.flags() >> 1) & 3;
                int id = qos > 0 ? packetIdOf(p) : 0;
                if (qos == 1) {
                    c.send(puback(id));
                    acked++;
                } else if (qos == 2) {
                    c.send(pubrec(id));
                    pubrecs.add(id);
                    acked++;
                }
            }
            for (int i = 0; i < pubrecs.size(); i++) {
                Packet rel = c.readUntil(PUBREL);
                c.send(pubcomp(rel.u16(0)));
            }
        } catch (java.net.SocketTimeoutException e) {
            // fewer deliveries than n: all acknowledged
        }
        c.timeout(5000);
    }

    private static String withoutLastId(String digest) {
        return digest.substring(digest.indexOf('\n') + 1);
    }

    private static byte[] payload(int i) {
        return ("m" + i).getBytes(StandardCharsets.UTF_8);
    }
}
