package io.cairn.ops;

import io.cairn.config.BrokerConfig;
import io.cairn.security.PasswordFile;
import io.cairn.test.Packets;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client activity log over real sockets: each event a client causes gives exactly the line an
 * operator greps for, on the cairn.clients category, and {@code [log] clients = false} silences them.
 */
class ClientActivityLogTest {

    /** A client's address as the log shows it. */
    private static final String ADDR = "127\\.0\\.0\\.1:\\d+";

    @TempDir
    Path dir;

    private TestBroker broker;
    private ActivityLines log;

    @BeforeEach
    void capture() {
        log = new ActivityLines();
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
        log.close();
    }

    private void start(UnaryOperator<BrokerConfig> config) throws Exception {
        broker = TestBroker.startWith(config);
    }

    private String listener() {
        return "tcp:" + broker.port();
    }

    @Test
    void aConnectNamesIdAddressListenerVersionCleanExpiryUserAndSessionPresent() throws Exception {
        start(c -> c);
        try (RawClient c = RawClient.connected5(broker.port(), "cal-c1", false, 300)) {
            log.await("INFO client connected: id=cal-c1 addr=" + ADDR + " listener=" + listener()
                    + " mqtt=5\\.0 clean=false expiry=300 user=- session-present=false");
        }
        try (RawClient c = RawClient.connected311(broker.port(), "cal-c2", true)) {
            log.await("INFO client connected: id=cal-c2 addr=" + ADDR + " listener=" + listener()
                    + " mqtt=3\\.1\\.1 clean=true expiry=0 user=- session-present=false");
        }
        try (RawClient c = RawClient.connected5(broker.port(), "cal-c1", false, 300)) {
            log.await("INFO client connected: id=cal-c1 .* session-present=true");
        }
    }

    @Test
    void aCleanDisconnectGivesItsReasonCode() throws Exception {
        start(c -> c);
        try (RawClient c = RawClient.connected5(broker.port(), "cal-d1", true, 0)) {
            c.send(Packets.disconnect5(0x04));
            assertThat(c.closedWithin(2000)).isTrue();
        }
        log.await("INFO client disconnected: id=cal-d1 addr=" + ADDR + " reason=disconnect rc=0x04");
        try (RawClient c = RawClient.connected311(broker.port(), "cal-d2", true)) {
            c.send(Packets.disconnect());
            assertThat(c.closedWithin(2000)).isTrue();
        }
        log.await("INFO client disconnected: id=cal-d2 addr=" + ADDR + " reason=disconnect");
        assertThat(log.of("cal-d2")).as("one line per event, no connection-lost after the DISCONNECT")
                .hasSize(2);
    }

    @Test
    void aConnectionClosedWithoutDisconnectIsLost() throws Exception {
        start(c -> c);
        RawClient.connected311(broker.port(), "cal-l1", true).close();
        log.await("INFO client disconnected: id=cal-l1 addr=" + ADDR + " reason=connection-lost");
    }

    @Test
    void aSilentClientIsDisconnectedForKeepAlive() throws Exception {
        start(c -> c);
        try (RawClient c = RawClient.accepted(broker.port(), Packets.connect("cal-k1").keepAlive(1).v5())) {
            assertThat(c.closedWithin(5000)).isTrue();
        }
        log.await("INFO client disconnected: id=cal-k1 addr=" + ADDR + " reason=keep-alive-timeout rc=0x8D "
                + "detail=\"keep alive timeout\"");
    }

    @Test
    void aProtocolErrorGivesItsReason() throws Exception {
        start(c -> c);
        try (RawClient c = RawClient.connected5(broker.port(), "cal-p1", true, 0)) {
            c.send(Packets.connect5("cal-p1", true, 60));
            assertThat(c.closedWithin(2000)).isTrue();
        }
        log.await("INFO client disconnected: id=cal-p1 addr=" + ADDR + " reason=protocol-error rc=0x82 "
                + "detail=\"second CONNECT\"");
    }

    @Test
    void aBadPasswordIsRefusedWithItsCodeAndThePasswordIsNeverLogged() throws Exception {
        Path passwords = dir.resolve("passwd");
        PasswordFile.setUser(passwords, "alice", "alice-pw".getBytes(StandardCharsets.UTF_8));
        start(c -> c.withAuth(new BrokerConfig.Auth(false, passwords, null)));
        try (RawClient c = new RawClient(broker.port())) {
            c.send(Packets.connect("cal-r1").user("alice").password("s3cret-guess").v5()).read();
        }
        log.await("INFO client refused: id=cal-r1 addr=" + ADDR + " listener=" + listener()
                + " mqtt=5\\.0 user=alice rc=0x86 reason=\"bad user name or password.*\"");
        try (RawClient c = new RawClient(broker.port())) {
            c.send(Packets.connect("cal-r2").v311()).read();
        }
        log.await("INFO client refused: id=cal-r2 .* mqtt=3\\.1\\.1 user=- rc=0x05 reason=\"not authorized.*\"");
        try (RawClient c = RawClient.accepted(broker.port(),
                Packets.connect("cal-r3").user("alice").password("alice-pw").v311())) {
            log.await("INFO client connected: id=cal-r3 .* user=alice session-present=false");
        }
        assertThat(log.lines()).noneMatch(l -> l.contains("s3cret-guess") || l.contains("alice-pw"));
    }

    @Test
    void aConnectionBeyondMaxConnectionsIsRefused() throws Exception {
        start(c -> c.withMqtt(c.mqtt().with(m -> m.maxConnections = 1)));
        try (RawClient first = RawClient.connected5(broker.port(), "cal-m1", true, 0);
             RawClient second = new RawClient(broker.port())) {
            second.send(Packets.connect5("cal-m2", true, 60)).read();
            log.await("INFO client refused: id=cal-m2 .* mqtt=5\\.0 user=- rc=0x97 reason=\"max_connections reached\"");
        }
    }

    @Test
    void anUnsupportedProtocolVersionIsRefused() throws Exception {
        start(c -> c);
        try (RawClient c = new RawClient(broker.port())) {
            c.send(Packets.connect("cal-v1").protocol("MQTT", 6).v311()).read();
        }
        log.await("INFO client refused: id=- addr=" + ADDR + " .* rc=0x01 reason=\"unsupported protocol version\"");
    }

    @Test
    void aTakeoverNamesTheOldAndNewAddressAndEndsTheOldConnection() throws Exception {
        start(c -> c);
        try (RawClient old = RawClient.connected5(broker.port(), "cal-t1", true, 60);
             RawClient taker = RawClient.connected5(broker.port(), "cal-t1", false, 60)) {
            assertThat(old.closedWithin(2000)).isTrue();
            String line = log.await("INFO client taken over: id=cal-t1 old=" + ADDR + " new=" + ADDR);
            assertThat(line).as("two different connections").matches(".*old=(\\S+) new=(?!\\1$)\\S+");
            log.await("INFO client disconnected: id=cal-t1 addr=" + ADDR + " reason=taken-over");
            log.await("INFO client connected: id=cal-t1 .* session-present=true");
        }
    }

    @Test
    void anOfflineSessionExpires() throws Exception {
        start(c -> c);
        RawClient.connected5(broker.port(), "cal-e1", true, 1).close();
        log.await("INFO session expired: id=cal-e1");
        assertThat(log.of("cal-e1").get(1)).contains("reason=connection-lost");
    }

    @Test
    void aPublishedWillNamesTopicQosAndRetain() throws Exception {
        start(c -> c);
        RawClient.accepted(broker.port(), Packets.connect311Will("cal-w1", true, 60, "wills/cal-w1", "gone", 1, true))
                .close();
        log.await("INFO will published: id=cal-w1 topic=wills/cal-w1 qos=1 retain=true");
        try (RawClient c = RawClient.accepted(broker.port(),
                Packets.connect311Will("cal-w2", true, 60, "wills/cal-w2", "gone", 0, false))) {
            c.send(Packets.disconnect());
            assertThat(c.closedWithin(2000)).isTrue();
        }
        log.await("INFO client disconnected: id=cal-w2 .* reason=disconnect");
        assertThat(log.lines()).as("a clean DISCONNECT discards the Will").noneMatch(l -> l.contains("wills/cal-w2"));
    }

    @Test
    void aBrokerShutdownDisconnectsEveryone() throws Exception {
        start(c -> c);
        try (RawClient c = RawClient.connected5(broker.port(), "cal-s1", true, 0)) {
            broker.close();
            broker = null;
            log.await("INFO client disconnected: id=cal-s1 addr=" + ADDR + " reason=server-shutdown");
        }
    }

    @Test
    void clientsFalseSilencesTheActivityLinesAndTrueBringsThemBack() throws Exception {
        start(c -> c);
        Runnable undo = LogConfig.apply(BrokerConfig.Log.defaults().withClients(false), null);
        try {
            RawClient.connected311(broker.port(), "cal-q1", true).close();
            RawClient.connected311(broker.port(), "cal-q2", true).close();
            Thread.sleep(500); // time for the lines that would have been written
            assertThat(log.lines()).noneMatch(l -> l.contains("cal-q"));
        } finally {
            undo.run();
        }
        undo = LogConfig.apply(BrokerConfig.Log.defaults().withClients(true), null);
        try {
            RawClient.connected311(broker.port(), "cal-q3", true).close();
            log.await("INFO client disconnected: id=cal-q3 .* reason=connection-lost");
        } finally {
            undo.run();
        }
    }

    @Test
    void aPublisherHeldPastTheHoldTimeoutIsDisconnectedForIt() throws Exception {
        start(c -> c.withRouter(new BrokerConfig.Router(c.router().segment(), "reject",
                java.util.Map.of("bounded/#", new BrokerConfig.Segment(4096, 4)), 1)));
        try (RawClient sub = RawClient.connected311(broker.port(), "cal-h0", false)) {
            sub.subscribe311("bounded/#", 1, 1);
            sub.send(Packets.disconnect());
        }
        try (RawClient pub = RawClient.connected311(broker.port(), "cal-h1", true)) {
            for (int id = 1; id <= 40; id++) {
                pub.send(Packets.publish311("bounded/a", 1, false, id, "x".repeat(1000)));
            }
            assertThat(pub.closedWithin(5000)).as("disconnected after the 1 s hold timeout").isTrue();
        }
        log.await("INFO client disconnected: id=cal-h1 addr=" + ADDR + " reason=hold-timeout");
        assertThat(log.of("cal-h1")).as("no second line when the socket then closes").hasSize(2);
    }
}
