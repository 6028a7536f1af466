package io.cairn.tls;

import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client that sends raw bytes in the frames a test chooses (the JDK's
 * {@link java.net.http.WebSocket}) and reads the broker's replies as MQTT packet types, to test
 * framing that no MQTT library lets one choose: a packet split across frames, several packets in
 * one frame, fragmented messages, oversized and text frames.
 *
 * <p>Threading: the JDK's client calls the listener on its own threads; received bytes and the close
 * are guarded by this object's lock and a future.
 */
final class WsClient implements WebSocket.Listener, AutoCloseable {

    final WebSocket socket;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    /** Completes with the close code (or -1 on an error) when the broker ends the connection. */
    final CompletableFuture<Integer> closed = new CompletableFuture<>();

    private WsClient(URI uri, SSLContext tls, String origin, String... subprotocols) {
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (tls != null) {
            http.sslContext(tls);
        }
        WebSocket.Builder b = http.build().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (origin != null) {
            b.header("Origin", origin);
        }
        if (subprotocols.length > 0) {
            b.subprotocols(subprotocols[0], Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        socket = b.buildAsync(uri, this).join();
    }

    /** Opens a WebSocket offering {@code subprotocols} (none: no header). */
    static WsClient open(URI uri, SSLContext tls, String origin, String... subprotocols) {
        return new WsClient(uri, tls, origin, subprotocols);
    }

    /** The HTTP status the broker refused the upgrade with. */
    static int refusalStatus(URI uri, SSLContext tls, String origin, String... subprotocols) {
        try {
            new WsClient(uri, tls, origin, subprotocols).close();
            return 101;
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
    }

    /** Sends one binary frame (final or not). */
    WsClient frame(byte[] bytes, boolean last) {
        socket.sendBinary(ByteBuffer.wrap(bytes), last).join();
        return this;
    }

    /** The types of the complete MQTT packets received so far, once at least {@code count} have arrived. */
    List<Integer> awaitPackets(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<Integer> types = packetTypes();
        while (types.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
            types = packetTypes();
        }
        return types;
    }

    private List<Integer> packetTypes() {
        byte[] b;
        synchronized (received) {
            b = received.toByteArray();
        }
        List<Integer> types = new ArrayList<>();
        int i = 0;
        while (i < b.length) {
            int length = 0;
            int shift = 0;
            int j = i + 1;
            while (j < b.length) {
                length |= (b[j] & 0x7F) << shift;
                shift += 7;
                if ((b[j++] & 0x80) == 0) {
                    break;
                }
            }
            if (j + length > b.length) {
                break;
            }
            types.add((b[i] & 0xFF) >> 4);
            i = j + length;
        }
        return types;
    }

    @Override
    public java.util.concurrent.CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        byte[] copy = new byte[data.remaining()];
        data.get(copy);
        synchronized (received) {
            received.writeBytes(copy);
        }
        ws.request(1);
        return null;
    }

    @Override
    public java.util.concurrent.CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        closed.complete(-1);
    }

    @Override
    public void close() {
        socket.abort();
    }
}
