package io.cairn.store.journal;

import io.cairn.Broker;
import io.cairn.config.BrokerConfig;
import io.cairn.store.JournalStore;
import io.cairn.test.RawClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A failing disk: nothing that was not forced is acknowledged; MQTT 5 publishers are told with a
 * failure reason code; the broker continues by itself once writes succeed again.
 */
class DiskFailureTest {

    @Test
    void v5_publishWhileTheDiskFailsGetsAFailureCodeBehindEarlierAcksAndTheBrokerRecoversByItself(@TempDir Path data)
            throws Exception {
        PowerLossFiles disk = new PowerLossFiles();
        BrokerConfig config = BrokerConfig.defaults().withListeners(List.of(BrokerConfig.Listener.tcp("127.0.0.1", 0)))
                .withStorage(BrokerConfig.Storage.defaults().withDir(data));
        Journal.Options options = Journal.Options.of(Path.of("/failing/journal"), Journal.Mode.SYNC)
                .withSegmentSize(1 << 16).withFiles(disk);
        try (Broker broker = Broker.start(config, new JournalStore(options));
             RawClient pub = RawClient.connected5(broker.boundAddresses().get(0).getPort(), "disk-pub", true, 300);
             RawClient other = RawClient.connected5(broker.boundAddresses().get(0).getPort(), "disk-other", true, 300)) {
            int port = broker.boundAddresses().get(0).getPort();
            try (RawClient sub = RawClient.connected311(port, "disk-sub", false)) {
                sub.subscribe311("disk/t", 1, 1);
            }
            // a PUBACK proves that every earlier record (the subscriber's session end) is on disk, so
            // the first write to fail is the next publish's
            pub.send(publish5("disk/t", 1, false, 9, "warm-up"));
            assertThat(pub.read().u16(0)).isEqualTo(9);
            synchronized (disk) {
                disk.failNext = Integer.MAX_VALUE;
            }
            pub.send(publish5("disk/t", 1, false, 1, "first"));
            assertThat(pub.poll(700)).as("no PUBACK before the record is on disk").isNull();

            // a client with nothing waiting is refused at once
            other.send(publish5("disk/t", 1, false, 7, "refused"));
            Packet refusedAtOnce = other.read();
            assertThat(refusedAtOnce.type()).isEqualTo(PUBACK);
            assertThat(refusedAtOnce.u16(0)).isEqualTo(7);
            assertThat(refusedAtOnce.u8(2)).as("failure reason code").isEqualTo(0x80);

            // a client whose earlier PUBACK waits for the disk gets its refusal behind it [MQTT-4.6.0-2]
            pub.send(publish5("disk/t", 1, false, 2, "second"));
            assertThat(pub.poll(700)).as("the refusal of 2 does not overtake the PUBACK of 1").isNull();

            synchronized (disk) {
                disk.failNext = 0; // the disk works again
            }
            pub.timeout(5000);
            Packet late = pub.read();
            assertThat(late.type()).isEqualTo(PUBACK);
            assertThat(late.u16(0)).as("the held message is acknowledged once it is on disk").isEqualTo(1);
            Packet refused = pub.read();
            assertThat(refused.type()).isEqualTo(PUBACK);
            assertThat(refused.u16(0)).isEqualTo(2);
            assertThat(refused.u8(2)).as("failure reason code").isEqualTo(0x80);
            pub.send(publish5("disk/t", 1, false, 3, "third"));
            Packet ok = pub.read();
            assertThat(ok.u16(0)).isEqualTo(3);
            assertThat(ok.body()).as("success: the short form").hasSize(2);

            try (RawClient sub = RawClient.connected311(port, "disk-sub", false)) {
                assertThat(payload311(sub.read())).isEqualTo("warm-up");
                assertThat(payload311(sub.read())).isEqualTo("first");
                assertThat(payload311(sub.read())).isEqualTo("third");
                assertThat(sub.silentFor(300)).as("refused messages are not delivered").isTrue();
            }
        }
    }
}
