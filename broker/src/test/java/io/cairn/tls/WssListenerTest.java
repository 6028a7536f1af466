package io.cairn.tls;

import io.cairn.config.BrokerConfig;
import io.cairn.test.Packets;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * wss listeners: TLS in front of the ws pipeline. Paho 3.1.1 and 5.0 over wss://, mutual TLS over
 * wss, the WebSocket checks behind TLS (subprotocol, origin, framing), and a non-TLS request on the
 * wss port closed with one TLS log line.
 */
class WssListenerTest {

    @TempDir
    static Path dir;
    static TestCertificates certs;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.writeTo(dir);
        BrokerConfig.Listener wss = BrokerConfig.Listener.wss("127.0.0.1", 0, "/mqtt", certs.file("server.crt"),
                certs.file("server-rsa.key"));
        broker = TestBroker.startWith(c -> c.withListeners(List.of(
                BrokerConfig.Listener.tcp("127.0.0.1", 0),
                wss.withAllowedOrigins(List.of("https://good.example")),
                wss.withClientCa(certs.file("ca.crt"), true))));
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static String wss(int listener) {
        return "wss://127.0.0.1:" + broker.port(listener) + "/mqtt";
    }

    @Test
    void pahoV3AndV5PublishAndReceiveOverWss() throws Exception {
        assertThat(TlsClients.pahoV3RoundTrip(wss(1), certs.clientContext(), "wss/v3")).isEqualTo("hello " + wss(1));
        assertThat(TlsClients.pahoV5RoundTrip(wss(1), certs.clientContext(), "wss/v5")).isEqualTo("hello v5 " + wss(1));
    }

    @Test
    void mutualTlsOverWssAcceptsTheCasClientAndRefusesOthers() throws Exception {
        assertThat(TlsClients.pahoV3RoundTrip(wss(2), certs.clientContext(certs.alice), "wss/mtls")).isNotNull();
        assertThatThrownBy(() -> TlsClients.pahoV3(wss(2), certs.clientContext(), "wss-no-cert").close())
                .isInstanceOf(org.eclipse.paho.client.mqttv3.MqttException.class);
        assertThatThrownBy(() -> TlsClients.pahoV3(wss(2), certs.clientContext(certs.mallory), "wss-other").close())
                .isInstanceOf(org.eclipse.paho.client.mqttv3.MqttException.class);
    }

    @Test
    void theWebSocketChecksAndFramingWorkBehindTls() throws Exception {
        URI uri = URI.create(wss(1));
        assertThat(WsClient.refusalStatus(uri, certs.clientContext(), null, "chat")).isEqualTo(400);
        assertThat(WsClient.refusalStatus(uri, certs.clientContext(), "https://evil.example", "mqtt")).isEqualTo(403);
        byte[] connect = Packets.connect311("wss-split", true, 60);
        try (WsClient c = WsClient.open(uri, certs.clientContext(), "https://good.example", "mqtt")) {
            c.frame(Arrays.copyOfRange(connect, 0, 5), true).frame(Arrays.copyOfRange(connect, 5, connect.length), true);
            assertThat(c.awaitPackets(1)).containsExactly(2);
        }
    }

    @Test
    void plainHttpOnTheWssPortIsATlsFailureLoggedOnce() throws Exception {
        try (LogLines log = LogLines.of(TlsListenerTest.TLS_HANDSHAKE);
             Socket s = new Socket("127.0.0.1", broker.port(1))) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /mqtt HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(TlsListenerTest.drain(s.getInputStream())).isTrue();
            assertThat(TlsListenerTest.awaitLines(log, ":" + s.getLocalPort())).singleElement().asString()
                    .contains("failed");
        }
    }
}
