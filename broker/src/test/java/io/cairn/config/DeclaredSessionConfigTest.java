package io.cairn.config;

import io.cairn.Cairn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code [[sessions]]}: declared durable sessions load into {@link BrokerConfig.Session}s, and every
 * wrong one is refused naming the file, line, key and what is allowed, by the loader and check-config.
 *
 * <p>Threading: JUnit's test thread only.
 */
class DeclaredSessionConfigTest {

    @TempDir
    Path dir;

    private Path file(String toml) throws Exception {
        Path f = dir.resolve("cairn.toml");
        Files.writeString(f, toml);
        return f;
    }

    private List<String> errors(Path f) {
        try {
            ConfigLoader.load(f);
        } catch (ConfigException e) {
            return e.errors();
        }
        throw new AssertionError("expected a ConfigException");
    }

    @Test
    void declaredSessionsLoadWithTheirSubscriptionsAndExpiry() throws Exception {
        BrokerConfig c = ConfigLoader.load(file("""
                [[sessions]]
                client_id = "billing-worker"
                subscriptions = [ { filter = "orders/#", qos = 2 }, { filter = "$share/g/jobs/+", qos = 1 } ]
                expiry = 3600

                [[sessions]]
                client_id = "audit"
                """));
        assertThat(c.sessions()).containsExactly(
                new BrokerConfig.Session("billing-worker", List.of(new BrokerConfig.SessionSubscription("orders/#", 2),
                        new BrokerConfig.SessionSubscription("$share/g/jobs/+", 1)), 3600),
                new BrokerConfig.Session("audit", List.of(), 4294967295L));
        assertThat(BrokerConfig.defaults().sessions()).isEmpty();
    }

    @Test
    void duplicateClientIdsAreRefusedNamingTheFirst() throws Exception {
        Path f = file("""
                [[sessions]]
                client_id = "w"

                [[sessions]]
                client_id = "w"
                """);
        assertThat(errors(f)).containsExactly(f + ":5: key 'sessions[1].client_id' = \"w\": "
                + "a client id no other session declares (sessions[0] declares it)");
    }

    @Test
    void everyBadValueIsReportedWithItsLine() throws Exception {
        Path f = file("""
                [mqtt]
                max_qos = 1

                [[sessions]]
                client_id = ""
                subscriptions = [
                  { filter = "orders/#/x", qos = 1 },
                  { filter = "ok/+", qos = 2 },
                  { filter = "$share//x", qos = 0 },
                  { qos = 0 },
                  { filter = "a", qos = 1, colour = "red" },
                ]
                expiry = 0
                lifetime = 5

                [[sessions]]
                subscriptions = "orders/#"
                """);
        assertThat(errors(f)).containsExactly(
                f + ":5: key 'sessions[0].client_id' = \"\": a non-empty string of valid UTF-8 (no U+0000), at most 65535 bytes",
                f + ":7: key 'sessions[0].subscriptions[0].filter' = \"orders/#/x\": a valid MQTT topic filter ('#' only "
                        + "last and a whole level, '+' a whole level; $share/{name}/{filter} for a shared subscription)",
                f + ":8: key 'sessions[0].subscriptions[1].qos' = 2: an integer from 0 to 1 ([mqtt] max_qos)",
                f + ":9: key 'sessions[0].subscriptions[2].filter' = \"$share//x\": a valid MQTT topic filter ('#' only "
                        + "last and a whole level, '+' a whole level; $share/{name}/{filter} for a shared subscription)",
                f + ":10: key 'sessions[0].subscriptions[3].filter': a topic filter is required, e.g. \"orders/#\"",
                f + ":11: key 'sessions[0].subscriptions[4].colour': no such key; known here: filter, qos",
                f + ":13: key 'sessions[0].expiry' = 0: an integer from 1 to 4294967295",
                f + ":14: key 'sessions[0].lifetime': no such key; known here: client_id, expiry, subscriptions",
                f + ":16: key 'sessions[1].client_id': a client id is required: a non-empty string",
                f + ":17: key 'sessions[1].subscriptions' = \"orders/#\": a list of { filter = \"...\", qos = 0..2 } tables");
    }

    @Test
    void anUnknownArrayOfTablesIsReportedOnItsLineNotLineZero() throws Exception {
        Path f = file("[mqtt]\nmax_qos = 2\n\n[[sesions]]\nclient_id = \"x\"\n");
        assertThat(errors(f)).singleElement().satisfies(e -> assertThat(e).startsWith(f + ":4: key 'sesions': no such key"));
    }

    @Test
    void checkConfigValidatesSessions() throws Exception {
        Path f = file("[[sessions]]\nclient_id = \"a\"\nsubscriptions = [ { filter = \"x/#\", qos = 3 } ]\n");
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        CommandLine cmd = new CommandLine(new Cairn());
        cmd.setErr(new PrintWriter(err, true));
        cmd.setOut(new PrintWriter(out, true));
        assertThat(cmd.execute("check-config", f.toString())).isEqualTo(1);
        assertThat(err.toString()).contains(f + ":3: key 'sessions[0].subscriptions[0].qos' = 3: an integer from 0 to 2");

        Files.writeString(f, "[[sessions]]\nclient_id = \"a\"\nsubscriptions = [ { filter = \"x/#\", qos = 2 } ]\n");
        assertThat(cmd.execute("check-config", f.toString())).isZero();
    }
}
