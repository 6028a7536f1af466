package io.cairn.tls;

import io.cairn.config.BrokerConfig;
import io.cairn.protocol.MqttConnection;
import io.cairn.test.TestBroker;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Mutual TLS ({@code client_ca}): a client certificate signed by that CA is accepted (Paho,
 * mosquitto_pub/sub with --cert/--key), none or one from another CA is refused at the handshake;
 * with {@code use_identity_as_username} the certificate's CN is the user name the broker sees.
 */
class TlsMutualTest {

    @TempDir
    static Path dir;
    static TestCertificates certs;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.writeTo(dir);
        BrokerConfig.Listener tls = BrokerConfig.Listener.tls("127.0.0.1", 0, certs.file("server.crt"),
                certs.file("server.key"));
        broker = TestBroker.startWith(c -> c.withListeners(List.of(
                BrokerConfig.Listener.tcp("127.0.0.1", 0),
                tls.withClientCa(certs.file("ca.crt"), false),
                tls.withClientCa(certs.file("ca.crt"), true))));
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static String ssl(int listener) {
        return "ssl://127.0.0.1:" + broker.port(listener);
    }

    @Test
    void aClientCertificateFromTheCaIsAccepted() throws Exception {
        assertThat(TlsClients.pahoV3RoundTrip(ssl(1), certs.clientContext(certs.alice), "mtls/v3")).isNotNull();
        assertThat(TlsClients.pahoV5RoundTrip(ssl(1), certs.clientContext(certs.alice), "mtls/v5")).isNotNull();
    }

    @Test
    void noClientCertificateIsRefusedWithOneLogLine() throws Exception {
        try (LogLines log = LogLines.of(TlsListenerTest.TLS_HANDSHAKE)) {
            assertThatThrownBy(() -> TlsClients.pahoV3(ssl(1), certs.clientContext(), "no-cert").close())
                    .isInstanceOf(org.eclipse.paho.client.mqttv3.MqttException.class);
            assertThat(TlsListenerTest.awaitLines(log, "TLS handshake with")).hasSize(1).first().asString()
                    .contains("failed");
        }
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefused() throws Exception {
        try (LogLines log = LogLines.of(TlsListenerTest.TLS_HANDSHAKE)) {
            assertThatThrownBy(() -> TlsClients.pahoV3(ssl(1), certs.clientContext(certs.mallory), "mallory").close())
                    .isInstanceOf(org.eclipse.paho.client.mqttv3.MqttException.class);
            assertThat(TlsListenerTest.awaitLines(log, "TLS handshake with")).singleElement().asString()
                    .contains("failed").contains("certification path");
        }
    }

    @Test
    void mosquittoWithAndWithoutAClientCertificate() throws Exception {
        String ca = certs.file("ca.crt").toString();
        List<String> alice = List.of("--cert", certs.file("alice.crt").toString(), "--key", certs.file("alice.key").toString());
        List<String> pub = TlsClients.args("mosquitto_pub", broker.port(1), "--cafile", ca, "-t", "mtls/mosquitto",
                "-q", "1", "-r", "-m", "with a certificate");
        pub.addAll(alice);
        TlsClients.Result published = TlsClients.mosquitto(pub.toArray(String[]::new));
        assertThat(published.exit()).as(published.output()).isZero();
        List<String> sub = TlsClients.args("mosquitto_sub", broker.port(1), "--cafile", ca, "-t", "mtls/mosquitto",
                "-C", "1", "-W", "10");
        sub.addAll(alice);
        TlsClients.Result received = TlsClients.mosquitto(sub.toArray(String[]::new));
        assertThat(received.exit()).as(received.output()).isZero();
        assertThat(received.output()).isEqualTo("with a certificate\n");

        TlsClients.Result refused = TlsClients.mosquitto(TlsClients.args("mosquitto_pub", broker.port(1),
                "--cafile", ca, "-t", "mtls/none", "-q", "1", "-m", "x").toArray(String[]::new));
        assertThat(refused.exit()).as(refused.output()).isNotZero();
        List<String> other = TlsClients.args("mosquitto_pub", broker.port(1), "--cafile", ca, "-t", "mtls/other",
                "-q", "1", "-m", "x", "--cert", certs.file("mallory.crt").toString(),
                "--key", certs.file("mallory.key").toString());
        TlsClients.Result otherCa = TlsClients.mosquitto(other.toArray(String[]::new));
        assertThat(otherCa.exit()).as(otherCa.output()).isNotZero();
    }

    @Test
    void withUseIdentityAsUsernameTheCertificatesCnReplacesTheConnectsUserName() throws Exception {
        try (LogLines log = LogLines.debugOf(MqttConnection.class)) {
            MqttClient c = new MqttClient(ssl(2), "identity", new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setSocketFactory(certs.clientContext(certs.alice).getSocketFactory());
            o.setUserName("mallory");
            o.setPassword("ignored".toCharArray());
            c.connect(o);
            try {
                BlockingQueue<String> got = new LinkedBlockingQueue<>();
                c.subscribe("identity/t", 1, (t, m) -> got.add(new String(m.getPayload(), StandardCharsets.UTF_8)));
                c.publish("identity/t", "as alice".getBytes(StandardCharsets.UTF_8), 1, false);
                assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("as alice");
            } finally {
                c.disconnect();
                c.close();
            }
            assertThat(log.lines()).anySatisfy(l -> assertThat(l)
                    .endsWith(": user name 'alice' from the client certificate replaces 'mallory'"));
        }
    }

    @Test
    void withUseIdentityAsUsernameACertificateWithoutCnIsClosedWithOneLogLine() throws Exception {
        try (LogLines log = LogLines.of(TlsListenerTest.TLS_HANDSHAKE)) {
            assertThatThrownBy(() -> TlsClients.pahoV3(ssl(2), certs.clientContext(certs.clientWithoutCn()), "no-cn")
                    .close()).isInstanceOf(org.eclipse.paho.client.mqttv3.MqttException.class);
            assertThat(TlsListenerTest.awaitLines(log, "closing")).singleElement().asString()
                    .endsWith("use_identity_as_username is set and its client certificate has no subject CN");
        }
        // the same certificate is fine where the CN is not needed
        assertThat(TlsClients.pahoV3RoundTrip(ssl(1), certs.clientContext(certs.clientWithoutCn()), "no-cn/ok"))
                .isNotNull();
    }

    @Test
    void theCertificateAuthenticatesWhereAnonymousClientsAreRefused() throws Exception {
        BrokerConfig.Listener tls = BrokerConfig.Listener.tls("127.0.0.1", 0, certs.file("server.crt"),
                certs.file("server.key"));
        try (TestBroker closed = TestBroker.startWith(c -> c.withAuth(new BrokerConfig.Auth(false, null, null))
                .withListeners(List.of(tls.withClientCa(certs.file("ca.crt"), true),
                        tls.withClientCa(certs.file("ca.crt"), false))))) {
            String identity = "ssl://127.0.0.1:" + closed.port(0);
            assertThat(TlsClients.pahoV3RoundTrip(identity, certs.clientContext(certs.alice), "closed/alice"))
                    .isEqualTo("hello " + identity);
            // the same certificate without use_identity_as_username is only TLS: the CONNECT has no user name
            assertThatThrownBy(() -> TlsClients.pahoV3("ssl://127.0.0.1:" + closed.port(1),
                    certs.clientContext(certs.alice), "anonymous").close())
                    .isInstanceOf(org.eclipse.paho.client.mqttv3.MqttException.class)
                    .hasMessageContaining("Not authorized");
        }
    }

    @Test
    void withoutUseIdentityAsUsernameTheConnectsUserNameStays() throws Exception {
        try (LogLines log = LogLines.debugOf(MqttConnection.class)) {
            assertThat(TlsClients.pahoV3RoundTrip(ssl(1), certs.clientContext(certs.alice), "identity/off")).isNotNull();
            assertThat(log.lines()).noneSatisfy(l -> assertThat(l).contains("from the client certificate"));
        }
    }
}
