package io.cairn.cli;

import io.cairn.Cairn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code cairn pub} / {@code cairn sub} run as their own JVM ({@code java -cp <test classpath>
 * io.cairn.Cairn ...}), so that a test can SIGTERM or SIGKILL them; stdout and stderr go to files in
 * the test's folder.
 *
 * <p>Threading: use from the test thread.
 */
final class CliProcess implements AutoCloseable {

    private static int runs;

    private final Process process;
    private final Path out;
    private final Path err;

    private CliProcess(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** Starts {@code cairn ARGS} with stdin from {@code stdin} (null: empty). */
    static CliProcess start(Path dir, List<String> jvmOptions, String stdin, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xshare:auto"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Cairn.class.getName()));
        command.addAll(List.of(args));
        int n = ++runs;
        Path out = dir.resolve("run" + n + ".out");
        Path err = dir.resolve("run" + n + ".err");
        Path in = Files.writeString(dir.resolve("run" + n + ".in"), stdin == null ? "" : stdin);
        Process p = new ProcessBuilder(command).directory(dir.toFile())
                .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new CliProcess(p, out, err);
    }

    static CliProcess start(Path dir, String... args) throws IOException {
        return start(dir, List.of(), null, args);
    }

    /** Runs {@code cairn ARGS} to its end (at most 20 s) and returns it. */
    static CliProcess run(Path dir, String stdin, String... args) throws IOException, InterruptedException {
        CliProcess p = start(dir, List.of(), stdin, args);
        p.exitCode();
        return p;
    }

    /** Waits (at most 20 s) for the exit code. */
    int exitCode() throws InterruptedException {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("still running after 20 s; stderr:\n" + stderr());
        }
        return process.exitValue();
    }

    String stdout() {
        return read(out);
    }

    String stderr() {
        return read(err);
    }

    /** Waits (at most 20 s) until stderr contains {@code text}. */
    void awaitStderr(String text) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!stderr().contains(text)) {
            if (System.nanoTime() > end || !process.isAlive() && !stderr().contains(text)) {
                throw new AssertionError("no '" + text + "' on stderr (alive: " + process.isAlive() + "):\n" + stderr());
            }
            Thread.sleep(50);
        }
    }

    /** SIGTERM. */
    void terminate() {
        process.destroy();
    }

    /** SIGKILL to the JVM and to the commands it runs (which would otherwise go on as orphans). */
    void kill() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("did not die");
        }
        for (ProcessHandle c : children) {
            c.onExit().join();
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
