package io.cairn.robustness;

import io.cairn.Broker;
import io.cairn.config.BrokerConfig;
import io.cairn.test.RawClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.cairn.test.RawClient.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Starting and stopping lose nothing and say what is wrong: one broker per data directory, a broker
 * that cannot bind its ports touches no data, 5.0 clients are told the server is shutting down, and
 * SIGTERM stops the process cleanly with exit 0.
 */
class StartStopTest {

    private static BrokerConfig config(Path dir, int port) {
        return BrokerConfig.defaults()
                .withListeners(List.of(BrokerConfig.Listener.tcp("127.0.0.1", port)))
                .withStorage(BrokerConfig.Storage.defaults().withDir(dir).withDurability("sync"));
    }

    @Test
    void aSecondBrokerOnTheSameDataDirectoryFailsAtOnceNamingTheHolderAndTouchesNothing(@TempDir Path dir)
            throws Exception {
        try (Broker first = Broker.start(config(dir, 0))) {
            int port = first.boundAddresses().get(0).getPort();
            try (RawClient c = RawClient.connected311(port, "lock-client", false)) {
                c.subscribe311("lock/t", 1, 1);
            }
            TreeMap<String, String> before = quietListing(dir);
            assertThatThrownBy(() -> Broker.start(config(dir, 0)))
                    .hasMessageContaining("is in use by another Cairn")
                    .hasMessageContaining("pid " + ProcessHandle.current().pid())
                    .hasMessageContaining(dir.toString());
            assertThat(listing(dir)).as("no file of the running broker was read into a snapshot or changed")
                    .isEqualTo(before);
            try (RawClient c = RawClient.connected311(port, "lock-client", false)) {
                assertThat(c.connack().u8(0)).as("the first broker still serves its session").isEqualTo(1);
            }
        }
        try (Broker afterwards = Broker.start(config(dir, 0))) {
            assertThat(afterwards.boundAddresses()).hasSize(1); // the lock went with the first broker
        }
    }

    @Test
    void aBrokerThatCannotBindItsPortNamesTheAddressAndWritesNoData(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("never-created");
        try (ServerSocket busy = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();
            assertThatThrownBy(() -> Broker.start(config(dir, port)))
                    .hasMessageContaining("127.0.0.1:" + port)
                    .hasMessageContaining("address already in use");
        }
        assertThat(dir).as("nothing was created or written").doesNotExist();
    }

    @Test
    void aDataDirectoryThatIsAFileIsRefusedNamingThePath(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        assertThatThrownBy(() -> Broker.start(config(file, 0)))
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not a directory");
        assertThat(Files.readString(file)).isEqualTo("x");
    }

    @Test
    void v5_clientsGetDisconnect0x8BWhenTheBrokerStops(@TempDir Path dir) throws Exception {
        Broker broker = Broker.start(config(dir, 0));
        int port = broker.boundAddresses().get(0).getPort();
        try (RawClient v5 = RawClient.connected5(port, "stop-5", true, 0);
             RawClient v311 = RawClient.connected311(port, "stop-311", true)) {
            broker.close();
            Packet d = v5.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).as("Server shutting down").isEqualTo(0x8B);
            assertThat(v5.closedWithin(2000)).isTrue();
            assertThat(v311.closedWithin(2000)).as("3.1.1 has no DISCONNECT from the server: closed").isTrue();
        }
    }

    @Test
    void sigtermStopsTheBrokerProcessCleanlyWithExitZeroAndNoStackTrace(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cairn.toml");
        Files.writeString(file, "[[listeners]]\ntype = \"tcp\"\nbind = \"127.0.0.1:0\"\n\n[storage]\ndir = \"data\"\n");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), "io.cairn.Cairn", "--config", file.toString())
                .redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            int port = awaitPort(r, out);
            try (RawClient c = RawClient.connected5(port, "sigterm-5", true, 0)) {
                // SIGTERM as a supervisor sends it; through the ProcessHandle, because Process.destroy
                // would also close our end of its output (and no kill binary is assumed)
                assertThat(p.toHandle().destroy()).isTrue();
                Packet d = c.read();
                assertThat(d.type()).isEqualTo(DISCONNECT);
                assertThat(d.u8(0)).isEqualTo(0x8B);
            }
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            String line;
            while ((line = r.readLine()) != null) {
                out.append(line).append('\n');
            }
            assertThat(p.exitValue()).as(out.toString()).isZero();
            assertThat(out.toString()).contains("Cairn stopped").doesNotContain("Exception").doesNotContain("\tat ");
        } finally {
            p.destroyForcibly();
        }
    }

    private static int awaitPort(BufferedReader r, StringBuilder out) throws IOException {
        Pattern listening = Pattern.compile("listening for MQTT over tcp on 127\\.0\\.0\\.1:(\\d+)");
        String line;
        int port = -1;
        while ((line = r.readLine()) != null) {
            out.append(line).append('\n');
            Matcher m = listening.matcher(line);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
            }
            if (line.contains("Cairn started")) {
                return port;
            }
        }
        throw new IOException("the broker did not start:\n" + out);
    }

    /** The listing once the running broker has finished its own writes (the client's session end). */
    private static TreeMap<String, String> quietListing(Path dir) throws Exception {
        TreeMap<String, String> last = listing(dir);
        for (int i = 0; i < 50; i++) {
            Thread.sleep(200);
            TreeMap<String, String> now = listing(dir);
            if (now.equals(last)) {
                return now;
            }
            last = now;
        }
        throw new AssertionError("the data directory never settled: " + last);
    }

    /**
     * Names, sizes and modification times of every file under {@code dir}, except spare segments,
     * which the running broker prepares in the background whenever it likes.
     */
    private static TreeMap<String, String> listing(Path dir) throws IOException {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith("spare-")).toList()) {
                out.put(dir.relativize(f).toString(), Files.size(f) + " " + Files.getLastModifiedTime(f).toMillis());
            }
        }
        return out;
    }
}
