package io.cairn.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Configuration files: good ones load, bad ones name the file, line, key, value and what is allowed. */
class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path file(String toml) throws Exception {
        Path f = dir.resolve("cairn.toml");
        Files.writeString(f, toml);
        return f;
    }

    @Test
    void aFullFileLoadsIntoTheRecordsAndListenersReplaceTheDefaults() throws Exception {
        BrokerConfig c = ConfigLoader.load(file("""
                [[listeners]]
                type = "tcp"
                bind = "127.0.0.1:1884"

                [[listeners]]
                type = "ws"
                bind = "[::1]:0"

                [storage]
                dir = "state"
                durability = "periodic"
                flush_interval_ms = 50

                [mqtt]
                max_inflight = 10
                max_qos = 1
                queue_qos0 = true

                [router]
                max_segment_count = 3
                [router.custom_segment.'office/+/devices/status']
                max_segment_size = 102400
                max_segment_count = 2
                """));
        assertThat(c.listeners()).hasSize(2);
        assertThat(c.listeners().get(0)).isEqualTo(BrokerConfig.Listener.tcp("127.0.0.1", 1884));
        assertThat(c.listeners().get(1).host()).isEqualTo("::1");
        assertThat(c.listeners().get(1).path()).isEqualTo("/mqtt");
        assertThat(c.storage().dir()).isEqualTo(dir.resolve("state")); // relative to the file's folder
        assertThat(c.storage().durability()).isEqualTo("periodic");
        assertThat(c.mqtt().maxInflight()).isEqualTo(10);
        assertThat(c.mqtt().maxQos()).isEqualTo(1);
        assertThat(c.mqtt().queueQos0()).isTrue();
        assertThat(c.mqtt().receiveMaximum()).as("default kept").isEqualTo(64);
        assertThat(c.router().customSegments().get("office/+/devices/status")).isEqualTo(new BrokerConfig.Segment(102400, 2));
    }

    @Test
    void anEmptyFileGivesTheEmbeddedDefaults() throws Exception {
        assertThat(ConfigLoader.load(file(""))).isEqualTo(BrokerConfig.defaults().withStorage(
                BrokerConfig.Storage.defaults()));
    }

    @Test
    void aBadValueNamesFileLineKeyValueAndWhatIsAllowed() throws Exception {
        Path f = file("[mqtt]\nmax_inflight = 10\nmax_qos = 3\n");
        assertThatThrownBy(() -> ConfigLoader.load(f)).isInstanceOf(ConfigException.class)
                .hasMessage(f + ":3: key 'mqtt.max_qos' = 3: an integer from 0 to 2");
    }

    @Test
    void everyErrorIsReportedTogether() throws Exception {
        Path f = file("""
                [storage]
                durability = "fast"
                [mqtt]
                retain_available = "yes"
                max_inflight = 0
                [router]
                overflow = "drop"
                [[listeners]]
                type = "udp"
                bind = "localhost"
                """);
        try {
            ConfigLoader.load(f);
        } catch (ConfigException e) {
            assertThat(e.errors()).hasSize(6);
            assertThat(e.getMessage())
                    .contains(f + ":2: key 'storage.durability' = \"fast\": one of sync, periodic, memory")
                    .contains(":4: key 'mqtt.retain_available' = \"yes\": true or false")
                    .contains(":5: key 'mqtt.max_inflight' = 0: an integer from 1 to 65535")
                    .contains(":7: key 'router.overflow' = \"drop\": one of reject, drop-oldest")
                    .contains(":9: key 'listeners[0].type' = \"udp\": one of tcp, tls, ws, wss")
                    .contains(":10: key 'listeners[0].bind' = \"localhost\": \"host:port\"");
            return;
        }
        throw new AssertionError("expected a ConfigException");
    }

    @Test
    void unknownKeysAreErrorsListingTheKnownOnes() throws Exception {
        Path f = file("[mqtt]\nmax_inflihgt = 5\n");
        assertThatThrownBy(() -> ConfigLoader.load(f)).hasMessageContaining(f + ":2: key 'mqtt.max_inflihgt': no such key; known here:")
                .hasMessageContaining("max_inflight");
    }

    @Test
    void aSyntaxErrorNamesTheLine() throws Exception {
        Path f = file("[mqtt]\nmax_qos = \n");
        assertThatThrownBy(() -> ConfigLoader.load(f)).hasMessageStartingWith(f + ":2: not valid TOML");
    }

    @Test
    void tlsListenersNeedCertificateFilesThatExist() throws Exception {
        Path f = file("[[listeners]]\ntype = \"tls\"\nbind = \"0.0.0.0:8883\"\ncert = \"missing.crt\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(f)).hasMessageContaining("key 'listeners[0].cert' = \"missing.crt\": an existing file")
                .hasMessageContaining("cert and key (PEM files) are required for tls listeners");
    }

    @Test
    void customSegmentFiltersMustBeValidTopicFilters() throws Exception {
        Path f = file("[router.custom_segment.'a/#/b']\nmax_segment_count = 2\n");
        assertThatThrownBy(() -> ConfigLoader.load(f)).hasMessageContaining("key 'router.custom_segment.'a/#/b'': a valid MQTT topic filter");
    }
}
