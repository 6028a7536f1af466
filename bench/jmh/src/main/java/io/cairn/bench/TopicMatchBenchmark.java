package io.cairn.bench;

import io.cairn.state.SubscriptionIndex;
import io.cairn.state.SubscriptionOptions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Routing one PUBLISH: {@link SubscriptionIndex#match} of a topic "s{site}/d{dev}/m{metric}" (100
 * sites x 100 devices x 10 metrics) against 10k or 100k subscriptions, one per client, whose filters
 * are mixed: 60% exact names, 20% "s{site}/+/m{metric}", 10% "s{site}/d{dev}/#", 10%
 * "+/d{dev}/m{metric}". Topics cycle through 1024 random ones so that the trie is not all in L1.
 * Setup prints the mean number of matches per topic: the cost grows with it (one visitor call each).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TopicMatchBenchmark implements SubscriptionIndex.Visitor<SubscriptionOptions> {

    @Param({"10000", "100000"})
    int subscriptions;

    private SubscriptionIndex<SubscriptionOptions> index;
    private final String[] topics = new String[1024];
    private final byte[][] decodedTopics = new byte[4][];
    private int next;
    private int matched;

    @Setup
    public void setUp() {
        Random r = new Random(42);
        index = new SubscriptionIndex<>();
        SubscriptionOptions qos1 = SubscriptionOptions.ofQos(1);
        for (int i = 0; i < subscriptions; i++) {
            int site = r.nextInt(100), dev = r.nextInt(100), metric = r.nextInt(10);
            String filter = switch (i % 10) {
                case 0, 1, 2, 3, 4, 5 -> "s" + site + "/d" + dev + "/m" + metric;
                case 6, 7 -> "s" + site + "/+/m" + metric;
                case 8 -> "s" + site + "/d" + dev + "/#";
                default -> "+/d" + dev + "/m" + metric;
            };
            index.put("client-" + i, filter, qos1);
        }
        for (int i = 0; i < topics.length; i++) {
            topics[i] = "s" + r.nextInt(100) + "/d" + r.nextInt(100) + "/m" + r.nextInt(10);
        }
        for (int i = 0; i < decodedTopics.length; i++) {
            decodedTopics[i] = topics[i].getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        long total = 0;
        for (String t : topics) {
            matched = 0;
            index.match(t, this);
            total += matched;
        }
        System.out.printf("%n[%d subscriptions: %.1f matches per topic on average]%n",
                subscriptions, total / (double) topics.length);
    }

    @Override
    public void visit(String clientId, String filter, SubscriptionOptions value) {
        matched++;
    }

    /**
     * As in the broker: a publisher repeats a few topics, and each PUBLISH decodes its topic into a
     * new String (so no hash code is cached on it).
     */
    @Benchmark
    public int matchDecodedTopic() {
        matched = 0;
        byte[] utf8 = decodedTopics[next++ & 3];
        index.match(new String(utf8, java.nio.charset.StandardCharsets.UTF_8), this);
        return matched;
    }

    @Benchmark
    public int match() {
        matched = 0;
        index.match(topics[next++ & 1023], this);
        return matched;
    }
}
