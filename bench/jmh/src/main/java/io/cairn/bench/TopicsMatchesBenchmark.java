package io.cairn.bench;

import io.cairn.topic.Topics;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * {@link Topics#matches} of one filter against one topic name (used where a single filter is
 * checked, e.g. authorization rules and retained messages for a new subscription): an exact match, a
 * '+' match, a '#' match and an early miss. Fields, not constants, so that nothing is folded.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TopicsMatchesBenchmark {

    String topic = "site/7/dev/42/temp";
    String exact = "site/7/dev/42/temp";
    String plus = "site/+/dev/+/temp";
    String hash = "site/7/#";
    String miss = "site/8/dev/42/temp";

    @Benchmark
    public boolean exact() {
        return Topics.matches(exact, topic);
    }

    @Benchmark
    public boolean plus() {
        return Topics.matches(plus, topic);
    }

    @Benchmark
    public boolean hash() {
        return Topics.matches(hash, topic);
    }

    @Benchmark
    public boolean miss() {
        return Topics.matches(miss, topic);
    }
}
