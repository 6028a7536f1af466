package io.cairn.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The Prometheus endpoint: {@code GET /metrics} answers the registry's scrape in the text format
 * (version 0.0.4); every other path is 404 and every other method on {@code /metrics} 405. It uses
 * the JDK's HTTP server, so the broker needs no second HTTP stack for one read-only page.
 *
 * <p>Threading: {@link #bind} and {@link #close} on the starting and closing thread; requests are
 * served one at a time on the server's dispatcher thread (a scrape takes milliseconds, and Prometheus
 * scrapes every few seconds at most).
 */
final class MetricsEndpoint implements AutoCloseable {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;

    private MetricsEndpoint(HttpServer server) {
        this.server = server;
    }

    /** Binds {@code host:port} now, so that a port in use stops start-up before any data is touched. */
    static MetricsEndpoint bind(String host, int port, PrometheusMeterRegistry registry, Runnable beforeScrape)
            throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException | RuntimeException e) { // an unresolvable host is an unchecked exception
            throw new IOException("cannot bind the metrics endpoint " + host + ":" + port + ": " + reason(e), e);
        }
        server.createContext("/", exchange -> serve(exchange, registry, beforeScrape));
        return new MetricsEndpoint(server);
    }

    private static String reason(Exception e) {
        String cause = e instanceof BindException ? e.getMessage().toLowerCase() : e.toString();
        if (cause.contains("already in use")) {
            return "address already in use (another broker or program listens there)";
        }
        return cause.contains("permission denied") ? "permission denied (ports below 1024 need privileges)" : cause;
    }

    /** Starts answering requests. */
    void start() {
        server.start();
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    private static void serve(HttpExchange exchange, PrometheusMeterRegistry registry, Runnable beforeScrape)
            throws IOException {
        try (exchange) {
            if (!exchange.getRequestURI().getPath().equals("/metrics")) {
                reply(exchange, 404, "not found: the metrics are at /metrics\n");
            } else if (!exchange.getRequestMethod().equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                reply(exchange, 405, "only GET\n");
            } else {
                beforeScrape.run();
                exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
                reply(exchange, 200, registry.scrape());
            }
        }
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops at once: a scrape in progress is cut off, Prometheus retries at its next interval. */
    @Override
    public void close() {
        server.stop(0);
    }
}
