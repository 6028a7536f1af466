package io.cairn.dist;

import io.cairn.config.BrokerConfig;
import io.cairn.config.ConfigLoader;
import io.cairn.config.JvmDefaults;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ./cairn launcher, run for real through symlinks from another directory, in both layouts: a
 * source checkout (broker/target/cairn.jar) and an installed one (/opt/cairn/cairn.jar beside the
 * script). {@code mvn test} does not package, so the jar is a stand-in made here: a manifest naming
 * io.cairn.Cairn and this test's class path, so {@code java -jar} runs the classes just compiled.
 * Packaging itself is checked by {@code mvn package} (the shade plugin fails the build otherwise).
 */
class LauncherTest {

    private static final Path SCRIPT = RepoFiles.root().resolve("cairn");

    @TempDir
    static Path shared;

    private static Path jar;

    @BeforeAll
    static void makeTheStandInJar() throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "io.cairn.Cairn");
        String classPath = List.of(System.getProperty("java.class.path").split(File.pathSeparator)).stream()
                .map(p -> Path.of(p).toUri().toString()).collect(Collectors.joining(" "));
        m.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
        jar = shared.resolve("cairn.jar");
        try (OutputStream out = new JarOutputStream(Files.newOutputStream(jar), m)) {
            out.flush();
        }
    }

    @Test
    void anInstalledLauncherReachedThroughAChainOfRelativeSymlinksPrintsTheVersion(@TempDir Path dir)
            throws Exception {
        Path opt = Files.createDirectories(dir.resolve("opt/cairn"));
        install(opt.resolve("cairn"));
        Files.copy(jar, opt.resolve("cairn.jar"));
        Files.createDirectories(dir.resolve("usr/bin"));
        Files.createDirectories(dir.resolve("links"));
        Files.createSymbolicLink(dir.resolve("links/cairn-link"), Path.of("../opt/cairn/cairn"));
        Files.createSymbolicLink(dir.resolve("usr/bin/cairn"), Path.of("../../links/cairn-link"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));

        Result r = run(elsewhere, Map.of(), dir.resolve("usr/bin/cairn").toString(), "--version");
        assertThat(r.out).as(r.toString()).isEqualTo("cairn " + version() + "\n");
        assertThat(r.code).isZero();
    }

    @Test
    void aCheckoutLauncherReachedThroughASymlinkedFolderUsesBrokerTargetAndDoesNotRebuildAFreshJar(@TempDir Path dir)
            throws Exception {
        Path repo = Files.createDirectories(dir.resolve("repo"));
        install(repo.resolve("cairn"));
        Files.writeString(repo.resolve("pom.xml"), "<project/>");
        Files.setLastModifiedTime(repo.resolve("pom.xml"), FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Files.createDirectories(repo.resolve("broker/target"));
        Files.copy(jar, repo.resolve("broker/target/cairn.jar"));
        Files.createSymbolicLink(dir.resolve("checkout"), repo);
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));

        Result r = run(elsewhere, Map.of(), dir.resolve("checkout/cairn").toString(), "--version");
        assertThat(r.out).as(r.toString()).isEqualTo("cairn " + version() + "\n");
        assertThat(r.err).as("no build, no escape codes").doesNotContain("building").doesNotContain("\u001b[");
    }

    @Test
    void anInstalledLayoutWithoutItsJarSaysWhatIsMissing(@TempDir Path dir) throws Exception {
        install(dir.resolve("cairn"));
        Result r = run(dir, Map.of(), dir.resolve("cairn").toString(), "--version");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains(dir.toRealPath().resolve("cairn.jar") + " not found");
    }

    @Test
    void theBrokerRunsWithTheHeapOfItsBudgetsG1AndExitOnOutOfMemory(@TempDir Path dir) throws Exception {
        Path config = config(dir, "[router]\nmax_segment_size = 1048576\nmax_segment_count = 300\n");
        List<String> expected = JvmDefaults.options(ConfigLoader.load(config), JvmDefaults.physicalMemory(), "");
        assertThat(expected).hasSize(3).allMatch(o -> o.startsWith("-X"));
        List<String> jvm = jvmOptionsOfARunningBroker(dir, config, Map.of());
        assertThat(jvm).containsSubsequence(expected);
        assertThat(jvm.get(0)).as("from the config: 2 x 300 MiB + 256 MiB, unless RAM is short")
                .isEqualTo(heapRule(856L << 20));
    }

    @Test
    void cairnJavaOptsWinOverTheDefaultsTheyName(@TempDir Path dir) throws Exception {
        Path config = config(dir, "");
        List<String> jvm = jvmOptionsOfARunningBroker(dir, config,
                Map.of("CAIRN_JAVA_OPTS", "-Xmx200m -XX:+UseSerialGC -Dcairn.test=1"));
        assertThat(jvm).contains("-Xmx200m", "-XX:+UseSerialGC", "-Dcairn.test=1", "-XX:+ExitOnOutOfMemoryError");
        assertThat(jvm).filteredOn(o -> o.startsWith("-Xmx")).containsExactly("-Xmx200m");
        assertThat(jvm).doesNotContain("-XX:+UseG1GC");
    }

    /** The launcher's -Xmx for a need of {@code bytes} on this machine (the 75% ceiling applies here too). */
    private static String heapRule(long bytes) {
        long ceiling = JvmDefaults.physicalMemory() / 4 * 3 / (1 << 20);
        return "-Xmx" + Math.min(bytes >> 20, ceiling) + "m";
    }

    /** Starts the broker through the launcher, reads the JVM's own arguments, then stops it with SIGTERM. */
    private static List<String> jvmOptionsOfARunningBroker(Path dir, Path config, Map<String, String> env)
            throws Exception {
        Path opt = Files.createDirectories(dir.resolve("opt"));
        install(opt.resolve("cairn"));
        Files.copy(jar, opt.resolve("cairn.jar"));
        Files.createSymbolicLink(dir.resolve("cairn-link"), opt.resolve("cairn"));
        ProcessBuilder pb = new ProcessBuilder(dir.resolve("cairn-link").toString(), "--config", config.toString())
                .directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().remove("CAIRN_JAVA_OPTS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String seen = awaitListening(r);
            // the launcher exec's java: same process, whose arguments the OS reports
            List<String> args = List.of(p.toHandle().info().arguments().orElseThrow());
            List<String> jvm = args.subList(0, args.indexOf("-jar"));
            assertThat(p.toHandle().destroy()).isTrue(); // SIGTERM, as systemd stops it
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(seen).isZero();
            return jvm;
        } finally {
            p.destroyForcibly();
        }
    }

    private static String awaitListening(BufferedReader r) throws IOException {
        Pattern listening = Pattern.compile("listening for MQTT over tcp on 127\\.0\\.0\\.1:(\\d+)");
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = r.readLine()) != null) {
            seen.append(line).append('\n');
            Matcher m = listening.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> r.lines().forEach(l -> { }), "launcher-output");
                drain.setDaemon(true);
                drain.start();
                return seen.toString();
            }
        }
        throw new IOException("the broker did not start:\n" + seen);
    }

    private static Path config(Path dir, String extra) throws IOException {
        Path f = dir.resolve("cairn.toml");
        Files.writeString(f, "[[listeners]]\ntype = \"tcp\"\nbind = \"127.0.0.1:0\"\n\n[storage]\ndir = \"data\"\n"
                + "durability = \"memory\"\n\n" + extra);
        return f;
    }

    private static void install(Path target) throws IOException {
        Files.copy(SCRIPT, target);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static String version() throws IOException {
        Properties p = new Properties();
        try (InputStream in = LauncherTest.class.getResourceAsStream("/cairn-version.properties")) {
            p.load(in);
        }
        assertThat(p.getProperty("version")).as("filtered by Maven").doesNotContain("${");
        return p.getProperty("version");
    }

    private record Result(int code, String out, String err) {}

    private static Result run(Path cwd, Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
        pb.environment().putAll(env);
        Path out = Files.createTempFile(cwd, "out", ".txt");
        Path err = Files.createTempFile(cwd, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
