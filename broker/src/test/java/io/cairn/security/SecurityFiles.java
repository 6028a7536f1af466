package io.cairn.security;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Test helpers: the real {@code mosquitto_passwd} (Debian package {@code mosquitto}) when installed.
 *
 * <p>Threading: static helpers, any test thread.
 */
final class SecurityFiles {

    private SecurityFiles() {
    }

    static boolean onPath(String name) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator))
                .anyMatch(dir -> new File(dir, name).canExecute());
    }

    /** Runs {@code mosquitto_passwd -b [extra] FILE USER PASSWORD}; asserts it succeeded. */
    static void mosquittoPasswd(Path file, String user, String password, String... extra) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("mosquitto_passwd"));
        cmd.addAll(List.of(extra));
        cmd.addAll(List.of("-b", file.toString(), user, password));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("mosquitto_passwd: " + out).isZero();
    }
}
