package io.cairn.cli;

import io.cairn.client.ClientOptions;
import io.cairn.client.MqttClient;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * {@code cairn pub}: publishes like mosquitto_pub and exits 0 only when every message was acknowledged
 * (QoS 1: PUBACK, QoS 2: PUBCOMP, without a 5.0 negative reason code; QoS 0: written to the socket).
 *
 * <p>Threading: runs on the main thread; the client's event loop completes the acknowledgements.
 */
@Command(name = "pub", sortOptions = false, separator = " ",
        description = "Publishes a message (-m), a file (-f), a null message (-n), or one message per line of "
                + "stdin (-l) like mosquitto_pub, and exits 0 only when the broker acknowledged every one "
                + "(QoS 1 PUBACK, QoS 2 PUBCOMP; an MQTT 5 refusal is an error).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every message acknowledged", "1:connection failed or refused, or a message refused or "
                + "not acknowledged", "2:bad command line"})
public final class PubCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions conn;

    @Option(names = {"-t", "--topic"}, required = true, paramLabel = "TOPIC")
    String topic;

    @Option(names = {"-q", "--qos"}, paramLabel = "QOS", description = "0, 1 or 2 (default: ${DEFAULT-VALUE})")
    int qos = 0;

    @Option(names = {"-r", "--retain"}, description = "retain the message")
    boolean retain;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = {"-m", "--message"}, paramLabel = "MSG", description = "the message")
        String message;

        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "the whole file as one message")
        Path file;

        @Option(names = {"-l", "--stdin-line"}, description = "one message per line of stdin, until its end")
        boolean lines;

        @Option(names = {"-s", "--stdin-file"}, description = "the whole of stdin as one message")
        boolean stdin;

        @Option(names = {"-n", "--null-message"}, description = "a zero-length message")
        boolean empty;
    }

    @Override
    public Integer call() throws Exception {
        ConnectionOptions.quietLogging();
        ClientOptions options;
        try {
            options = conn.toClientOptions();
            ConnectionOptions.checkQos(qos);
            if (topic.isEmpty() || topic.contains("+") || topic.contains("#")) {
                throw new IllegalArgumentException("-t '" + topic + "': a topic name, without wildcards");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("cairn pub: " + e.getMessage());
            return 2;
        }
        byte[] single;
        try {
            single = source.message != null ? source.message.getBytes(StandardCharsets.UTF_8)
                    : source.file != null ? Files.readAllBytes(source.file)
                    : source.stdin ? System.in.readAllBytes()
                    : source.empty ? new byte[0] : null;
        } catch (IOException e) {
            System.err.println("cairn pub: " + e.getMessage());
            return 1;
        }
        MqttClient client;
        try {
            client = MqttClient.connect(options);
        } catch (IOException e) {
            System.err.println("cairn pub: " + e.getMessage());
            return 1;
        }
        try {
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            if (single != null) {
                sent.add(client.publish(topic, single, qos, retain));
            } else {
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                for (String line; (line = in.readLine()) != null; ) {
                    sent.add(client.publish(topic, line.getBytes(StandardCharsets.UTF_8), qos, retain));
                }
            }
            int failed = 0;
            for (int i = 0; i < sent.size(); i++) {
                try {
                    sent.get(i).get();
                } catch (ExecutionException e) {
                    failed++;
                    System.err.println("cairn pub: " + (sent.size() > 1 ? "message " + (i + 1) + ": " : "")
                            + e.getCause().getMessage());
                }
            }
            client.disconnect();
            return failed == 0 ? 0 : 1;
        } catch (IOException e) {
            System.err.println("cairn pub: " + e.getMessage());
            client.close();
            return 1;
        }
    }
}
