package io.cairn.transport;

import io.netty.handler.codec.DecoderException;
import io.netty.util.internal.OutOfDirectMemoryError;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.net.SocketException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which failures {@link ResourceExhaustion} recognises as running out of descriptors or direct memory,
 * also when wrapped (a decoder wraps what its allocation threw). The EMFILE path is also tested on a
 * real process in {@code io.cairn.robustness.FileDescriptorExhaustionTest}; running a broker out of
 * direct memory is not, as it would take a JVM with a tiny direct memory limit and a way to fill it.
 */
class ResourceExhaustionTest {

    @Test
    void tooManyOpenFilesIsFileDescriptors() {
        assertThat(ResourceExhaustion.kindOf(new IOException("Too many open files")))
                .isEqualTo(ResourceExhaustion.Kind.FILE_DESCRIPTORS);
        assertThat(ResourceExhaustion.kindOf(new RuntimeException(new SocketException("Too many open files"))))
                .isEqualTo(ResourceExhaustion.Kind.FILE_DESCRIPTORS);
    }

    @Test
    void nettysAndTheJdksDirectMemoryErrorsAreDirectMemory() throws Exception {
        Constructor<OutOfDirectMemoryError> c = OutOfDirectMemoryError.class.getDeclaredConstructor(String.class);
        c.setAccessible(true);
        OutOfDirectMemoryError netty = c.newInstance("failed to allocate 16777216 byte(s) of direct memory");
        assertThat(ResourceExhaustion.kindOf(new DecoderException(netty))).isEqualTo(ResourceExhaustion.Kind.DIRECT_MEMORY);
        assertThat(ResourceExhaustion.kindOf(new OutOfMemoryError("Cannot reserve 65536 bytes of direct buffer memory")))
                .isEqualTo(ResourceExhaustion.Kind.DIRECT_MEMORY);
    }

    @Test
    void otherFailuresAreNeither() {
        assertThat(ResourceExhaustion.kindOf(new IOException("Connection reset by peer"))).isNull();
        assertThat(ResourceExhaustion.kindOf(new OutOfMemoryError("Java heap space"))).isNull();
        assertThat(ResourceExhaustion.kindOf(null)).isNull();
    }
}
