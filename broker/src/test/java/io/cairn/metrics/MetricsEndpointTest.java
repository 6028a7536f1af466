package io.cairn.metrics;

import io.cairn.config.BrokerConfig;
import io.cairn.test.TestBroker;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Prometheus endpoint of a real broker ({@code [metrics] bind = "127.0.0.1:0"}) after QoS 1
 * messages from a real client: journal and JVM figures, the text format as promtool reads it, every
 * {@code cairn_} name documented, 404 elsewhere, and a port in use stopping start-up. Engine-filled
 * figures (messages, sessions, held bytes) are checked by name only here.
 */
class MetricsEndpointTest {

    private static final boolean SYNC = System.getProperty("cairn.test.durability", "sync").equals("sync");
    private static final HttpClient http = HttpClient.newHttpClient();
    private static TestBroker broker;

    @BeforeAll
    static void startBrokerAndPublish() throws Exception {
        broker = TestBroker.startWith(c -> c.withMetrics(new BrokerConfig.Metrics("127.0.0.1", 0, 1)));
        MqttClient client = new MqttClient(broker.uri(), "metrics-publisher", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        client.connect(o);
        for (int i = 0; i < 20; i++) {
            client.publish("metrics/test", ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false); // waits for PUBACK
        }
        client.disconnect();
        client.close();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + broker.metricsAddress().getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String scrape() throws Exception {
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue(MetricsEndpoint.CONTENT_TYPE);
        return r.body();
    }

    /** The value of the sample line that starts with {@code series} (name and labels as written). */
    private static double sample(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]);
            }
        }
        throw new AssertionError("no sample " + series + " in:\n" + text);
    }

    @Test
    void journalFiguresAreRecorded() throws Exception {
        String text = scrape();
        assertThat(sample(text, "cairn_journal_bytes_written_total")).isGreaterThan(0);
        assertThat(sample(text, "cairn_journal_group_commit_records_count")).isGreaterThan(0);
        assertThat(sample(text, "cairn_journal_group_commit_records_sum")).isGreaterThan(0);
        assertThat(text).contains("cairn_journal_recovery_seconds ");
        if (SYNC) { // every acknowledgement waited for a force
            assertTimed(text, "cairn_journal_fsync_seconds");
        }
    }

    /** The engine's turns keep the sockets waiting while they run: an operator sees how long. */
    @Test
    void engineTurnsAreTimed() throws Exception {
        assertTimed(scrape(), "cairn_engine_turn_seconds");
    }

    /** A timer histogram that has recorded: count, sum, the +Inf and 1 ms buckets, and its max. */
    private static void assertTimed(String text, String timer) {
        assertThat(sample(text, timer + "_count")).isGreaterThan(0);
        assertThat(sample(text, timer + "_sum")).isGreaterThan(0);
        assertThat(sample(text, timer + "_bucket{le=\"+Inf\"}")).isGreaterThan(0);
        assertThat(text).containsPattern(timer + "_bucket\\{le=\"0\\.001\\d*\"}");
        assertThat(sample(text, timer + "_max")).isGreaterThan(0);
    }

    @Test
    void brokerFiguresArePresentByName() throws Exception {
        String text = scrape();
        for (int qos = 0; qos < 3; qos++) {
            assertThat(text).contains("cairn_messages_in_total{qos=\"" + qos + "\"} ")
                    .contains("cairn_messages_out_total{qos=\"" + qos + "\"} ");
        }
        assertThat(text).contains("cairn_connections ", "cairn_sessions_online ", "cairn_held_bytes ",
                "cairn_publishes_refused_total ", "cairn_read_pauses_total ", "cairn_build_info{version=\"");
    }

    @Test
    void jvmFiguresArePresent() throws Exception {
        String text = scrape();
        assertThat(text).contains("jvm_memory_used_bytes{", "jvm_threads_live_threads ", "jvm_classes_loaded_classes ",
                "system_cpu_cores ", "process_uptime_seconds ", "jvm_gc_");
        assertThat(sample(text, "jvm_threads_live_threads")).isGreaterThan(0);
        if (new File("/proc/self/fd").isDirectory()) {
            assertThat(text).contains("process_files_open_files ");
        }
    }

    @Test
    void everyCairnNameIsDocumented() throws Exception {
        String doc = Files.readString(docs().resolve("configuration.md"));
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^# TYPE (cairn_\\w+) ").matcher(scrape());
        while (m.find()) {
            names.add(m.group(1));
        }
        assertThat(names).hasSizeGreaterThan(20);
        assertThat(names).allSatisfy(name -> assertThat(doc).as("docs/configuration.md names " + name)
                .contains("`" + name + "`"));
    }

    @Test
    void promtoolAcceptsTheOutput() throws Exception {
        Path promtool = findOnPath("promtool");
        assumeTrue(promtool != null, "promtool is not installed (Debian package 'prometheus'); .ci/run installs it");
        Path scraped = Files.createTempFile("cairn-metrics", ".txt");
        try {
            Files.writeString(scraped, scrape());
            Process p = new ProcessBuilder(promtool.toString(), "check", "metrics")
                    .redirectInput(scraped.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("promtool check metrics said:\n" + out).isZero();
        } finally {
            Files.deleteIfExists(scraped);
        }
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        assertThat(get("/").statusCode()).isEqualTo(404);
        assertThat(get("/metrics/x").statusCode()).isEqualTo(404);
        URI uri = URI.create("http://127.0.0.1:" + broker.metricsAddress().getPort() + "/metrics");
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void aMetricsPortInUseStopsStartUp() {
        int taken = broker.metricsAddress().getPort();
        assertThatThrownBy(() -> TestBroker.startWith(c -> c.withMetrics(new BrokerConfig.Metrics("127.0.0.1", taken, 0))))
                .isInstanceOf(IOException.class)
                .hasMessage("cannot bind the metrics endpoint 127.0.0.1:" + taken
                        + ": address already in use (another broker or program listens there)");
    }

    /** docs/ of the repository, from the module's or the repository's folder. */
    static Path docs() {
        return Files.exists(Path.of("docs", "configuration.md")) ? Path.of("docs") : Path.of("..", "docs");
    }

    private static Path findOnPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
