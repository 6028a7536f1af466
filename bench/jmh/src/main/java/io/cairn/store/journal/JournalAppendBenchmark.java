package io.cairn.store.journal;

import io.cairn.state.Command;
import io.cairn.store.CommandCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * The engine-thread cost of journaling one PUBLISH, without any I/O: {@link CommandCodec#encode} of a
 * {@link Command.Publish} (QoS 1, three QoS 1 routes) to its record body, and that plus
 * {@link RecordBuffer#append} (package-private, hence this class lives in the broker's package on the
 * class path: no broker code changed), which copies the body into the current batch. A batch is
 * taken every 64 records as a commit would (the engine commits once per event-loop batch); with no
 * writer to give chunks back, a fresh 64 KiB chunk per 64 KiB of records is counted, amortised (the
 * broker reuses them once forced). The writer thread, the
 * write and the force are not part of it: see {@link JournalForceBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class JournalAppendBenchmark {

    @Param({"64", "4096"})
    int payloadSize;

    private Command.Publish publish;
    private RecordBuffer buffer;

    @Setup
    public void setUp() {
        publish = JournalForceBenchmark.publish(payloadSize);
        buffer = new RecordBuffer(0);
    }

    @Benchmark
    public byte[] encode() {
        return CommandCodec.encode(publish);
    }

    @Benchmark
    public long encodeAndAppend() {
        long seq = buffer.append(CommandCodec.type(publish), CommandCodec.encode(publish));
        if ((seq & 63) == 0) {
            buffer.take(null);
        }
        return seq;
    }
}
