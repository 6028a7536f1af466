package io.cairn.config;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The JVM options the {@code ./cairn} launcher adds when it starts the broker: a heap sized from the
 * budgets of the configuration, G1 chosen explicitly, and fail-stop on {@link OutOfMemoryError}.
 * Options the user already gives (in {@code CAIRN_JAVA_OPTS} or {@code JDK_JAVA_OPTIONS}) win: the
 * matching default is left out rather than fought over, so the JVM sees each choice once.
 *
 * <p>The heap rule (docs/operations.md, "JVM"): {@code -Xmx = 2 x B + 256 MiB}, at least 512 MiB and
 * at most 75% of the machine's (or container's) memory, where {@code B} is the largest single budget
 * the file allows: {@code [mqtt] max_queued_bytes}, {@code [router] max_segment_size x
 * max_segment_count} or any {@code custom_segment}'s. Twice, because all filters together may hold at
 * most half the heap: with less, the largest budget could never be reached. 256 MiB is for
 * connections, the journal and the collector.
 *
 * <p>Threading: static and stateless; any thread.
 */
public final class JvmDefaults {

    static final long MIB = 1L << 20;
    static final long HEADROOM = 256 * MIB;
    static final long MIN_HEAP = 512 * MIB;

    private static final Pattern HEAP = Pattern.compile(
            "-Xmx.*|-XX:MaxHeapSize=.*|-XX:MaxRAM=.*|-XX:MaxRAMPercentage=.*|-XX:MaxRAMFraction=.*");
    private static final Pattern GC = Pattern.compile("-XX:[+-]Use\\w*GC");
    private static final Pattern ON_OOM = Pattern.compile(
            "-XX:[+-](Exit|Crash)OnOutOfMemoryError|-XX:OnOutOfMemoryError=.*");

    private JvmDefaults() {}

    /**
     * The options to add for {@code config} on a machine with {@code physicalMemory} bytes, leaving
     * out each one that {@code userOptions} (whitespace-separated, as the launcher splits them) sets.
     */
    public static List<String> options(BrokerConfig config, long physicalMemory, String userOptions) {
        List<String> user = List.of(userOptions.trim().isEmpty() ? new String[0] : userOptions.trim().split("\\s+"));
        List<String> out = new ArrayList<>();
        if (user.stream().noneMatch(o -> HEAP.matcher(o).matches())) {
            out.add("-Xmx" + heapBytes(config, physicalMemory) / MIB + "m");
        }
        // G1 on purpose: without a choice the JVM takes Serial on one CPU or under ~1.8 GB, whose
        // stop-the-world pauses grow with the heap and stall every client's acknowledgements
        if (user.stream().noneMatch(o -> GC.matcher(o).matches())) {
            out.add("-XX:+UseG1GC");
        }
        // fail-stop: after an OutOfMemoryError any thread may have died half-way; exiting lets the
        // supervisor restart the broker, and the journal recovers everything acknowledged
        if (user.stream().noneMatch(o -> ON_OOM.matcher(o).matches())) {
            out.add("-XX:+ExitOnOutOfMemoryError");
        }
        return out;
    }

    /** The heap rule above, in bytes, in whole MiB (the need rounded up, the ceiling down). */
    static long heapBytes(BrokerConfig config, long physicalMemory) {
        long budget = largestBudget(config);
        long wanted = saturatingAdd(saturatingAdd(budget, budget), HEADROOM + MIB - 1) / MIB * MIB;
        // an unknown memory size (0) sets no ceiling rather than a zero heap
        long ceiling = physicalMemory <= 0 ? Long.MAX_VALUE : physicalMemory / 4 * 3 / MIB * MIB;
        return Math.min(Math.max(wanted, MIN_HEAP), ceiling);
    }

    /** The largest budget one session or one subscription filter may reach. */
    static long largestBudget(BrokerConfig config) {
        long largest = Math.max(config.mqtt().maxQueuedBytes(), capacity(config.router().segment()));
        for (BrokerConfig.Segment s : config.router().customSegments().values()) {
            largest = Math.max(largest, capacity(s));
        }
        return largest;
    }

    /** This machine's memory, or the container's limit: the JVM reads the cgroup limit itself. */
    public static long physicalMemory() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }

    private static long capacity(BrokerConfig.Segment s) {
        long size = s.maxSegmentSize();
        long count = s.maxSegmentCount();
        return size > Long.MAX_VALUE / count ? Long.MAX_VALUE : size * count;
    }

    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
