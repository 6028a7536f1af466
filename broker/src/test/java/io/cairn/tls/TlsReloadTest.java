package io.cairn.tls;

import io.cairn.config.BrokerConfig;
import io.cairn.test.TestBroker;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code Broker.reload()} (what SIGHUP calls): after the certificate and key files are replaced,
 * new connections get the new certificate while a connection made before stays up and keeps
 * working; a reload from broken files keeps the previous certificate.
 */
class TlsReloadTest {

    @TempDir
    Path dir;

    @Test
    void newConnectionsGetTheNewCertificateAndOpenOnesStay() throws Exception {
        TestCertificates certs = TestCertificates.writeTo(dir);
        Path cert = certs.file("server.crt");
        Path key = certs.file("server.key");
        try (TestBroker broker = TestBroker.startWith(c -> c.withListeners(List.of(
                BrokerConfig.Listener.tcp("127.0.0.1", 0), BrokerConfig.Listener.tls("127.0.0.1", 0, cert, key))))) {
            int port = broker.port(1);
            assertThat(TlsClients.presented(port, certs.clientContext())).isEqualTo(certs.server.cert());
            MqttClient before = TlsClients.pahoV3("ssl://127.0.0.1:" + port, certs.clientContext(), "before");
            BlockingQueue<String> got = new LinkedBlockingQueue<>();
            before.subscribe("reload/t", 1, (t, m) -> got.add(new String(m.getPayload(), StandardCharsets.UTF_8)));

            TestCertificates.Issued renewed = certs.newServer();
            TestCertificates.writeCert(cert, renewed.cert(), certs.ca.cert());
            TestCertificates.writePkcs1(key, renewed.keys());
            try (LogLines log = LogLines.of(io.cairn.Broker.class)) {
                assertThat(broker.reload()).isTrue();
                assertThat(log.lines()).containsExactly(
                        "INFO reload: certificates and keys reloaded for tls 127.0.0.1:" + port);
            }

            assertThat(TlsClients.presented(port, certs.clientContext())).isEqualTo(renewed.cert());
            assertThat(before.isConnected()).isTrue();
            before.publish("reload/t", "still here".getBytes(StandardCharsets.UTF_8), 1, false);
            assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("still here");

            try (LogLines log = LogLines.of(io.cairn.Broker.class)) {
                Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
                assertThat(broker.reload()).isFalse();
                assertThat(log.lines()).hasSize(2);
                assertThat(log.lines().get(0)).startsWith("WARN reload: the tls 127.0.0.1:" + port
                        + " listener keeps its previous certificate: " + key);
                assertThat(log.lines().get(1)).isEqualTo("INFO reload: no certificate reloaded");
            }
            assertThat(TlsClients.presented(port, certs.clientContext())).isEqualTo(renewed.cert());
            before.disconnect();
            before.close();
        }
    }
}
