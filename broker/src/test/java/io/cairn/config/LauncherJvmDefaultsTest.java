package io.cairn.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher's JVM defaults: -Xmx = 2 x the largest budget + 256 MiB, within [512 MiB, 75% of
 * RAM]; G1; exit on OutOfMemoryError; each left out when the user's options set it.
 */
class LauncherJvmDefaultsTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final long BIG_MACHINE = 64 * GIB;

    private static BrokerConfig withBudgets(long queuedBytes, long segmentSize, int segmentCount,
                                            Map<String, BrokerConfig.Segment> custom) {
        BrokerConfig d = BrokerConfig.defaults();
        return d.withMqtt(d.mqtt().with(b -> b.maxQueuedBytes = queuedBytes))
                .withRouter(new BrokerConfig.Router(new BrokerConfig.Segment(segmentSize, segmentCount),
                        "reject", custom, 60));
    }

    @Test
    void theDefaultFilterBudgetOf1000MibGives2256Mib() {
        assertThat(JvmDefaults.options(BrokerConfig.defaults(), BIG_MACHINE, ""))
                .containsExactly("-Xmx2256m", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError");
    }

    @Test
    void theLargestOfTheSessionFilterAndCustomBudgetsSetsTheHeap() {
        assertThat(JvmDefaults.heapBytes(withBudgets(300 * MIB, MIB, 10, Map.of()), BIG_MACHINE))
                .as("the session budget").isEqualTo(856 * MIB);
        assertThat(JvmDefaults.heapBytes(withBudgets(MIB, MIB, 10,
                Map.of("big/#", new BrokerConfig.Segment(100 * MIB, 20))), BIG_MACHINE))
                .as("a custom segment").isEqualTo(4256 * MIB);
    }

    @Test
    void smallBudgetsGetHalfAGibAndAnOddBudgetIsRoundedUpToWholeMib() {
        assertThat(JvmDefaults.heapBytes(withBudgets(MIB, MIB, 1, Map.of()), BIG_MACHINE)).isEqualTo(512 * MIB);
        assertThat(JvmDefaults.heapBytes(withBudgets(200 * MIB + 1, MIB, 1, Map.of()), BIG_MACHINE))
                .isEqualTo(657 * MIB);
    }

    @Test
    void theHeapNeverPassesThreeQuartersOfTheMachineEvenForHugeBudgets() {
        assertThat(JvmDefaults.heapBytes(BrokerConfig.defaults(), 2 * GIB)).isEqualTo(1536 * MIB);
        assertThat(JvmDefaults.heapBytes(withBudgets(MIB, 1L << 40, 1 << 20, Map.of()), 8 * GIB))
                .as("2^60 bytes of budget do not overflow").isEqualTo(6 * GIB);
        assertThat(JvmDefaults.heapBytes(BrokerConfig.defaults(), 512 * MIB))
                .as("the ceiling wins over the floor").isEqualTo(384 * MIB);
    }

    @Test
    void optionsTheUserGivesAreNotRepeated() {
        BrokerConfig d = BrokerConfig.defaults();
        assertThat(JvmDefaults.options(d, BIG_MACHINE, " -Xmx1g  -Dx=1 ")).containsExactly(
                "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError");
        assertThat(JvmDefaults.options(d, BIG_MACHINE, "-XX:MaxRAMPercentage=50 -XX:+UseZGC"))
                .containsExactly("-XX:+ExitOnOutOfMemoryError");
        assertThat(JvmDefaults.options(d, BIG_MACHINE, "-XX:-ExitOnOutOfMemoryError -XX:+UseParallelGC"))
                .containsExactly("-Xmx2256m");
        assertThat(JvmDefaults.options(d, BIG_MACHINE, "-XX:G1HeapRegionSize=4m"))
                .as("a G1 tuning option chooses no collector").contains("-XX:+UseG1GC");
    }
}
