package io.cairn.transport;

import io.cairn.test.PahoRoundTrip;
import io.cairn.test.SystemProperty;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The listeners' socket transport: native epoll where the jar bundles it, NIO on request or elsewhere. */
class SocketTransportTest {

    @Test
    void onLinuxX8664TheListenersUseTheBundledEpoll() {
        assumeTrue(System.getProperty("os.name").equals("Linux")
                && System.getProperty("os.arch").matches("amd64|x86_64"), "the bundled library is for Linux x86-64");
        IoTransport t = IoTransport.choose();
        assertThat(t.name()).as("why not: %s", t.whyNotEpoll()).isEqualTo("epoll");
        assertThat(t.whyNotEpoll()).isNull();
    }

    @Test
    void anUnknownCairnIoValueStopsStartUpNamingWhatIsAllowed() throws Exception {
        SystemProperty.with("cairn.io", "uring", () -> assertThatThrownBy(TestBroker::start)
                .hasMessageContaining("-Dcairn.io=uring").hasMessageContaining("expected nio, or epoll"));
    }

    @Test
    void withCairnIoNioABrokerServesQos1OverNio() throws Exception {
        SystemProperty.with("cairn.io", "nio", () -> {
            try (TestBroker broker = TestBroker.start()) {
                assertThat(IoTransport.choose().name()).isEqualTo("nio");
                assertThat(IoTransport.choose().whyNotEpoll()).isEqualTo("-Dcairn.io=nio");
                PahoRoundTrip.qos1(broker.uri(), "nio");
            }
        });
    }
}
