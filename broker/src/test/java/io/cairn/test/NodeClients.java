package io.cairn.test;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real JavaScript clients for the tests: the scripts in {@code src/test/node} (MQTT.js under Node,
 * and MQTT.js in a headless Chromium driven by playwright-core) are copied to {@code target/node},
 * whose pinned dependencies {@code npm ci} installs once per build. Each script prints one JSON line.
 *
 * <p>Threading: {@link #home} is synchronized; {@link #run} may be called from any test thread.
 */
public final class NodeClients {

    private static final Path SOURCE = Path.of("src/test/node");
    private static final Path HOME = Path.of("target/node");
    private static Path installed;

    private NodeClients() {
    }

    /** What a script printed (its last line, as JSON) and its exit code. */
    public record Outcome(JsonNode json, int exitCode, String output) {}

    /** The folder with the scripts and their node_modules; skips the test where Node is missing. */
    public static synchronized Path home() throws IOException, InterruptedException {
        Assumptions.assumeTrue(onPath("node") && onPath("npm"), "Node.js and npm are needed for the JavaScript clients");
        if (installed == null) {
            Files.createDirectories(HOME);
            try (var files = Files.list(SOURCE)) {
                for (Path f : files.toList()) {
                    Files.copy(f, HOME.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (!Files.isDirectory(HOME.resolve("node_modules/mqtt")) || !Files.isDirectory(HOME.resolve("node_modules/playwright-core"))) {
                Outcome npm = exec(List.of("npm", "ci", "--no-audit", "--no-fund"), 300);
                if (npm.exitCode() != 0) {
                    throw new IOException("npm ci failed in " + HOME.toAbsolutePath() + ":\n" + npm.output());
                }
            }
            installed = HOME;
        }
        return installed;
    }

    /** Runs {@code node SCRIPT ARGS...} in {@link #home}, waiting up to {@code timeoutSeconds}. */
    public static Outcome run(String script, long timeoutSeconds, String... args) throws IOException, InterruptedException {
        home();
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        return exec(command, timeoutSeconds);
    }

    private static Outcome exec(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(HOME.toFile()).redirectErrorStream(true).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String last = output.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse("{}");
        return new Outcome(new ObjectMapper().readTree(last), p.exitValue(), output);
    }

    /**
     * A real browser: headless Chromium (Debian's; skips the test where it is missing) opens a page
     * served here whose script uses MQTT.js to round-trip QoS 1 and 2 messages through
     * {@code brokerUrl} (ws:// or wss://) with MQTT {@code version}; the outcome is read from the page.
     */
    public static Outcome inBrowser(String brokerUrl, int version) throws IOException, InterruptedException {
        Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        Assumptions.assumeTrue(Files.isExecutable(chromium), "Chromium is needed (Debian: apt-get install chromium)");
        Path home = home();
        HttpServer pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        serve(pages, "/page.html", home.resolve("page.html"), "text/html");
        serve(pages, "/mqtt.min.js", home.resolve("node_modules/mqtt/dist/mqtt.min.js"), "text/javascript");
        pages.start();
        try {
            String page = "http://127.0.0.1:" + pages.getAddress().getPort() + "/page.html?version=" + version
                    + "&broker=" + brokerUrl;
            return run("browser-roundtrip.mjs", 90, page);
        } finally {
            pages.stop(0);
        }
    }

    /** The round trip of the scripts succeeded: both messages back, each at the QoS it was sent with. */
    public static void assertRoundTrip(Outcome out) {
        assertThat(out.json().path("ok").asBoolean()).as(out.output()).isTrue();
        assertThat(out.json().path("received")).hasSize(2);
        for (JsonNode m : out.json().path("received")) {
            int expectedQos = m.path("payload").asText().equals("qos1") ? 1 : 2;
            assertThat(m.path("qos").asInt()).as(m.toString()).isEqualTo(expectedQos);
        }
    }

    private static void serve(HttpServer server, String path, Path file, String type) {
        server.createContext(path, exchange -> {
            byte[] body = Files.readAllBytes(file);
            exchange.getResponseHeaders().add("Content-Type", type);
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
