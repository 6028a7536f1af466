package io.cairn.interop;

import io.cairn.test.NodeClients;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real browser: headless Chromium (Debian's {@code chromium}) opens a page served by the test, whose
 * script uses MQTT.js over WebSocket to subscribe, publish and receive at QoS 1 and 2; the test reads
 * the outcome from the page. (Over wss: {@code tls.WssJsClientsTest}.)
 */
class BrowserInteropTest {

    @Test
    void aBrowserPublishesAndReceivesAtQos1And2OverWebSocket() throws Exception {
        try (TestBroker broker = TestBroker.start()) {
            NodeClients.Outcome out = NodeClients.inBrowser("ws://127.0.0.1:" + broker.wsPort() + "/mqtt", 5);
            assertThat(out.json().path("userAgent").asText()).as(out.output()).contains("Chrome");
            NodeClients.assertRoundTrip(out);
        }
    }
}
