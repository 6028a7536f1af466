package io.cairn.dist;

import io.cairn.Cairn;
import io.cairn.config.BrokerConfig;
import io.cairn.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * dist/cairn.toml, the commented example shipped for /etc/cairn: it passes check-config as shipped,
 * names every key the loader knows (so a new key cannot be forgotten), and its commented defaults
 * are the real defaults.
 */
class DistConfigTest {

    private static final Path EXAMPLE = RepoFiles.root().resolve("dist/cairn.toml");

    /** A table header, active or commented out: [name...] or [[name...]]. */
    private static final Pattern HEADER = Pattern.compile("^\\[\\[?([a-z_]+)(?:\\.([a-z_]+))?[^\\]]*]]?\\s*(#.*)?$");
    /** A key line, active or commented out: name = value. */
    private static final Pattern KEY = Pattern.compile("^([a-z_0-9]+)\\s*=");

    @Test
    void theExamplePassesCheckConfigAsShipped() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new Cairn());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute("check-config", EXAMPLE.toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("cairn.toml: OK");
    }

    @Test
    void theActiveLinesAreTheInstalledLayoutOnTheEmbeddedListeners() throws Exception {
        BrokerConfig c = ConfigLoader.load(EXAMPLE);
        assertThat(c.storage().dir()).isEqualTo(Path.of("/var/lib/cairn"));
        assertThat(c.listeners()).as("loopback only until [auth] is set up").isEqualTo(BrokerConfig.defaults().listeners());
        assertThat(c.withStorage(c.storage().withDir(Path.of("data")))).isEqualTo(BrokerConfig.defaults());
    }

    @Test
    void everyKeyTheLoaderKnowsIsInTheExampleInItsSection() throws Exception {
        Set<String> mentioned = mentionedKeys(Files.readAllLines(EXAMPLE));
        Set<String> missing = new TreeSet<>();
        knownKeys().forEach((section, keys) -> keys.stream().map(k -> section + "." + k)
                .filter(k -> !mentioned.contains(k)).forEach(missing::add));
        assertThat(knownKeys()).as("KNOWN_KEYS read").containsKeys("listeners", "storage", "mqtt", "router");
        assertThat(missing).as("keys of ConfigLoader.KNOWN_KEYS missing from dist/cairn.toml").isEmpty();
    }

    @Test
    void theKeyScanSeesSectionsSoAKeyInTheWrongSectionIsMissing() {
        Set<String> mentioned = mentionedKeys(List.of("[metrics]", "# bind = \"x\"", "# [[listeners]]", "type = \"tcp\"",
                "# [router.custom_segment.'a/b']", "# max_segment_count = 2"));
        assertThat(mentioned).containsExactlyInAnyOrder("metrics.bind", "listeners.type", "router.custom_segment",
                "router.max_segment_count");
    }

    @Test
    void everyCommentedDefaultIsTheRealDefault(@TempDir Path dir) throws Exception {
        Path all = dir.resolve("cairn.toml");
        Files.writeString(all, String.join("\n", uncommentDefaults(Files.readAllLines(EXAMPLE))) + "\n");
        BrokerConfig c = ConfigLoader.load(all);
        BrokerConfig expected = ConfigLoader.load(EXAMPLE);
        assertThat(Files.readString(all)).as("defaults were uncommented").contains("\nmax_qos = 2");
        assertThat(c).isEqualTo(expected);
    }

    /** "section.key" for every key line and sub-table header, commented out or not. */
    static Set<String> mentionedKeys(List<String> lines) {
        Set<String> out = new HashSet<>();
        String section = "";
        for (String raw : lines) {
            String line = raw.strip().replaceFirst("^#\\s*", "");
            Matcher h = HEADER.matcher(line);
            Matcher k = KEY.matcher(line);
            if (h.matches()) {
                section = h.group(1);
                if (h.group(2) != null) {
                    out.add(section + "." + h.group(2));
                }
            } else if (k.find()) {
                out.add(section + "." + k.group(1));
            }
        }
        return out;
    }

    /**
     * The example with each `# key = default` line of an active table uncommented; lines saying
     * "default:" show an example (the key is off when absent) and commented tables are examples too.
     */
    private static List<String> uncommentDefaults(List<String> lines) {
        List<String> out = new java.util.ArrayList<>();
        boolean inActiveTable = false;
        for (String line : lines) {
            if (line.startsWith("[")) {
                inActiveTable = !line.startsWith("[[listeners]]");
            } else if (line.startsWith("# [")) {
                inActiveTable = false;
            }
            boolean isDefault = inActiveTable && KEY.matcher(line.replaceFirst("^# ", "")).find()
                    && line.startsWith("# ") && !line.contains("default:");
            out.add(isDefault ? line.substring(2) : line);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Set<String>> knownKeys() throws ReflectiveOperationException {
        // read through reflection so that the loader needs no accessor just for this test
        Field f = ConfigLoader.class.getDeclaredField("KNOWN_KEYS");
        f.setAccessible(true);
        return (Map<String, Set<String>>) f.get(null);
    }
}
