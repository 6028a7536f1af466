package io.cairn.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real signal: a broker process ({@code io.cairn.Cairn --config}) serving a tls listener gets
 * SIGHUP after its certificate files were replaced; it logs the reload, keeps running, and new
 * connections see the new certificate.
 */
class TlsSighupTest {

    @Test
    void sighupReloadsTheCertificateOfARunningBrokerProcess(@TempDir Path dir) throws Exception {
        TestCertificates certs = TestCertificates.writeTo(dir);
        Path file = dir.resolve("cairn.toml");
        Files.writeString(file, "[[listeners]]\ntype = \"tls\"\nbind = \"127.0.0.1:0\"\ncert = \"server.crt\"\n"
                + "key = \"server-rsa.key\"\n\n[storage]\ndurability = \"memory\"\n");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), "io.cairn.Cairn", "--config", file.toString())
                .redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (Exception e) {
                // the process ended
            }
        }, "sighup-test-output");
        reader.setDaemon(true);
        reader.start();
        try {
            Matcher port = await(lines, Pattern.compile("listening for MQTT over tls on 127\\.0\\.0\\.1:(\\d+)"));
            await(lines, Pattern.compile("Cairn started"));
            int tlsPort = Integer.parseInt(port.group(1));
            assertThat(TlsClients.presented(tlsPort, certs.clientContext())).isEqualTo(certs.server.cert());

            TestCertificates.Issued renewed = certs.newServer();
            TestCertificates.writeCert(dir.resolve("server.crt"), renewed.cert());
            TestCertificates.writePkcs1(dir.resolve("server-rsa.key"), renewed.keys());
            Process kill = new ProcessBuilder("sh", "-c", "kill -HUP " + p.pid()).start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
            await(lines, Pattern.compile("reload: certificates and keys reloaded for tls 127\\.0\\.0\\.1:" + tlsPort));

            assertThat(p.isAlive()).isTrue();
            assertThat(TlsClients.presented(tlsPort, certs.clientContext())).isEqualTo(renewed.cert());
            p.toHandle().destroy(); // SIGTERM
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    private static Matcher await(BlockingQueue<String> lines, Pattern pattern) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        StringBuilder seen = new StringBuilder();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line == null) {
                continue;
            }
            seen.append(line).append('\n');
            Matcher m = pattern.matcher(line);
            if (m.find()) {
                return m;
            }
        }
        throw new AssertionError("no line matching " + pattern + " in:\n" + seen);
    }
}
