package io.cairn.engine;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cairn.routing.Budgets;
import io.cairn.routing.QueueLimits;
import io.cairn.security.Authorizer;
import io.cairn.state.BrokerState;
import io.cairn.stats.BrokerStats;
import io.cairn.store.MemoryStore;
import io.cairn.test.PahoRoundTrip;
import io.cairn.test.SystemProperty;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Where the session engine runs: by default its turns run on the event loop that serves the sockets
 * ({@code cairn-io}); {@code -Dcairn.engine=thread} gives it a thread of its own; any other value
 * stops start-up. Either way a persistent QoS 1 subscription gets what a publisher had acknowledged.
 */
class EnginePlacementTest {

    @Test
    void byDefaultTheEngineRunsOnTheConnectionsEventLoop() throws Exception {
        assertThat(engineThreadServingQos1(null)).isEqualTo("cairn-io");
    }

    @Test
    void withCairnEngineThreadTheEngineRunsOnAThreadOfItsOwn() throws Exception {
        assertThat(engineThreadServingQos1("thread")).isEqualTo("cairn-engine");
    }

    @Test
    void anUnknownCairnEngineValueStopsStartUpNamingWhatIsAllowed() throws Exception {
        SystemProperty.with("cairn.engine", "sideways", () -> assertThatThrownBy(TestBroker::start)
                .hasMessageContaining("-Dcairn.engine=sideways").hasMessageContaining("loop or thread"));
    }

    /**
     * A broker whose start fails after its engine exists closes the engine while the event loop may
     * already be gone: closing must neither throw (it would hide why the start failed) nor wait its
     * full 10 s for a turn that cannot run.
     */
    @Test
    void anEngineWhoseThreadHasStoppedClosesAtOnceWithoutThrowing() {
        ExecutorService gone = Executors.newSingleThreadExecutor();
        gone.shutdownNow();
        SessionEngine engine = new SessionEngine(new BrokerState(), new MemoryStore(),
                new EngineLimits(1, 0, Budgets.unbounded(new QueueLimits(1000, 1 << 20, false)), 60),
                (where, cause) -> {
                    throw new AssertionError(where, cause);
                }, new BrokerStats(), Authorizer.ALLOW_ALL, List.of(), gone);
        engine.start();
        long t0 = System.nanoTime();
        engine.close();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    }

    /** Runs a QoS 1 round trip; returns the thread that logged the subscriber's connect (the engine's). */
    private static String engineThreadServingQos1(String mode) throws Exception {
        Logger clients = (Logger) LoggerFactory.getLogger(ClientLog.CATEGORY);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        clients.addAppender(lines);
        try {
            SystemProperty.with("cairn.engine", mode, () -> {
                try (TestBroker broker = TestBroker.start()) {
                    PahoRoundTrip.qos1(broker.uri(), "placement");
                }
            });
            return lines.list.stream().filter(e -> e.getFormattedMessage().contains("id=placement-sub"))
                    .findFirst().orElseThrow().getThreadName();
        } finally {
            clients.detachAppender(lines);
        }
    }
}
