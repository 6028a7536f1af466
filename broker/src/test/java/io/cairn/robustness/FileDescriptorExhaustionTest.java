package io.cairn.robustness;

import io.cairn.test.RawClient;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A broker that runs out of file descriptors (a process started under {@code ulimit -n 256}, so the
 * machine is not harmed) says so in one WARN line naming the cause and the remedy, not one line per
 * failed accept, and serves again once descriptors are free.
 */
class FileDescriptorExhaustionTest {

    private static final String LINE = "out of file descriptors";

    @Test
    void runningOutOfDescriptorsIsReportedOnceAndTheBrokerRecovers() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder("bash", "-c", "ulimit -n 256 && exec \"$0\" \"$@\"", java, "-Xmx128m",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                LowFileLimitBrokerMain.class.getName()).redirectErrorStream(true).start();
        List<String> output = new CopyOnWriteArrayList<>();
        List<RawClient> clients = new ArrayList<>();
        try {
            String[] ready = awaitReady(p, output);
            int port = Integer.parseInt(ready[2]);
            long free = Long.parseLong(ready[4]) - Long.parseLong(ready[3]);
            warmUp(port);
            for (int i = 0; i < free + 20; i++) {
                clients.add(new RawClient(port)); // completes in the kernel's backlog even when not accepted
            }
            await().atMost(10, TimeUnit.SECONDS).until(() -> count(output, LINE) > 0);
            Thread.sleep(3000); // accepting is retried every second and fails each time
            assertThat(count(output, LINE)).as("one line, not one per failed accept:\n%s", output).isEqualTo(1);
            assertThat(output.stream().filter(l -> l.contains(LINE)).findFirst().orElseThrow())
                    .contains("Too many open files").contains("LimitNOFILE").contains("ulimit -n");
            assertThat(count(output, "exceptionCaught")).as("no unhandled-exception lines from Netty").isZero();
            assertThat(count(output, "NoClassDefFoundError")).as("nothing needed a class file it could not open").isZero();
            for (RawClient c : clients) {
                c.close();
            }
            clients.clear();
            await().atMost(15, TimeUnit.SECONDS).pollInterval(500, TimeUnit.MILLISECONDS).until(() -> {
                try (RawClient c = RawClient.connected311(port, "after-exhaustion", true)) {
                    return true;
                } catch (java.io.IOException notYet) {
                    return false;
                }
            });
        } finally {
            for (RawClient c : clients) {
                c.close();
            }
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * One full connection first, so that the classes a connection needs are loaded while descriptors
     * are there: the test broker loads them from class files, one descriptor each (a jar is opened once).
     */
    private static void warmUp(int port) throws Exception {
        try (RawClient c = RawClient.connected311(port, "warm-up", true)) {
            c.subscribe311("warm/#", 1, 1);
            c.send(io.cairn.test.Packets.publish311("warm/up", 1, false, 2, "x"));
            c.readUntil(RawClient.PUBLISH);
        }
    }

    /** Reads the process's output on a thread of its own; returns the READY line's words. */
    private static String[] awaitReady(Process p, List<String> output) throws Exception {
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                }
            } catch (java.io.IOException ended) {
                // the process was stopped
            }
        }, "broker-output");
        reader.setDaemon(true);
        reader.start();
        await().atMost(30, TimeUnit.SECONDS).until(() -> output.stream().anyMatch(l -> l.startsWith("CAIRN READY ")));
        return output.stream().filter(l -> l.startsWith("CAIRN READY ")).findFirst().orElseThrow().split(" ");
    }

    private static long count(List<String> lines, String text) {
        return lines.stream().filter(l -> l.contains(text)).count();
    }
}
