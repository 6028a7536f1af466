package io.cairn.admin;

import com.sun.net.httpserver.HttpServer;
import io.cairn.stats.BrokerStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The local admin endpoint that {@code ./cairn status} reads: {@code GET /status} on 127.0.0.1 only
 * (an ephemeral port, written to {@code DATA_DIR/admin.port} so that the command finds the broker of
 * a data directory), plus the same figures at INFO once a minute while clients are connected.
 *
 * <p>Threading: {@link #start} and {@link #close} on the broker's lifecycle thread; requests are served
 * on the HTTP server's own thread, the minute line on a daemon scheduler ({@code cairn-status}); both
 * only read {@link BrokerStats}.
 */
public final class AdminEndpoint implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("cairn.status");
    /** Where the port is written, in the data directory. */
    public static final String PORT_FILE = "admin.port";

    private final HttpServer server;
    private final Path portFile;
    private final ScheduledExecutorService minutes;

    private AdminEndpoint(HttpServer server, Path portFile, ScheduledExecutorService minutes) {
        this.server = server;
        this.portFile = portFile;
        this.minutes = minutes;
    }

    /** Binds 127.0.0.1:0, serves {@code /status}, writes the port file and starts the minute line. */
    public static AdminEndpoint start(BrokerStats stats, Path dataDir, Path journalDir) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/status", exchange -> {
            byte[] body = text(StatusReport.of(stats, journalDir)).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        Files.createDirectories(dataDir);
        Path portFile = dataDir.resolve(PORT_FILE);
        Files.writeString(portFile, Integer.toString(server.getAddress().getPort()) + "\n");
        ScheduledExecutorService minutes = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cairn-status");
            t.setDaemon(true);
            return t;
        });
        minutes.scheduleAtFixedRate(() -> {
            if (stats.sessionsOnline > 0) {
                log.info(StatusReport.line(StatusReport.of(stats, journalDir)));
            }
        }, 1, 1, TimeUnit.MINUTES);
        return new AdminEndpoint(server, portFile, minutes);
    }

    /** {@code name value} lines, the format of {@code ./cairn status}. */
    static String text(Map<String, String> figures) {
        StringBuilder b = new StringBuilder();
        figures.forEach((k, v) -> b.append(k).append(' ').append(v).append('\n'));
        return b.toString();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        minutes.shutdownNow();
        server.stop(0);
        try {
            Files.deleteIfExists(portFile);
        } catch (IOException e) {
            // a stale port file only makes ./cairn status say that no broker answers
        }
    }
}
