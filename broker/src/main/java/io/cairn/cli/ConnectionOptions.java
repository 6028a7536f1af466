package io.cairn.cli;

import io.cairn.client.ClientOptions;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The connection options {@code cairn pub} and {@code cairn sub} share, with mosquitto_pub's and
 * mosquitto_sub's names: {@code -h} is the host there, so help is {@code --help} only, and {@code -V}
 * the protocol version, so the version is {@code cairn --version}.
 *
 * <p>Threading: filled in by picocli, then read on the main thread.
 */
final class ConnectionOptions {

    @Option(names = "--help", usageHelp = true, description = "show this help and exit")
    boolean help;

    @Option(names = {"-h", "--host"}, paramLabel = "HOST", description = "the broker's host (default: ${DEFAULT-VALUE})")
    String host = "localhost";

    @Option(names = {"-p", "--port"}, paramLabel = "PORT",
            description = "the broker's port (default: 1883, or 8883 with --cafile)")
    Integer port;

    @Option(names = {"-i", "--id"}, paramLabel = "ID", description = "client id (default: one the broker assigns)")
    String clientId;

    @Option(names = {"-V", "--protocol-version"}, paramLabel = "VERSION",
            description = "311 (or mqttv311) or 5 (or mqttv5); default: ${DEFAULT-VALUE}, as mosquitto's clients")
    String version = "311";

    @Option(names = {"-u", "--username"}, paramLabel = "USER")
    String username;

    @Option(names = {"-P", "--pw"}, paramLabel = "PASS", description = "password (with -u)")
    String password;

    @Option(names = {"-k", "--keepalive"}, paramLabel = "SECONDS", description = "keep alive (default: ${DEFAULT-VALUE})")
    int keepAlive = 60;

    @Option(names = "--cafile", paramLabel = "CA",
            description = "connect with TLS, trusting the CA certificate(s) of this PEM file")
    Path caFile;

    @Option(names = "--insecure", description = "with --cafile: do not check that the certificate names HOST")
    boolean insecure;

    /** The client's options, or an IllegalArgumentException saying what is wrong on the command line. */
    ClientOptions toClientOptions() {
        ClientOptions o = new ClientOptions();
        o.host = host;
        o.port = port != null ? port : caFile != null ? 8883 : 1883;
        o.clientId = clientId == null ? "" : clientId;
        o.v5 = switch (version) {
            case "5", "mqttv5" -> true;
            case "311", "mqttv311" -> false;
            default -> throw new IllegalArgumentException("-V " + version + ": use 311 or 5 (MQTT 3.1 is not supported)");
        };
        if (keepAlive < 0 || keepAlive > 65535) {
            throw new IllegalArgumentException("-k " + keepAlive + ": 0 to 65535 seconds");
        }
        o.keepAliveSeconds = keepAlive;
        o.username = username;
        if (password != null) {
            if (username == null) {
                throw new IllegalArgumentException("-P needs -u");
            }
            o.password = password.getBytes(StandardCharsets.UTF_8);
        }
        o.caFile = caFile;
        o.insecure = insecure;
        return o;
    }

    /** Checks a QoS given on the command line. */
    static void checkQos(int qos) {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("-q " + qos + ": QoS is 0, 1 or 2");
        }
    }

    /** The broker's logging goes to stdout; a client's stdout is the messages: keep it clean. */
    static void quietLogging() {
        org.slf4j.Logger root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(ch.qos.logback.classic.Level.OFF);
        }
    }
}
