package io.cairn.crash;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A broker in a separate JVM that can be killed with SIGKILL and started again on the same port and
 * data directory. Its output goes to a log file for diagnosis. (Public: the tests of {@code cairn sub --exec}
 * restart a broker under a running consumer.)
 */
public final class BrokerProcess implements AutoCloseable {

    private final int port;
    private final Path dataDir;
    private final String durability;
    private final File log;
    private Process process;

    /** Extra arguments for {@link CrashBrokerMain} (a session's max_queued_messages). */
    private final List<String> extra;

    public BrokerProcess(int port, Path dataDir, String durability, File log, String... extra) {
        this.extra = List.of(extra);
        this.port = port;
        this.dataDir = dataDir;
        this.durability = durability;
        this.log = log;
    }

    public void start() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), CrashBrokerMain.class.getName(),
                String.valueOf(port), dataDir.toString(), durability));
        command.addAll(extra);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream()));
        long deadline = System.currentTimeMillis() + 30_000;
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.contains("CAIRN READY")) {
                Thread drain = new Thread(() -> drain(out), "broker-log");
                drain.setDaemon(true);
                drain.start();
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                break;
            }
        }
        throw new IOException("broker did not start:\n" + seen);
    }

    private void drain(BufferedReader out) {
        try (var w = new java.io.FileWriter(log, true)) {
            String line;
            while ((line = out.readLine()) != null) {
                w.write(line + "\n");
            }
        } catch (IOException ignored) {
            // the process died: that is the point
        }
    }

    /** SIGKILL: no shutdown hook, no flush, no final snapshot. */
    public void kill() throws InterruptedException {
        process.destroyForcibly(); // SIGKILL on Linux
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("broker did not die");
        }
        if (process.exitValue() != 137) {
            throw new IllegalStateException("expected exit 137 (SIGKILL), got " + process.exitValue());
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }
}
