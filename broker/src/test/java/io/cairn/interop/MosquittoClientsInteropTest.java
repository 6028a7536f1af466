package io.cairn.interop;

import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Debian's mosquitto_pub and mosquitto_sub against Cairn with MQTT 3.1, 3.1.1 and 5.0 at every
 * QoS. The binaries are required (CI installs mosquitto-clients); a missing one fails the test.
 */
class MosquittoClientsInteropTest {

    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        assertThat(new File("/usr/bin/mosquitto_sub")).as("mosquitto-clients installed (apt-get install mosquitto-clients)").exists();
        broker = TestBroker.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @ParameterizedTest(name = "{0} QoS {1}")
    @CsvSource({"mqttv31,0", "mqttv31,1", "mqttv31,2", "mqttv311,0", "mqttv311,1", "mqttv311,2",
            "mqttv5,0", "mqttv5,1", "mqttv5,2"})
    void roundTrip(String version, int qos) throws Exception {
        String topic = "interop/" + version + "/" + qos;
        Path out = Files.createTempFile("sub", ".txt");
        Process sub = start(out, "mosquitto_sub", "-V", version, "-h", "127.0.0.1", "-p", port(), "-t", topic,
                "-q", "" + qos, "-C", "5", "-W", "15", "-i", "sub-" + version + qos);
        try {
            waitForSubscription(topic);
            for (int i = 0; i < 5; i++) {
                run("mosquitto_pub", "-V", version, "-h", "127.0.0.1", "-p", port(), "-t", topic, "-q", "" + qos,
                        "-m", "msg-" + i, "-i", "pub-" + version + qos);
            }
            assertThat(sub.waitFor(15, TimeUnit.SECONDS)).isTrue();
            assertThat(sub.exitValue()).isZero();
            assertThat(Files.readAllLines(out)).containsExactly("msg-0", "msg-1", "msg-2", "msg-3", "msg-4");
        } finally {
            sub.destroyForcibly();
        }
    }

    @Test
    void retainedMessageReachesALaterSubscriber() throws Exception {
        run("mosquitto_pub", "-h", "127.0.0.1", "-p", port(), "-t", "interop/retained", "-q", "1", "-r", "-m", "kept");
        Path out = Files.createTempFile("sub", ".txt");
        Process sub = start(out, "mosquitto_sub", "-h", "127.0.0.1", "-p", port(), "-t", "interop/retained", "-C", "1",
                "-W", "10", "-F", "%r %p");
        assertThat(sub.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readAllLines(out)).containsExactly("1 kept");
    }

    @Test
    void persistentSessionReceivesWhatWasPublishedWhileOffline() throws Exception {
        // connect once with clean session 0 to create the session and its subscription
        Path first = Files.createTempFile("sub", ".txt");
        Process create = start(first, "mosquitto_sub", "-h", "127.0.0.1", "-p", port(), "-t", "interop/offline",
                "-q", "1", "-c", "-i", "interop-offline", "-W", "1");
        create.waitFor(10, TimeUnit.SECONDS);
        for (int i = 0; i < 3; i++) {
            run("mosquitto_pub", "-h", "127.0.0.1", "-p", port(), "-t", "interop/offline", "-q", "1", "-m", "off-" + i);
        }
        Path out = Files.createTempFile("sub", ".txt");
        Process sub = start(out, "mosquitto_sub", "-h", "127.0.0.1", "-p", port(), "-t", "interop/offline",
                "-q", "1", "-c", "-i", "interop-offline", "-C", "3", "-W", "10");
        assertThat(sub.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readAllLines(out)).containsExactly("off-0", "off-1", "off-2");
    }

    private static String port() {
        return String.valueOf(broker.port());
    }

    /** mosquitto_sub gives no signal once subscribed; a generous pause on loopback stands in for one. */
    private static void waitForSubscription(String topic) throws InterruptedException {
        Thread.sleep(1000);
    }

    private static Process start(Path out, String... cmd) throws IOException {
        return new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static void run(String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of(cmd));
        Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as(String.join(" ", cmd)).isTrue();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + output).isZero();
    }
}
