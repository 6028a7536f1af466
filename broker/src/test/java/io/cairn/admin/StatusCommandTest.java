package io.cairn.admin;

import io.cairn.Cairn;
import io.cairn.test.RawClient;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./cairn status --config FILE} finds the running broker of that configuration's data directory
 * and prints what it is doing; without a running broker it says so and exits 1.
 */
class StatusCommandTest {

    @Test
    void statusPrintsTheFiguresOfTheRunningBrokerOfAConfiguration(@TempDir Path dir) throws Exception {
        try (TestBroker broker = TestBroker.start();
             RawClient client = RawClient.connected5(broker.port(), "status-client", true, 600)) {
            client.subscribe5("status/#", 1, 1);
            Path config = config(dir, broker.dataDir().resolve("data"));
            Run run = status(config);
            assertThat(run.exitCode).as(run.err).isZero();
            assertThat(run.out).contains("connections 1\n", "sessions_online 1\n", "subscriptions 1\n",
                    "messages_queued 0\n").containsPattern("journal_bytes [1-9][0-9]*\n")
                    .containsPattern("last_fsync_us [0-9]+\n");
        }
    }

    @Test
    void withoutARunningBrokerStatusSaysSoAndExits1(@TempDir Path dir) throws Exception {
        Run run = status(config(dir, dir.resolve("nothing-here")));
        assertThat(run.exitCode).isEqualTo(1);
        assertThat(run.err).contains("no running broker found for data directory");
    }

    private static Path config(Path dir, Path dataDir) throws Exception {
        Path config = dir.resolve("cairn.toml");
        Files.writeString(config, "[storage]\ndir = \"" + dataDir.toString().replace("\\", "\\\\") + "\"\n");
        return config;
    }

    private record Run(int exitCode, String out, String err) {}

    private static Run status(Path config) {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = new CommandLine(new Cairn()).execute("status", "--config", config.toString());
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }
}
