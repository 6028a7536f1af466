package io.cairn.config;

import io.cairn.Cairn;
import io.cairn.tls.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

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
                segment_size = 8388608

                [mqtt]
                max_inflight = 10
                max_qos = 1
                queue_qos0 = true
                max_topic_levels = 8
                """));
        assertThat(c.listeners()).hasSize(2);
        assertThat(c.listeners().get(0)).isEqualTo(BrokerConfig.Listener.tcp("127.0.0.1", 1884));
        assertThat(c.listeners().get(1).host()).isEqualTo("::1");
        assertThat(c.listeners().get(1).path()).isEqualTo("/mqtt");
        assertThat(c.storage().dir()).isEqualTo(dir.resolve("state")); // relative to the file's folder
        assertThat(c.storage().durability()).isEqualTo("periodic");
        assertThat(c.storage().segmentSize()).isEqualTo(8L << 20);
        assertThat(c.mqtt().maxInflight()).isEqualTo(10);
        assertThat(c.mqtt().maxQos()).isEqualTo(1);
        assertThat(c.mqtt().queueQos0()).isTrue();
        assertThat(c.mqtt().receiveMaximum()).as("default kept").isEqualTo(64);
        assertThat(c.mqtt().maxTopicLevels()).isEqualTo(8);
    }

    @Test
    void anEmptyFileGivesTheEmbeddedDefaults() throws Exception {
        assertThat(ConfigLoader.load(file(""))).isEqualTo(BrokerConfig.defaults());
    }

    @Test
    void theEmbeddedDefaultsListenOnLoopbackOnly() {
        assertThat(BrokerConfig.defaults().listeners()).containsExactly(
                BrokerConfig.Listener.tcp("127.0.0.1", 1883), BrokerConfig.Listener.ws("127.0.0.1", 8083, "/mqtt"));
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
                [auth]
                allow_anonymous = "no"
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
                    .contains(":7: key 'auth.allow_anonymous' = \"no\": true or false")
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
    @Test
    void routerBudgetsAreRead() throws Exception {
        BrokerConfig.Router r = ConfigLoader.load(file("""
                [router]
                max_segment_size = 1048576
                max_segment_count = 3
                overflow = "reject"
                hold_timeout_s = 5
                [router.custom_segment.'office/+/devices/status']
                max_segment_size = 102400
                max_segment_count = 2
                """)).router();
        assertThat(r.segment().capacity()).isEqualTo(3L << 20);
        assertThat(r.overflow()).isEqualTo("reject");
        assertThat(ConfigLoader.load(file("[router]\noverflow = \"drop-oldest\"\n")).router().overflow())
                .isEqualTo("drop-oldest");
        assertThat(r.holdTimeoutS()).isEqualTo(5);
        assertThat(r.customSegments().get("office/+/devices/status").capacity()).isEqualTo(204800);
    }

    @Test
    void aCustomSegmentKeepsTheRouterDefaultForAKeyItDoesNotSet() throws Exception {
        BrokerConfig.Router r = ConfigLoader.load(file("""
                [router]
                max_segment_size = 1000
                [router.custom_segment.'a/#']
                max_segment_count = 2
                """)).router();
        assertThat(r.customSegments().get("a/#")).isEqualTo(new BrokerConfig.Segment(1000, 2));
    }

    // ---------------------------------------------------------------- tls and wss listeners

    @Test
    void tlsAndWssListenersLoadWithEveryTheirKeys() throws Exception {
        TestCertificates.writeTo(dir);
        BrokerConfig c = ConfigLoader.load(file("""
                [[listeners]]
                type = "tls"
                bind = "0.0.0.0:8883"
                cert = "server.crt"
                key = "server.key"
                client_ca = "ca.crt"
                use_identity_as_username = true

                [[listeners]]
                type = "wss"
                bind = "0.0.0.0:8084"
                path = "/ws"
                cert = "server.crt"
                key = "server.key"
                allowed_origins = ["https://app.example.com", "http://localhost:8080"]
                """));
        BrokerConfig.Listener tls = c.listeners().get(0);
        assertThat(tls.isTls()).isTrue();
        assertThat(tls.cert()).isEqualTo(dir.resolve("server.crt"));
        assertThat(tls.key()).isEqualTo(dir.resolve("server.key"));
        assertThat(tls.clientCa()).isEqualTo(dir.resolve("ca.crt"));
        assertThat(tls.useIdentityAsUsername()).isTrue();
        assertThat(tls.allowedOrigins()).isNull();
        BrokerConfig.Listener wss = c.listeners().get(1);
        assertThat(wss.isTls()).isTrue();
        assertThat(wss.isWebSocket()).isTrue();
        assertThat(wss.path()).isEqualTo("/ws");
        assertThat(wss.clientCa()).isNull();
        assertThat(wss.allowedOrigins()).containsExactly("https://app.example.com", "http://localhost:8080");
    }

    @Test
    void theCertificateUserNameNeedsAClientCa() throws Exception {
        TestCertificates.writeTo(dir);
        Path f = file("[[listeners]]\ntype = \"tls\"\nbind = \"0.0.0.0:8883\"\ncert = \"server.crt\"\n"
                + "key = \"server.key\"\nuse_identity_as_username = true\n");
        assertThatThrownBy(() -> ConfigLoader.load(f)).hasMessage(f + ":6: key 'listeners[0].use_identity_as_username'"
                + " = true: true only with client_ca (the user name comes from a client certificate the broker verified)");
    }

    @Test
    void pemFilesAreReadAsStartUpReadsThemSoCheckConfigRefusesWhatStartUpWould() throws Exception {
        TestCertificates.writeTo(dir);
        Files.writeString(dir.resolve("empty.pem"), "");
        Path f = file("""
                [[listeners]]
                type = "tls"
                bind = "0.0.0.0:8883"
                cert = "empty.pem"
                key = "server-rsa.key"
                client_ca = "empty.pem"

                [[listeners]]
                type = "wss"
                bind = "0.0.0.0:8084"
                cert = "server.crt"
                key = "alice.key"
                """);
        assertThatThrownBy(() -> ConfigLoader.load(f)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).errors()).containsExactly(
                        f + ":4: key 'listeners[0].cert' = \"empty.pem\": " + dir.resolve("empty.pem")
                                + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in it",
                        f + ":6: key 'listeners[0].client_ca' = \"empty.pem\": " + dir.resolve("empty.pem")
                                + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in it",
                        f + ":12: key 'listeners[1].key' = \"alice.key\": " + dir.resolve("alice.key")
                                + ": this private key does not belong to the first certificate of "
                                + dir.resolve("server.crt")));
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new Cairn());
        cmd.setErr(new PrintWriter(err, true));
        assertThat(cmd.execute("check-config", f.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("this private key does not belong to the first certificate");
    }

    @Test
    void allowedOriginsOnlyOnWebSocketListenersAndOnlyAsAListOfStrings() throws Exception {
        Path tcp = file("[[listeners]]\ntype = \"tcp\"\nbind = \"127.0.0.1:1883\"\nallowed_origins = [\"https://a\"]\n");
        assertThatThrownBy(() -> ConfigLoader.load(tcp)).hasMessage(tcp
                + ":4: key 'listeners[0].allowed_origins' = [\"https://a\"]: only for ws and wss listeners");
        for (String bad : List.of("\"https://a\"", "[]", "[1]", "[\"\"]")) {
            Path f = file("[[listeners]]\ntype = \"ws\"\nbind = \"127.0.0.1:8083\"\nallowed_origins = " + bad + "\n");
            assertThatThrownBy(() -> ConfigLoader.load(f)).hasMessageStartingWith(f + ":4: key 'listeners[0].allowed_origins'")
                    .hasMessageEndingWith("a list of origins such as [\"https://app.example.com\"]");
        }
    }

    @Test
    void anonymousClientsAllowedExplicitlyIsFine() throws Exception {
        assertThat(ConfigLoader.load(file("[auth]\nallow_anonymous = true\n")).auth().allowAnonymous()).isTrue();
    }

    // ---------------------------------------------------------------- [auth]

    @Test
    void authKeysAreAcceptedWithPathsRelativeToTheFile() throws Exception {
        io.cairn.security.PasswordFile.setUser(dir.resolve("passwd"), "alice", "pw".getBytes());
        Files.writeString(dir.resolve("acl"), "user alice\ntopic readwrite alice/#\n");
        BrokerConfig.Auth a = ConfigLoader.load(file(
                "[auth]\nallow_anonymous = false\npassword_file = \"passwd\"\nacl_file = \"acl\"\n")).auth();
        assertThat(a).isEqualTo(new BrokerConfig.Auth(false, dir.resolve("passwd"), dir.resolve("acl")));
        assertThat(ConfigLoader.load(file("[auth]\nallow_anonymous = false\n")).auth().allowAnonymous())
                .as("without a password file: admits nobody, but is a valid configuration").isFalse();
    }

    @Test
    void anAbsentPasswordOrAclFileIsRefused() throws Exception {
        Path f = file("[auth]\npassword_file = \"nope\"\nacl_file = \"nope-acl\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(f)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).errors()).containsExactly(
                        f + ":2: key 'auth.password_file' = \"nope\": an existing file (looked for " + dir.resolve("nope") + ")",
                        f + ":3: key 'auth.acl_file' = \"nope-acl\": an existing file (looked for " + dir.resolve("nope-acl") + ")"));
    }

    @Test
    void passwordAndAclFilesThatDoNotParseAreRefusedWithTheirOwnFileAndLine() throws Exception {
        Files.writeString(dir.resolve("passwd"), "# users\nalice:$7$101$bad\n");
        Files.writeString(dir.resolve("acl"), "user alice\n\ntopic sometimes alice/#\n");
        Path f = file("[auth]\npassword_file = \"passwd\"\nacl_file = \"acl\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(f)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).errors()).containsExactly(
                        f + ":2: key 'auth.password_file' = \"passwd\": " + dir.resolve("passwd")
                                + ":2: user 'alice': not a $6$ or $7$ password hash (expected user:$7$iterations$salt$hash)",
                        f + ":3: key 'auth.acl_file' = \"acl\": " + dir.resolve("acl")
                                + ":3: 'sometimes' is not an access: expected read, write, readwrite or deny"));
    }

    @Test
    void checkConfigRefusesABrokenAclFileWithFileAndLine() throws Exception {
        Files.writeString(dir.resolve("acl"), "topic read a/#/b\n");
        Path f = file("[mqtt]\nmax_qos = 1\n[auth]\nacl_file = \"acl\"\n");
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new Cairn());
        cmd.setErr(new PrintWriter(err, true));
        assertThat(cmd.execute("check-config", f.toString())).isEqualTo(1);
        assertThat(err.toString()).startsWith(f + ":4: key 'auth.acl_file' = \"acl\": " + dir.resolve("acl")
                + ":1: 'a/#/b' is not a valid topic filter");
    }

    // ---------------------------------------------------------------- [metrics]

    @Test
    void metricsKeysAreAccepted() throws Exception {
        BrokerConfig.Metrics m = ConfigLoader.load(file("[metrics]\nbind = \"127.0.0.1:9090\"\nsys_interval_s = 5\n"))
                .metrics();
        assertThat(m).isEqualTo(new BrokerConfig.Metrics("127.0.0.1", 9090, 5));
        assertThat(ConfigLoader.load(file("[metrics]\nbind = \"[::1]:0\"\n")).metrics())
                .isEqualTo(new BrokerConfig.Metrics("::1", 0, 10));
        assertThat(ConfigLoader.load(file("[metrics]\nsys_interval_s = 0\n")).metrics())
                .as("$SYS off, no endpoint").isEqualTo(new BrokerConfig.Metrics(null, 0, 0));
    }

    @Test
    void checkConfigAcceptsTheMetricsKeys() throws Exception {
        Path f = file("[metrics]\nbind = \"127.0.0.1:9090\"\nsys_interval_s = 10\n");
        StringWriter out = new StringWriter();
        CommandLine cmd = new CommandLine(new Cairn());
        cmd.setOut(new PrintWriter(out, true));
        assertThat(cmd.execute("check-config", f.toString())).isEqualTo(0);
        assertThat(out.toString()).startsWith(f + ": OK");
    }

    static Stream<Arguments> badMetricsValues() {
        return Stream.of(
                Arguments.of("bind = \"9090\"", "metrics.bind", "\"host:port\" with a port 0..65535"),
                Arguments.of("bind = \"127.0.0.1:65536\"", "metrics.bind", "\"host:port\" with a port 0..65535"),
                Arguments.of("bind = 9090", "metrics.bind", "\"host:port\" with a port 0..65535"),
                Arguments.of("sys_interval_s = -1", "metrics.sys_interval_s", "an integer from 0 to 86400"),
                Arguments.of("sys_interval_s = 86401", "metrics.sys_interval_s", "an integer from 0 to 86400"),
                Arguments.of("sys_interval_s = \"10\"", "metrics.sys_interval_s", "an integer from 0 to 86400"),
                Arguments.of("port = 9090", "metrics.port", "no such key; known here: bind, sys_interval_s"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badMetricsValues")
    void badMetricsValuesAreRefused(String line, String key, String allowed) throws Exception {
        Path f = file("[metrics]\n" + line + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(f)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).errors()).singleElement().satisfies(error ->
                        assertThat(error).startsWith(f + ":2: key '" + key + "'").contains(": " + allowed)));
    }

    @Test
    void checkConfigAcceptsAGoodFile() throws Exception {
        Path f = file("[mqtt]\nmax_qos = 1\n");
        StringWriter out = new StringWriter();
        CommandLine cmd = new CommandLine(new Cairn());
        cmd.setOut(new PrintWriter(out, true));
        assertThat(cmd.execute("check-config", f.toString())).isEqualTo(0);
        assertThat(out.toString()).startsWith(f + ": OK");
    }

    @Test
    void startUpRefusesWhatCheckConfigRefuses() throws Exception {
        Files.writeString(dir.resolve("passwd"), "alice\n");
        Path f = file("[auth]\npassword_file = \"passwd\"\n");
        assertThat(new CommandLine(new Cairn()).execute("--config", f.toString())).isEqualTo(2);
    }

    // ---------------------------------------------------------------- checks across keys

    @Test
    void anEmptyListenerListIsRefused() throws Exception {
        Path f = file("\n\nlisteners = []\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .hasMessage(f + ":3: key 'listeners' = []: a list of at least one [[listeners]] table");
    }

    @Test
    void twoListenersOnTheSameAddressAndPortAreRefused() throws Exception {
        Path f = file("""
                [[listeners]]
                bind = "127.0.0.1:1883"
                [[listeners]]
                type = "ws"
                bind = "127.0.0.1:1883"
                """);
        assertThatThrownBy(() -> ConfigLoader.load(f)).hasMessage(f + ":5: key 'listeners[1].bind' = \"127.0.0.1:1883\": "
                + "a port no other listener binds on this address (listeners[0] binds 127.0.0.1:1883)");
    }

    @Test
    void aWildcardAddressOverlapsEveryOtherAddressOnItsPort() throws Exception {
        Path f = file("[[listeners]]\nbind = \"0.0.0.0:1883\"\n[[listeners]]\nbind = \"[::1]:1883\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(f)).hasMessageStartingWith(f + ":4: key 'listeners[1].bind' = \"[::1]:1883\"");
    }

    @Test
    void portZeroTwiceAndOneAddressOnTwoPortsAreFine() throws Exception {
        BrokerConfig c = ConfigLoader.load(file("""
                [[listeners]]
                bind = "127.0.0.1:0"
                [[listeners]]
                bind = "127.0.0.1:0"
                [[listeners]]
                bind = "127.0.0.1:1883"
                [[listeners]]
                bind = "127.0.0.2:1883"
                [[listeners]]
                type = "ws"
                bind = "127.0.0.1:8083"
                """));
        assertThat(c.listeners()).hasSize(5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cert", "key", "client_ca"})
    void certificateKeysOnAPlainListenerAreRefused(String key) throws Exception {
        Files.writeString(dir.resolve("x.pem"), "");
        for (String type : List.of("tcp", "ws")) {
            Path f = file("[[listeners]]\ntype = \"" + type + "\"\nbind = \"127.0.0.1:1883\"\n" + key + " = \"x.pem\"\n");
            assertThatThrownBy(() -> ConfigLoader.load(f))
                    .hasMessage(f + ":4: key 'listeners[0]." + key + "' = \"x.pem\": only for tls and wss listeners");
        }
    }

    @Test
    void theCertificateUserNameOnAPlainListenerIsRefused() throws Exception {
        for (String type : List.of("tcp", "ws")) {
            Path f = file("[[listeners]]\ntype = \"" + type + "\"\nbind = \"127.0.0.1:1883\"\nuse_identity_as_username = false\n");
            assertThatThrownBy(() -> ConfigLoader.load(f)).hasMessage(f
                    + ":4: key 'listeners[0].use_identity_as_username' = false: only for tls and wss listeners");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tls"})
    void aPathOnANonWebListenerIsRefused(String type) throws Exception {
        Path f = file("[[listeners]]\ntype = \"" + type + "\"\nbind = \"127.0.0.1:1883\"\npath = \"/mqtt\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .hasMessageContaining(f + ":4: key 'listeners[0].path' = \"/mqtt\": only for ws and wss listeners");
    }

    // ---------------------------------------------------------------- max_topic_levels

    @ParameterizedTest
    @ValueSource(ints = {1, 65535})
    void maxTopicLevelsTakesOneTo65535(int levels) throws Exception {
        assertThat(ConfigLoader.load(file("[mqtt]\nmax_topic_levels = " + levels + "\n")).mqtt().maxTopicLevels())
                .isEqualTo(levels);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "65536", "-1", "\"8\""})
    void maxTopicLevelsOutOfRangeIsRefused(String value) throws Exception {
        Path f = file("[mqtt]\nmax_topic_levels = " + value + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .hasMessage(f + ":2: key 'mqtt.max_topic_levels' = " + value + ": an integer from 1 to 65535");
    }

    // ---------------------------------------------------------------- limits on half-received packets and connections

    @Test
    void limitKeysHaveTheirDefaults() throws Exception {
        BrokerConfig.Mqtt m = ConfigLoader.load(file("")).mqtt();
        assertThat(m.maxIncompletePacketBytes()).isEqualTo(64L << 20);
        assertThat(m.incompletePacketTimeoutS()).isEqualTo(30);
        assertThat(m.maxConnections()).as("0: no limit").isZero();
    }

    @Test
    void limitKeysAreRead() throws Exception {
        BrokerConfig.Mqtt m = ConfigLoader.load(file("""
                [mqtt]
                max_incomplete_packet_bytes = 1048576
                incomplete_packet_timeout_s = 3600
                max_connections = 10000000
                """)).mqtt();
        assertThat(m.maxIncompletePacketBytes()).isEqualTo(1048576);
        assertThat(m.incompletePacketTimeoutS()).isEqualTo(3600);
        assertThat(m.maxConnections()).isEqualTo(10_000_000);
    }

    static Stream<Arguments> badLimits() {
        return Stream.of(
                Arguments.of("max_incomplete_packet_bytes", "0", "an integer from 1 to 9223372036854775807"),
                Arguments.of("max_incomplete_packet_bytes", "\"64M\"", "an integer from 1 to 9223372036854775807"),
                Arguments.of("incomplete_packet_timeout_s", "0", "an integer from 1 to 3600"),
                Arguments.of("incomplete_packet_timeout_s", "3601", "an integer from 1 to 3600"),
                Arguments.of("max_connections", "0", "an integer from 1 to 10000000"),
                Arguments.of("max_connections", "10000001", "an integer from 1 to 10000000"),
                Arguments.of("max_connections", "-5", "an integer from 1 to 10000000"));
    }

    @ParameterizedTest
    @MethodSource("badLimits")
    void limitKeysOutOfRangeAreRefusedWithFileLineAndKey(String key, String value, String allowed) throws Exception {
        Path f = file("# limits\n[mqtt]\n" + key + " = " + value + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .hasMessage(f + ":3: key 'mqtt." + key + "' = " + value + ": " + allowed);
    }

    @Test
    void responseInformationIsATopicNameAndAbsentByDefault() throws Exception {
        assertThat(ConfigLoader.load(file("")).mqtt().responseInformation()).isNull();
        assertThat(ConfigLoader.load(file("[mqtt]\nresponse_information = \"replies\"\n")).mqtt().responseInformation())
                .isEqualTo("replies");
        Path f = file("[mqtt]\nresponse_information = \"replies/+\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(f))
                .hasMessageContaining("key 'mqtt.response_information' = \"replies/+\": a topic name without + or #");
    }

    @Test
    void noMaxTopicLevelsMeansNoLimit() throws Exception {
        assertThat(ConfigLoader.load(file("")).mqtt().maxTopicLevels()).isZero();
        assertThat(BrokerConfig.defaults().mqtt().maxTopicLevels()).isZero();
    }

    @Test
    void withChangesOnlyTheFieldsItSets() {
        BrokerConfig.Mqtt d = BrokerConfig.Mqtt.defaults();
        BrokerConfig.Mqtt m = d.with(b -> {
            b.maxQos = 1;
            b.maxTopicLevels = 4;
        });
        assertThat(m).isEqualTo(new BrokerConfig.Mqtt(d.maxKeepalive(), d.receiveMaximum(), d.maxInflight(),
                d.maxPacketSize(), 1, d.retainAvailable(), d.topicAliasMaximum(), d.sessionExpiryMax(),
                d.maxQueuedMessages(), d.maxQueuedBytes(), d.queueQos0(), 4, d.maxIncompletePacketBytes(),
                d.incompletePacketTimeoutS(), d.maxConnections(), d.responseInformation()));
        assertThat(d.with(b -> b.maxConnections = 7).maxConnections()).isEqualTo(7);
        assertThat(d.with(b -> b.responseInformation = "r").responseInformation()).isEqualTo("r");
        assertThat(d.with(b -> b.maxIncompletePacketBytes = 9).maxIncompletePacketBytes()).isEqualTo(9);
        assertThat(d.with(b -> b.incompletePacketTimeoutS = 5).incompletePacketTimeoutS()).isEqualTo(5);
        assertThat(d.with(b -> { })).isEqualTo(d);
    }

    // ---------------------------------------------------------------- lines of every form of key

    /** Each file has one error; its line and key name are checked. */
    static Stream<Arguments> keyForms() {
        return Stream.of(
                Arguments.of("single-quoted table name", "\n[router.custom_segment.'a/#/b']\n", 2,
                        "router.custom_segment.'a/#/b'"),
                Arguments.of("double-quoted table name", "\n\n[router.custom_segment.\"a/#/b\"]\n", 3,
                        "router.custom_segment.'a/#/b'"),
                Arguments.of("spaces around the dots", "[ router . custom_segment . \"a/#/b\" ]\n", 1,
                        "router.custom_segment.'a/#/b'"),
                Arguments.of("a quote in a quoted name", "[router.custom_segment.\"it's/#/b\"]\n", 1,
                        "router.custom_segment.\"it's/#/b\""),
                Arguments.of("dotted key at the top", "# c\n\nmqtt.max_qos = 3\n", 3, "mqtt.max_qos"),
                Arguments.of("dotted key inside a table", "[router]\n\ncustom_segment.'a/#/b'.max_segment_count = 2\n", 3,
                        "router.custom_segment.'a/#/b'"),
                Arguments.of("dotted key inside a sub-table", "[router.custom_segment]\n"
                        + "\"a/#/b\".max_segment_count = 2\n", 2, "router.custom_segment.'a/#/b'"),
                Arguments.of("key in an inline table", "\nmqtt = { max_inflight = 10,\tmax_qos = 3 }\n", 2, "mqtt.max_qos"),
                Arguments.of("table in an inline table", "[router]\n\ncustom_segment = { \"a/#/b\" = { max_segment_count = 2 } }\n",
                        3, "router.custom_segment.'a/#/b'"),
                Arguments.of("array of inline tables", "listeners = [\n  { bind = \"127.0.0.1:1\" },\n  # a comment\n"
                        + "  { type = \"udp\", bind = \"127.0.0.1:2\" },\n]\n", 4, "listeners[1].type"),
                Arguments.of("second [[listeners]]", "[[listeners]]\nbind = \"127.0.0.1:1\"\n\n[[listeners]]\n"
                        + "bind = \"127.0.0.1:2\"\ntype = \"udp\"\n", 6, "listeners[1].type"),
                Arguments.of("missing key: the line of its table", "[[listeners]]\nbind = \"127.0.0.1:1\"\n[[listeners]]\n"
                        + "type = \"ws\"\n", 3, "listeners[1].bind"),
                Arguments.of("after multi-line strings", "[storage]\ndir = \"\"\"\nx\\\n y\"\"\"\n"
                        + "durability = '''\n]\n'''\n", 5, "storage.durability"),
                Arguments.of("after an escaped quote", "[storage]\ndir = \"a\\\"b # [x]\"\ndurability = \"fast\"\n", 3,
                        "storage.durability"),
                Arguments.of("CRLF line ends", "[mqtt]\r\n\r\nmax_qos = 3\r\n", 3, "mqtt.max_qos"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keyForms")
    void everyErrorNamesTheLineOfItsKey(String form, String toml, int line, String key) throws Exception {
        Path f = file(toml);
        assertThatThrownBy(() -> ConfigLoader.load(f)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).errors())
                        .allSatisfy(error -> assertThat(error).startsWith(f + ":" + line + ": key '" + key + "'")));
    }

    @Test
    void logKeysLoadWithTheFileRelativeToTheConfigFile() throws Exception {
        BrokerConfig c = ConfigLoader.load(file("""
                [log]
                level = "debug"
                clients = false
                file = "cairn.log"
                max_file_size = "512KB"
                max_history = 30
                """));
        assertThat(c.log()).isEqualTo(new BrokerConfig.Log("DEBUG", false, dir.resolve("cairn.log"), 512 * 1024, 30));
    }

    @Test
    void theLogDefaultsAreInfoClientsOnNoFileTenMegabytesSevenDays() throws Exception {
        BrokerConfig.Log log = ConfigLoader.load(file("")).log();
        assertThat(log).isEqualTo(new BrokerConfig.Log("INFO", true, null, 10L << 20, 7));
        assertThat(BrokerConfig.defaults().log()).isEqualTo(log);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"1048576", "10MB", "10 mb", "2GB", "1KB"})
    void logFileSizesTakeBytesKbMbOrGb(String size) throws Exception {
        long bytes = ConfigLoader.load(file("[log]\nmax_file_size = \"" + size + "\"\n")).log().maxFileSizeBytes();
        assertThat(bytes).isBetween(1024L, 2L << 30);
    }

    static Stream<Arguments> badLogValues() {
        return Stream.of(
                Arguments.of("level = \"VERBOSE\"", "log.level", "one of TRACE, DEBUG, INFO, WARN, ERROR"),
                Arguments.of("level = 3", "log.level", "a non-empty string"),
                Arguments.of("clients = \"yes\"", "log.clients", "true or false"),
                Arguments.of("file = \"no-such-folder/cairn.log\"", "log.file", "a file in an existing folder"),
                Arguments.of("file = \".\"", "log.file", "a file, not a folder"),
                Arguments.of("max_file_size = \"10 parsecs\"", "log.max_file_size", "a size from 1KB to 1024GB"),
                Arguments.of("max_file_size = 10485760", "log.max_file_size", "a size from 1KB to 1024GB"),
                Arguments.of("max_file_size = \"100\"", "log.max_file_size", "a size from 1KB to 1024GB"),
                Arguments.of("max_history = 0", "log.max_history", "an integer from 1 to 3650"),
                Arguments.of("rotate = true", "log.rotate", "no such key; known here: clients, file, level, "
                        + "max_file_size, max_history"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badLogValues")
    void badLogValuesAreRefused(String line, String key, String allowed) throws Exception {
        Path f = file("[log]\n" + line + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(f)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).errors()).singleElement().satisfies(error ->
                        assertThat(error).startsWith(f + ":2: key '" + key + "'").contains(": " + allowed)));
    }
}
