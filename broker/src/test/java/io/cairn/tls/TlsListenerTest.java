package io.cairn.tls;

import io.cairn.config.BrokerConfig;
import io.cairn.test.Packets;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * tls listeners with a server certificate only: Paho 3.1.1 and 5.0, mosquitto_pub and mosquitto_sub
 * with --cafile, on a PKCS#8 and a PKCS#1 key; a client that speaks plain MQTT to the TLS port or
 * never starts its handshake is closed with one log line; unusable certificate or key files stop
 * start-up naming the file.
 */
class TlsListenerTest {

    /** Shortened from 10 s so that the timeout test waits briefly. */
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 1500;

    static final String TLS_HANDSHAKE = "io.cairn.transport.TlsHandshake";

    @TempDir
    static Path dir;
    static TestCertificates certs;
    static TestBroker broker;
    static LogLines listenerLog;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.writeTo(dir);
        System.setProperty("cairn.tls.handshakeTimeoutMillis", Long.toString(HANDSHAKE_TIMEOUT_MILLIS));
        listenerLog = LogLines.of(io.cairn.transport.Listeners.class);
        broker = TestBroker.startWith(c -> c.withListeners(List.of(
                BrokerConfig.Listener.tcp("127.0.0.1", 0),
                BrokerConfig.Listener.tls("127.0.0.1", 0, certs.file("server.crt"), certs.file("server.key")),
                BrokerConfig.Listener.tls("127.0.0.1", 0, certs.file("server.crt"), certs.file("server-rsa.key")))));
    }

    @AfterAll
    static void stop() {
        System.clearProperty("cairn.tls.handshakeTimeoutMillis");
        listenerLog.close();
        if (broker != null) {
            broker.close();
        }
    }

    private static String ssl(int listener) {
        return "ssl://127.0.0.1:" + broker.port(listener);
    }

    @Test
    void startUpSaysWhichTlsImplementationServesAndOpenSslIsTheOneOnLinuxX86() {
        assertThat(listenerLog.lines()).anySatisfy(l -> assertThat(l).startsWith("INFO TLS by OpenSSL (BoringSSL"));
    }

    @ParameterizedTest(name = "listener {0}")
    @ValueSource(ints = {1, 2}) // 1: PKCS#8 key, 2: PKCS#1 key
    void pahoV3AndV5PublishAndReceiveOverTls(int listener) throws Exception {
        assertThat(TlsClients.pahoV3RoundTrip(ssl(listener), certs.clientContext(), "tls/v3/" + listener))
                .isEqualTo("hello " + ssl(listener));
        assertThat(TlsClients.pahoV5RoundTrip(ssl(listener), certs.clientContext(), "tls/v5/" + listener))
                .isEqualTo("hello v5 " + ssl(listener));
    }

    @Test
    void theJdkProviderServesWhenOpenSslIsNotUsed() throws Exception {
        System.setProperty("cairn.tls.provider", "jdk");
        try (LogLines log = LogLines.of(io.cairn.transport.Listeners.class);
             TestBroker jdk = TestBroker.startWith(c -> c.withListeners(List.of(BrokerConfig.Listener.tls("127.0.0.1", 0,
                     certs.file("server.crt"), certs.file("server-rsa.key")))))) {
            assertThat(log.lines()).contains("INFO TLS by the JDK (cairn.tls.provider=jdk)");
            String uri = "ssl://127.0.0.1:" + jdk.port(0);
            assertThat(TlsClients.pahoV3RoundTrip(uri, certs.clientContext(), "jdk/v3")).isEqualTo("hello " + uri);
        } finally {
            System.clearProperty("cairn.tls.provider");
        }
    }

    @Test
    void anEcKeyInPkcs8Serves() throws Exception {
        TestCertificates.Issued ec = certs.ecServer();
        TestCertificates.writeCert(dir.resolve("ec.crt"), ec.cert());
        TestCertificates.writePkcs8(dir.resolve("ec.key"), ec.keys());
        try (TestBroker b = TestBroker.startWith(c -> c.withListeners(List.of(BrokerConfig.Listener.tls("127.0.0.1", 0,
                dir.resolve("ec.crt"), dir.resolve("ec.key")))))) {
            assertThat(TlsClients.presented(b.port(0), certs.clientContext())).isEqualTo(ec.cert());
            String uri = "ssl://127.0.0.1:" + b.port(0);
            assertThat(TlsClients.pahoV3RoundTrip(uri, certs.clientContext(), "ec/v3")).isEqualTo("hello " + uri);
        }
    }

    @ParameterizedTest(name = "MQTT {0}")
    @ValueSource(strings = {"mqttv311", "mqttv5"})
    void mosquittoPubAndSubWithCafile(String version) throws Exception {
        String topic = "tls/mosquitto/" + version;
        String ca = certs.file("ca.crt").toString();
        TlsClients.Result pub = TlsClients.mosquitto(TlsClients.args("mosquitto_pub", broker.port(2),
                "-V", version, "--cafile", ca, "-t", topic, "-q", "1", "-r", "-m", "over tls").toArray(String[]::new));
        assertThat(pub.exit()).as(pub.output()).isZero();
        TlsClients.Result sub = TlsClients.mosquitto(TlsClients.args("mosquitto_sub", broker.port(1),
                "-V", version, "--cafile", ca, "-t", topic, "-C", "1", "-W", "10").toArray(String[]::new));
        assertThat(sub.exit()).as(sub.output()).isZero();
        assertThat(sub.output()).isEqualTo("over tls\n");
    }

    @Test
    void mosquittoRefusesTheBrokerWithoutTheTestCa() throws Exception {
        TlsClients.Result pub = TlsClients.mosquitto(TlsClients.args("mosquitto_pub", broker.port(1),
                "--cafile", certs.file("other-ca.crt").toString(), "-t", "x", "-m", "y").toArray(String[]::new));
        assertThat(pub.exit()).as(pub.output()).isNotZero();
        assertThat(pub.output()).contains("A TLS error occurred");
    }

    @Test
    void plainMqttOnTheTlsPortIsClosedWithOneLogLineAndNothingElseIsAffected() throws Exception {
        try (LogLines log = LogLines.of(TLS_HANDSHAKE);
             Socket s = new Socket("127.0.0.1", broker.port(1))) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(Packets.connect311("plain", true, 60));
            assertThat(drain(s.getInputStream())).as("the broker closes the connection").isTrue();
            String me = ":" + s.getLocalPort();
            assertThat(awaitLines(log, me)).hasSize(1).first().asString()
                    .startsWith("INFO TLS handshake with /127.0.0.1" + me + " failed: ");
        }
        assertThat(TlsClients.pahoV3RoundTrip(ssl(1), certs.clientContext(), "tls/after")).isNotNull();
    }

    @Test
    void aClientThatNeverStartsItsHandshakeIsClosedAfterTheTimeout() throws Exception {
        try (LogLines log = LogLines.of(TLS_HANDSHAKE);
             Socket s = new Socket("127.0.0.1", broker.port(2))) {
            s.setSoTimeout(10_000); // the CONNECT timeout (20 s) must not be what closes it
            long t0 = System.nanoTime();
            assertThat(drain(s.getInputStream())).isTrue();
            long waited = (System.nanoTime() - t0) / 1_000_000;
            assertThat(waited).isBetween(HANDSHAKE_TIMEOUT_MILLIS - 200, HANDSHAKE_TIMEOUT_MILLIS + 3000);
            assertThat(awaitLines(log, ":" + s.getLocalPort())).hasSize(1).first().asString()
                    .contains("failed").contains("timed out");
        }
    }

    @Test
    void aCertificateFileThatIsNotPemStopsStartUpNamingTheFile() throws Exception {
        Path bad = dir.resolve("garbage.crt");
        Files.writeString(bad, "not a certificate\n");
        assertStartFails(BrokerConfig.Listener.tls("127.0.0.1", 0, bad, certs.file("server.key")),
                bad + ": no PEM certificate");
    }

    @Test
    void aKeyOfAnotherCertificateStopsStartUpNamingBothFiles() {
        assertStartFails(BrokerConfig.Listener.tls("127.0.0.1", 0, certs.file("server.crt"), certs.file("alice.key")),
                certs.file("alice.key") + ": this private key does not belong to the first certificate of "
                        + certs.file("server.crt"));
    }

    @Test
    void anUnreadableKeyStopsStartUpNamingTheFile() throws Exception {
        Path missing = dir.resolve("gone.key");
        assertStartFails(BrokerConfig.Listener.tls("127.0.0.1", 0, certs.file("server.crt"), missing),
                missing + ": cannot read");
        Path encrypted = dir.resolve("encrypted.key");
        Files.writeString(encrypted, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertStartFails(BrokerConfig.Listener.tls("127.0.0.1", 0, certs.file("server.crt"), encrypted),
                encrypted + ": the key is encrypted");
        Path sec1 = dir.resolve("sec1.key");
        Files.writeString(sec1, "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        assertStartFails(BrokerConfig.Listener.tls("127.0.0.1", 0, certs.file("server.crt"), sec1),
                sec1 + ": an SEC1 EC key; convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY8)");
    }

    private static void assertStartFails(BrokerConfig.Listener tls, String message) {
        assertThatThrownBy(() -> TestBroker.startWith(c -> c.withListeners(List.of(tls))).close())
                .hasMessageStartingWith("cannot start the tls listener 127.0.0.1:0: ")
                .hasMessageContaining(message);
    }

    /** Reads until the broker closes (true) or the socket's timeout passes (false). */
    static boolean drain(InputStream in) throws Exception {
        try {
            while (in.read() != -1) {
                // whatever the broker sends before closing (a TLS alert) is not the point here
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset by the broker: closed too
        }
    }

    /** The lines mentioning {@code fragment}, once the first has arrived (at most 5 s). */
    static List<String> awaitLines(LogLines log, String fragment) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<String> found = List.of();
        while (System.nanoTime() < deadline) {
            found = log.lines().stream().filter(l -> l.contains(fragment)).toList();
            if (!found.isEmpty()) {
                Thread.sleep(200); // a second line would come right after the first
                return log.lines().stream().filter(l -> l.contains(fragment)).toList();
            }
            Thread.sleep(20);
        }
        return found;
    }
}
