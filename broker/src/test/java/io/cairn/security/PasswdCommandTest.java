package io.cairn.security;

import io.cairn.Cairn;
import io.cairn.config.BrokerConfig;
import io.cairn.test.Packets;
import io.cairn.test.RawClient;
import io.cairn.test.Replies;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code cairn passwd FILE USER --password-stdin}: creates and updates files the broker then accepts. */
class PasswdCommandTest {

    @TempDir
    Path dir;

    private final InputStream stdin = System.in;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @AfterEach
    void restoreStdin() {
        System.setIn(stdin);
    }

    private int passwd(String stdinText, String... args) {
        System.setIn(new ByteArrayInputStream(stdinText.getBytes(StandardCharsets.UTF_8)));
        CommandLine cmd = new CommandLine(new Cairn());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "passwd";
        System.arraycopy(args, 0, all, 1, args.length);
        return cmd.execute(all);
    }

    @Test
    void aCreatedFileIsOwnerOnlyAndTheBrokerAdmitsItsUsers() throws Exception {
        Path f = dir.resolve("passwd");
        assertThat(passwd("first-pw\n", f.toString(), "alice", "--password-stdin")).isZero();
        assertThat(out.toString()).contains("password of 'alice' set");
        assertThat(Files.getPosixFilePermissions(f)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        Files.writeString(f, "# kept\n" + Files.readString(f));
        assertThat(passwd("bob-pw\n", f.toString(), "bob", "--password-stdin")).isZero();
        assertThat(passwd("second-pw\n", f.toString(), "alice", "--password-stdin")).isZero();
        assertThat(Files.readString(f)).startsWith("# kept\nalice:$7$101$").contains("\nbob:$7$101$");

        try (TestBroker broker = TestBroker.startWith(c -> c.withAuth(new BrokerConfig.Auth(false, f, null)))) {
            assertThat(connack(broker, "alice", "second-pw")).isZero();
            assertThat(connack(broker, "alice", "first-pw")).as("the old password is gone").isEqualTo(0x04);
            assertThat(connack(broker, "bob", "bob-pw")).isZero();

            // a user added while the broker runs is admitted after a reload (SIGHUP)
            assertThat(passwd("carol-pw\n", f.toString(), "carol", "--password-stdin")).isZero();
            assertThat(connack(broker, "carol", "carol-pw")).isEqualTo(0x04);
            broker.reload();
            assertThat(connack(broker, "carol", "carol-pw")).isZero();
        }
    }

    private static int connack(TestBroker broker, String user, String password) throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            return Replies.connackCode(c.send(Packets.connect("p-" + user).user(user).password(password).v311()).read());
        }
    }

    @Test
    void noPasswordOnStdinABadUserNameOrNoConsoleExit1WithAClearMessage() throws Exception {
        Path f = dir.resolve("passwd");
        assertThat(passwd("", f.toString(), "alice", "--password-stdin")).isEqualTo(1);
        assertThat(err.toString()).contains("no password on stdin");
        assertThat(passwd("pw\n", f.toString(), "al:ice", "--password-stdin")).isEqualTo(1);
        assertThat(err.toString()).contains("must not be empty, contain ':'");
        assertThat(passwd("pw\n", f.toString(), "alice")).as("tests have no console").isEqualTo(1);
        assertThat(err.toString()).contains("use --password-stdin");
        assertThat(f).doesNotExist();
    }
}
