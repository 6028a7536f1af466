package io.cairn.store.journal;

import io.cairn.bench.PublishPackets;
import io.cairn.state.Command;
import io.cairn.state.Message;
import io.cairn.state.MessageProperties;
import io.cairn.store.CommandCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A durable commit through the public {@link Journal} in SYNC mode, in a fresh directory on the
 * disk of java.io.tmpdir (set it to a directory on the disk you care about): append
 * {@code recordsPerCommit} encoded PUBLISH records, commit, and wait until the writer thread
 * ({@code cairn-journal}) has written and forced them. One op is one commit: its time is dominated
 * by one fdatasync of this disk, which is why it is reported apart from {@link JournalAppendBenchmark}.
 * The waiting thread and the writer thread are two threads, as in the broker.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class JournalForceBenchmark {

    @Param({"64", "4096"})
    int payloadSize;

    /** 1: one PUBLISH per force; 16: a group commit of 16. */
    @Param({"1", "16"})
    int recordsPerCommit;

    private Path dir;
    private Journal journal;
    private byte[] body;
    private byte type;

    /** QoS 1 PUBLISH from "publisher-1" to {@link PublishPackets#TOPIC} with three QoS 1 routes. */
    static Command.Publish publish(int payloadSize) {
        Message m = new Message(1L, PublishPackets.TOPIC, 1, false, PublishPackets.payload(payloadSize),
                MessageProperties.NONE, 0);
        List<Command.Route> routes = List.of(
                new Command.Route("subscriber-1", 1, false, new int[0]),
                new Command.Route("subscriber-2", 1, false, new int[0]),
                new Command.Route("subscriber-3", 1, false, new int[0]));
        return new Command.Publish("publisher-1", 7, m, routes);
    }

    @Setup
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("cairn-jmh-journal");
        journal = Journal.open(Journal.Options.of(dir, Journal.Mode.SYNC).withSegmentSize(16L << 20), 0, (s, t, b) -> { });
        Command.Publish p = publish(payloadSize);
        body = CommandCodec.encode(p);
        type = CommandCodec.type(p);
    }

    @TearDown
    public void tearDown() throws IOException {
        journal.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    @Benchmark
    public long commitAndForce() throws IOException {
        long seq = 0;
        for (int i = 0; i < recordsPerCommit; i++) {
            seq = journal.append(type, body);
        }
        journal.commit(() -> { });
        journal.awaitForced(seq);
        return seq;
    }
}
