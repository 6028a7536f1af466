package io.cairn.dist;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * dist/cairn.service: the directives operators rely on are there, and systemd itself accepts the
 * unit (systemd-analyze verify, where it is installed: Debian package systemd).
 */
class DistServiceTest {

    private static final Path UNIT = RepoFiles.root().resolve("dist/cairn.service");

    @Test
    void theUnitRunsTheLauncherAsItsOwnUserWithTheStateDirAndRestartsAfterAFailStop() throws Exception {
        List<String> lines = Files.readAllLines(UNIT);
        assertThat(lines).contains("User=cairn", "Group=cairn",
                "ExecStart=/opt/cairn/cairn --config /etc/cairn/cairn.toml",
                "ExecReload=/bin/kill -HUP $MAINPID",
                "SuccessExitStatus=0 143", "Restart=on-failure", "RestartPreventExitStatus=2",
                "LimitNOFILE=1048576", "StateDirectory=cairn",
                "NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/cairn",
                "PrivateTmp=yes", "ProtectHome=yes", "WantedBy=multi-user.target");
        assertThat(lines).filteredOn(l -> l.startsWith("TimeoutStopSec="))
                .singleElement().satisfies(l -> assertThat(Integer.parseInt(l.substring(15))).isGreaterThanOrEqualTo(60));
        assertThat(lines).as("the JIT needs W+X memory").noneMatch(l -> l.startsWith("MemoryDenyWriteExecute=yes"));
    }

    @Test
    void systemdAnalyzeVerifiesTheUnitWithoutAWarningAndWarnsAboutABrokenOne(@TempDir Path dir) throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        Assumptions.assumeTrue(Files.isExecutable(analyze),
                "systemd-analyze is needed (Debian: apt-get install systemd); not installed here");
        // verify insists that ExecStart's program exists: point it at this checkout's launcher, the
        // file /opt/cairn/cairn is installed from; everything else is checked as shipped
        String unit = Files.readString(UNIT).replace("ExecStart=/opt/cairn/cairn ",
                "ExecStart=" + RepoFiles.root().resolve("cairn") + " ");
        assertThat(verify(analyze, dir, unit)).isEqualTo("exit 0: ");
        assertThat(verify(analyze, dir, unit.replace("ProtectHome=yes", "ProtectHome=maybe")))
                .as("a broken unit is noticed").contains("cairn.service:", "protect home", "maybe");
    }

    /** "exit N: output" of systemd-analyze verify on {@code unit} saved as cairn.service. */
    private static String verify(Path analyze, Path dir, String unit) throws IOException, InterruptedException {
        Path file = dir.resolve("cairn.service");
        Files.writeString(file, unit);
        List<String> cmd = new ArrayList<>(List.of(analyze.toString(), "verify", file.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return "exit " + p.exitValue() + ": " + out;
    }
}
