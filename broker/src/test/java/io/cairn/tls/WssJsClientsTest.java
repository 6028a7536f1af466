package io.cairn.tls;

import io.cairn.config.BrokerConfig;
import io.cairn.test.NodeClients;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JavaScript clients over TLS: MQTT.js under Node over wss:// and mqtts:// (trusting the test CA,
 * certificate checked), MQTT 3.1.1 and 5.0; and a real headless Chromium whose page uses MQTT.js
 * over wss to subscribe, publish and receive at QoS 1 and 2.
 */
class WssJsClientsTest {

    @TempDir
    static Path dir;
    static TestCertificates certs;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.writeTo(dir);
        broker = TestBroker.startWith(c -> c.withListeners(List.of(
                BrokerConfig.Listener.tcp("127.0.0.1", 0),
                BrokerConfig.Listener.tls("127.0.0.1", 0, certs.file("server.crt"), certs.file("server.key")),
                BrokerConfig.Listener.wss("127.0.0.1", 0, "/mqtt", certs.file("server.crt"), certs.file("server.key")))));
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @ParameterizedTest(name = "MQTT.js over {0}, protocol version {1}")
    @CsvSource({"wss, 4", "wss, 5", "mqtts, 4", "mqtts, 5"})
    void mqttJsOverTlsPublishesAndReceivesAtQos1And2(String scheme, int version) throws Exception {
        String url = scheme.equals("wss") ? "wss://127.0.0.1:" + broker.port(2) + "/mqtt"
                : "mqtts://127.0.0.1:" + broker.port(1);
        NodeClients.assertRoundTrip(NodeClients.run("mqttjs-roundtrip.mjs", 60, url, Integer.toString(version),
                certs.file("ca.crt").toString()));
    }

    @Test
    void mqttJsRefusesTheBrokerWithoutItsCa() throws Exception {
        NodeClients.Outcome out = NodeClients.run("mqttjs-roundtrip.mjs", 60, "wss://127.0.0.1:" + broker.port(2) + "/mqtt",
                "4", certs.file("other-ca.crt").toString());
        assertThat(out.json().path("ok").asBoolean()).as(out.output()).isFalse();
    }

    @Test
    void aBrowserPublishesAndReceivesAtQos1And2OverWss() throws Exception {
        NodeClients.Outcome out = NodeClients.inBrowser("wss://127.0.0.1:" + broker.port(2) + "/mqtt", 5);
        assertThat(out.json().path("userAgent").asText()).as(out.output()).contains("Chrome");
        NodeClients.assertRoundTrip(out);
    }
}
