package io.cairn.security;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.auth.Mqtt5EnhancedAuthMechanism;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import io.cairn.config.BrokerConfig;
import io.cairn.test.Packets;
import io.cairn.test.Props;
import io.cairn.test.RawClient;
import io.cairn.test.RawClient.Packet;
import io.cairn.test.Replies;
import io.cairn.test.ScramClient;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SCRAM-SHA-512 enhanced authentication over real sockets, from the security side: the HiveMQ client's
 * enhanced-auth API (connect, re-authenticate, wrong password), failed attempts counted and slowed by
 * the LoginThrottle like failed passwords, the SCRAM user name as the ACL's user, no SCRAM without a
 * password file, and {@code $6$} entries refused.
 */
class EnhancedAuthenticationTest {

    private static final String SCRAM = "SCRAM-SHA-512";

    @TempDir
    Path dir;

    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private void start(boolean anonymous, Path passwords, Path acl) throws Exception {
        broker = TestBroker.startWith(c -> c.withAuth(new BrokerConfig.Auth(anonymous, passwords, acl)));
    }

    private Path passwords() throws Exception {
        Path f = dir.resolve("passwd");
        PasswordFile.setUser(f, "alice", utf8("alice-pw"));
        return f;
    }

    @Test
    void theHivemqClientAuthenticatesWithScramVerifiesTheBrokerAndReauthenticates() throws Exception {
        start(false, passwords(), null);
        HivemqScram scram = new HivemqScram("alice", "alice-pw");
        Mqtt5BlockingClient c = hivemq("hive-scram", scram);
        Mqtt5ConnAck ack = c.connect();
        assertThat(ack.getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        assertThat(scram.verified.get()).as("server-final checked against the server signature").isEqualTo(1);
        c.toAsync().reauth().get(10, TimeUnit.SECONDS);
        assertThat(scram.verified.get()).as("the re-authentication's AUTH 0x00 is verified too").isEqualTo(2);
        c.publishWith().topic("hive/t").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("after")).send();
        c.disconnect();
    }

    @Test
    void theHivemqClientWithAWrongPasswordIsRefusedWith0x86() throws Exception {
        start(false, passwords(), null);
        HivemqScram scram = new HivemqScram("alice", "wrong");
        Mqtt5BlockingClient c = hivemq("hive-wrong", scram);
        assertThatThrownBy(c::connect).isInstanceOf(Mqtt5ConnAckException.class)
                .satisfies(e -> assertThat(((Mqtt5ConnAckException) e).getMqttMessage().getReasonCode())
                        .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
        assertThat(scram.rejected.get()).isEqualTo(1);
        assertThat(broker.stats().authFailures.sum()).isEqualTo(1);
    }

    @Test
    void failedScramAttemptsAreCountedAndSlowedLikeFailedPasswordsButAGoodOneIsNot() throws Exception {
        start(false, passwords(), null);
        long first = timedScram("alice", "guess", 0x86);
        long second = timedScram("alice", "guess", 0x86);
        long third = timedScram("alice", "guess", 0x86);
        assertThat(first).as("the first failure is answered at once").isLessThan(400);
        assertThat(second).as("the second waits the first back-off").isBetween(450L, 2000L);
        assertThat(third).as("the third waits twice as long").isGreaterThanOrEqualTo(950);
        assertThat(timedScram("alice", "alice-pw", 0)).isLessThan(400);
        assertThat(broker.stats().authFailures.sum()).isEqualTo(3);
    }

    @Test
    void theAclSeesTheScramUserNameNotTheConnectsUserName() throws Exception {
        Path acl = Files.writeString(dir.resolve("acl"), "user alice\ntopic readwrite alice/#\n\nuser bob\ntopic readwrite bob/#\n");
        start(true, passwords(), acl);
        try (RawClient c = new RawClient(broker.port())) {
            Packet ack = scram(c, Packets.connect("acl-scram").user("bob"), new ScramClient("alice", "alice-pw"));
            assertThat(Replies.connackCode(ack)).isZero();
            assertThat(Replies.reasonCodes5(c.subscribe5("alice/x", 1, 1))).containsExactly(1);
            assertThat(Replies.reasonCodes5(c.subscribe5("bob/x", 1, 2))).containsExactly(0x87);
        }
        try (RawClient c = new RawClient(broker.port())) {
            Packet ack = scram(c, Packets.connect("acl-will").will("bob/will", "w", 0, false),
                    new ScramClient("alice", "alice-pw"));
            assertThat(Replies.connackCode(ack)).as("the Will is checked for alice").isEqualTo(0x87);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void withoutAPasswordFileScramIsNotOffered() throws Exception {
        start(true, null, null);
        try (RawClient c = new RawClient(broker.port())) {
            c.send(Packets.connect("no-file").props(Props.of().authMethod(SCRAM)
                    .authData(new ScramClient("alice", "alice-pw").clientFirst())).v5());
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(RawClient.CONNACK);
            assertThat(Replies.connackCode(ack)).isEqualTo(0x8C);
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void aUserWithASha512EntryCannotDoScramButCanStillUseThePassword() throws Exception {
        byte[] salt = "0123456789ab".getBytes(StandardCharsets.US_ASCII);
        MessageDigest md = MessageDigest.getInstance("SHA-512");
        md.update(utf8("old-pw"));
        md.update(salt);
        Base64.Encoder b64 = Base64.getEncoder();
        Path f = Files.writeString(dir.resolve("passwd"), "old:$6$" + b64.encodeToString(salt) + "$"
                + b64.encodeToString(md.digest()) + "\n");
        start(false, f, null);
        try (RawClient c = new RawClient(broker.port())) {
            assertThat(Replies.connackCode(scram(c, Packets.connect("six"), new ScramClient("old", "old-pw"))))
                    .isEqualTo(0x86);
        }
        try (RawClient c = RawClient.accepted(broker.port(), Packets.connect("six-pw").user("old").password("old-pw").v5())) {
            assertThat(Replies.connackCode(c.connack())).isZero();
        }
    }

    @Test
    void theConnectTimeoutBoundsAnExchangeTheClientNeverFinishes() throws Exception {
        start(false, passwords(), null);
        try (RawClient c = new RawClient(broker.port())) {
            long t0 = System.nanoTime();
            c.send(Packets.connect("stalled").props(Props.of().authMethod(SCRAM)
                    .authData(new ScramClient("alice", "alice-pw").clientFirst())).v5());
            assertThat(c.read().type()).as("the challenge").isEqualTo(15);
            assertThat(c.closedWithin(30_000)).as("closed by the 20 s CONNECT timeout").isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(19_000L, 30_000L);
        }
    }

    // ------------------------------------------------------------------ helpers

    private long timedScram(String user, String password, int expected) throws Exception {
        long t0 = System.nanoTime();
        try (RawClient c = new RawClient(broker.port())) {
            c.timeout(8000);
            assertThat(Replies.connackCode(scram(c, Packets.connect("timed"), new ScramClient(user, password))))
                    .isEqualTo(expected);
            if (expected != 0) {
                assertThat(c.closedWithin(2000)).isTrue();
            }
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    /** A 5.0 CONNECT from {@code connect} with SCRAM-SHA-512, the exchange; returns the CONNACK. */
    private static Packet scram(RawClient c, Packets.Connect connect, ScramClient scram) throws Exception {
        c.send(connect.props(Props.of().authMethod(SCRAM).authData(scram.clientFirst())).v5());
        Packet challenge = c.read();
        assertThat(challenge.type()).isEqualTo(15);
        c.send(Packets.auth(0x18, Props.of().authMethod(SCRAM)
                .authData(scram.clientFinal(ScramClient.property(challenge, 1, Props.AUTH_DATA)))));
        Packet ack = c.read();
        assertThat(ack.type()).isEqualTo(RawClient.CONNACK);
        return ack;
    }

    private Mqtt5BlockingClient hivemq(String id, HivemqScram scram) {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(broker.port()).enhancedAuth(scram).buildBlocking();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    /** SCRAM-SHA-512 for the HiveMQ client, on {@link ScramClient}; counts verified successes and rejections. */
    private static final class HivemqScram implements Mqtt5EnhancedAuthMechanism {
        private final String user;
        private final String password;
        private volatile ScramClient scram;
        final AtomicInteger verified = new AtomicInteger();
        final AtomicInteger rejected = new AtomicInteger();

        HivemqScram(String user, String password) {
            this.user = user;
            this.password = password;
        }

        @Override
        public MqttUtf8String getMethod() {
            return MqttUtf8String.of(SCRAM);
        }

        @Override
        public int getTimeout() {
            return 10;
        }

        @Override
        public CompletableFuture<Void> onAuth(Mqtt5ClientConfig config, Mqtt5Connect connect, Mqtt5EnhancedAuthBuilder auth) {
            scram = new ScramClient(user, password);
            auth.data(scram.clientFirst());
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> onReAuth(Mqtt5ClientConfig config, Mqtt5AuthBuilder auth) {
            scram = new ScramClient(user, password);
            auth.data(scram.clientFirst());
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Boolean> onContinue(Mqtt5ClientConfig config, Mqtt5Auth auth, Mqtt5AuthBuilder authBuilder) {
            authBuilder.data(scram.clientFinal(bytes(auth.getData().orElseThrow())));
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public CompletableFuture<Boolean> onAuthSuccess(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
            return verify(connAck.getEnhancedAuth().flatMap(a -> a.getData()).orElse(null));
        }

        @Override
        public CompletableFuture<Boolean> onReAuthSuccess(Mqtt5ClientConfig config, Mqtt5Auth auth) {
            return verify(auth.getData().orElse(null));
        }

        private CompletableFuture<Boolean> verify(ByteBuffer serverFinal) {
            boolean ok = serverFinal != null && scram.verifyServerFinal(bytes(serverFinal));
            if (ok) {
                verified.incrementAndGet();
            }
            return CompletableFuture.completedFuture(ok);
        }

        @Override
        public void onAuthRejected(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
            rejected.incrementAndGet();
        }

        @Override
        public void onReAuthRejected(Mqtt5ClientConfig config, Mqtt5Disconnect disconnect) {
            rejected.incrementAndGet();
        }

        @Override
        public void onAuthError(Mqtt5ClientConfig config, Throwable cause) {
        }

        @Override
        public void onReAuthError(Mqtt5ClientConfig config, Throwable cause) {
        }
    }
}
