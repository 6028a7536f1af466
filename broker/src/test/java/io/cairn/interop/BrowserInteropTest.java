package io.cairn.interop;

import com.sun.net.httpserver.HttpServer;
import io.cairn.test.NodeClients;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real browser: headless Chromium (Debian's {@code chromium}) opens a page served by the test, whose
 * script uses MQTT.js over WebSocket to subscribe, publish and receive at QoS 1 and 2; the test reads
 * the outcome from the page.
 */
class BrowserInteropTest {

    @Test
    void aBrowserPublishesAndReceivesAtQos1And2OverWebSocket() throws Exception {
        Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        Assumptions.assumeTrue(Files.isExecutable(chromium), "Chromium is needed (Debian: apt-get install chromium)");
        Path home = NodeClients.home();
        HttpServer pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        serve(pages, "/page.html", home.resolve("page.html"), "text/html");
        serve(pages, "/mqtt.min.js", home.resolve("node_modules/mqtt/dist/mqtt.min.js"), "text/javascript");
        pages.start();
        try (TestBroker broker = TestBroker.start()) {
            String page = "http://127.0.0.1:" + pages.getAddress().getPort() + "/page.html?version=5&broker="
                    + "ws://127.0.0.1:" + broker.wsPort() + "/mqtt";
            NodeClients.Outcome out = NodeClients.run("browser-roundtrip.mjs", 90, page);
            assertThat(out.json().path("userAgent").asText()).as(out.output()).contains("Chrome");
            MqttJsInteropTest.assertRoundTrip(out);
        } finally {
            pages.stop(0);
        }
    }

    static void serve(HttpServer server, String path, Path file, String type) {
        server.createContext(path, exchange -> {
            byte[] body = Files.readAllBytes(file);
            exchange.getResponseHeaders().add("Content-Type", type);
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
    }
}
