package io.cairn.robustness;

import io.cairn.Broker;
import io.cairn.config.BrokerConfig;
import io.cairn.fault.FailStop;
import io.cairn.test.Packets;
import io.cairn.test.RawClient;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The engine thread never dies silently: a Throwable there stops the broker (exit 70) so that a
 * supervisor restarts it and recovery replays the journal, instead of listeners that keep accepting
 * clients that are never answered.
 */
class FailStopTest {

    @Test
    void aFailureOnTheEngineThreadIsReportedAndNothingOfThatBatchIsReleased() throws Exception {
        List<String> failures = new CopyOnWriteArrayList<>();
        FailStop recording = (where, cause) -> failures.add(where + ": " + cause.getMessage());
        BrokerConfig config = BrokerConfig.defaults().withListeners(List.of(BrokerConfig.Listener.tcp("127.0.0.1", 0)))
                .withStorage(BrokerConfig.Storage.defaults().withDurability("memory"));
        try (Broker broker = Broker.start(config, new FailingStore(), recording)) {
            int port = broker.boundAddresses().get(0).getPort();
            try (RawClient victim = new RawClient(port)) {
                victim.send(Packets.connect311(FailingStore.VICTIM, false, 60));
                await().atMost(5, TimeUnit.SECONDS).until(() -> !failures.isEmpty());
                assertThat(failures).singleElement().asString()
                        .contains("the session engine (thread cairn-io)").contains("injected failure on the engine thread");
                assertThat(victim.silentFor(300)).as("no CONNACK from a batch that failed").isTrue();
            }
        }
    }

    @Test
    void aFailureOnTheEngineThreadStopsTheBrokerProcessWithExitCode70() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), FailingBrokerMain.class.getName())
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            int port = -1;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("CAIRN READY ")) {
                    port = Integer.parseInt(line.substring(12).trim());
                    break;
                }
            }
            assertThat(port).as("the broker started").isPositive();
            try (RawClient healthy = RawClient.connected311(port, "healthy", true);
                 RawClient victim = new RawClient(port)) {
                victim.send(Packets.connect311(FailingStore.VICTIM, false, 60));
                assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("the process stopped").isTrue();
            }
            StringBuilder rest = new StringBuilder();
            while ((line = out.readLine()) != null) {
                rest.append(line).append('\n');
            }
            assertThat(p.exitValue()).isEqualTo(FailStop.EXIT_CODE);
            assertThat(rest.toString()).contains("FATAL").contains("injected failure on the engine thread");
        } finally {
            p.destroyForcibly();
        }
    }
}
