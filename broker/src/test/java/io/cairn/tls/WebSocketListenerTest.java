package io.cairn.tls;

import io.cairn.config.BrokerConfig;
import io.cairn.test.Packets;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ws listeners: MQTT in binary frames however the packets fall across frames; the upgrade request is
 * checked (path, upgrade, subprotocol, allowed_origins) and anything else is answered with an HTTP
 * error, closed, and logged once; text and oversized frames close the connection with one log line.
 */
class WebSocketListenerTest {

    private static final String GATE = "io.cairn.transport.WebSocketGate";
    private static final String FRAMES = "io.cairn.transport.WebSocketFrames";
    private static final int CONNACK = 2, PUBLISH = 3, SUBACK = 9;

    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.startWith(c -> c.withListeners(List.of(
                BrokerConfig.Listener.tcp("127.0.0.1", 0),
                BrokerConfig.Listener.ws("127.0.0.1", 0, "/mqtt"),
                BrokerConfig.Listener.ws("127.0.0.1", 0, "/mqtt").withAllowedOrigins(List.of("https://good.example")))));
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static URI ws(int listener) {
        return URI.create("ws://127.0.0.1:" + broker.port(listener) + "/mqtt");
    }

    @Test
    void aPacketSplitAcrossFramesIsOnePacket() throws Exception {
        byte[] connect = Packets.connect311("split", true, 60);
        try (WsClient c = WsClient.open(ws(1), null, null, "mqtt")) {
            c.frame(Arrays.copyOfRange(connect, 0, 3), true).frame(Arrays.copyOfRange(connect, 3, connect.length), true);
            assertThat(c.awaitPackets(1)).containsExactly(CONNACK);
        }
    }

    @Test
    void aFragmentedMessageIsOnePacket() throws Exception {
        byte[] connect = Packets.connect5("fragments", true, 60);
        try (WsClient c = WsClient.open(ws(1), null, null, "mqtt")) {
            c.frame(Arrays.copyOfRange(connect, 0, 2), false).frame(Arrays.copyOfRange(connect, 2, 7), false)
                    .frame(Arrays.copyOfRange(connect, 7, connect.length), true);
            assertThat(c.awaitPackets(1)).containsExactly(CONNACK);
        }
    }

    @Test
    void severalPacketsInOneFrameAreEachRead() throws Exception {
        byte[] all = concat(Packets.connect311("several", true, 60), Packets.subscribe311(1, "ws/several", 0),
                Packets.publish311("ws/several", 0, false, 0, "one frame"));
        try (WsClient c = WsClient.open(ws(1), null, null, "mqttv3.1")) {
            c.frame(all, true);
            assertThat(c.awaitPackets(3)).containsExactly(CONNACK, SUBACK, PUBLISH);
        }
    }

    @Test
    void anAllowedOriginAndNoOriginAreServed() throws Exception {
        for (String origin : Arrays.asList("https://good.example", "HTTPS://GOOD.example", null)) {
            try (WsClient c = WsClient.open(ws(2), null, origin, "mqtt")) {
                c.frame(Packets.connect311("origin", true, 60), true);
                assertThat(c.awaitPackets(1)).as("origin %s", origin).containsExactly(CONNACK);
            }
        }
    }

    @Test
    void aDisallowedOriginGets403AndOneLogLine() throws Exception {
        try (LogLines log = LogLines.of(GATE)) {
            assertThat(WsClient.refusalStatus(ws(2), null, "https://evil.example", "mqtt")).isEqualTo(403);
            assertThat(TlsListenerTest.awaitLines(log, "evil")).singleElement().asString()
                    .startsWith("INFO refusing the ws request from /127.0.0.1:")
                    .endsWith("(GET /mqtt): origin https://evil.example is not in allowed_origins");
        }
        // the listener without allowed_origins takes any origin
        try (WsClient c = WsClient.open(ws(1), null, "https://evil.example", "mqtt")) {
            c.frame(Packets.connect311("any-origin", true, 60), true);
            assertThat(c.awaitPackets(1)).containsExactly(CONNACK);
        }
    }

    @Test
    void aWrongSubprotocolIsRefusedWithOneLogLine() throws Exception {
        try (LogLines log = LogLines.of(GATE)) {
            assertThat(WsClient.refusalStatus(ws(1), null, null, "chat", "stomp")).isEqualTo(400);
            assertThat(TlsListenerTest.awaitLines(log, "subprotocol")).singleElement().asString()
                    .endsWith("subprotocol 'chat, stomp' offered; this broker speaks mqtt or mqttv3.1");
        }
    }

    @Test
    void aPlainHttpGetIsAnsweredAndClosedWithOneLogLine() throws Exception {
        try (LogLines log = LogLines.of(GATE)) {
            assertThat(rawRequest(broker.port(1), "GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
                    .startsWith("HTTP/1.1 400 Bad Request");
            assertThat(TlsListenerTest.awaitLines(log, "upgrade")).singleElement().asString()
                    .endsWith("(GET /mqtt): not a WebSocket upgrade request");
            assertThat(rawRequest(broker.port(1), "GET /other HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
                    .startsWith("HTTP/1.1 404 Not Found");
        }
    }

    @Test
    void aTextFrameClosesTheConnectionWithOneLogLine() throws Exception {
        try (LogLines log = LogLines.of(FRAMES); WsClient c = WsClient.open(ws(1), null, null, "mqtt")) {
            c.frame(Packets.connect311("text", true, 60), true);
            assertThat(c.awaitPackets(1)).containsExactly(CONNACK);
            c.socket.sendText("hello", true).join();
            c.closed.get(10, TimeUnit.SECONDS);
            assertThat(TlsListenerTest.awaitLines(log, "closing")).singleElement().asString()
                    .endsWith(": a TextWebSocketFrame (MQTT travels in binary frames)");
        }
    }

    @Test
    void anOversizedFrameClosesTheConnectionWithOneLogLine() throws Exception {
        try (LogLines log = LogLines.of(FRAMES); WsClient c = WsClient.open(ws(1), null, null, "mqtt")) {
            c.frame(Packets.connect311("big", true, 60), true);
            assertThat(c.awaitPackets(1)).containsExactly(CONNACK);
            c.socket.sendBinary(java.nio.ByteBuffer.allocate(2 << 20), true);
            assertThat(c.closed.get(10, TimeUnit.SECONDS)).isIn(1009, -1);
            assertThat(TlsListenerTest.awaitLines(log, "closing")).singleElement().asString()
                    .contains("closing the WebSocket connection from /127.0.0.1:").containsIgnoringCase("max frame length");
        }
    }

    /** Sends an HTTP request on a bare socket; returns the status line once the broker has closed. */
    private static String rawRequest(int port, String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String status = in.readLine();
            while (in.readLine() != null) {
                // the rest of the response; null once the broker closed the connection
            }
            return status;
        }
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
