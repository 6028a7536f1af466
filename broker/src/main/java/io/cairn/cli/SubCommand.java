package io.cairn.cli;

import io.cairn.client.ClientOptions;
import io.cairn.client.Message;
import io.cairn.client.MqttClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code cairn sub}: subscribes like mosquitto_sub and prints each payload (with {@code -v}, the topic
 * first); with {@code --exec CMD}, the reliable consumer of {@link ExecConsumer}.
 *
 * <p>Threading: runs on the main thread; SIGTERM and SIGINT set a flag (on the JVM's signal thread)
 * that the main thread checks between messages.
 */
@Command(name = "sub", sortOptions = false, separator = " ",
        description = {"Subscribes like mosquitto_sub and prints each message's payload (-v: 'topic payload').",
                "",
                "With --exec CMD it is a reliable consumer: a persistent session (needs -i), one message at a time, "
                        + "CMD run by /bin/sh -c with the payload on stdin and MQTT_TOPIC, MQTT_QOS, MQTT_RETAIN, "
                        + "MQTT_DUP in its environment; the message is acknowledged (PUBACK, or PUBREC for QoS 2) only "
                        + "after CMD exits 0. A failing CMD is tried again after --retry-delay, up to --max-attempts "
                        + "times; then the message goes to --dead-letter TOPIC and is acknowledged, or, without one, "
                        + "it is left unacknowledged (the broker keeps it and sends it again) and sub exits 3. "
                        + "SIGTERM / Ctrl-C lets the current message finish, then disconnects and exits 0. "
                        + "--state FILE (QoS 2) records each handled message before its PUBREC, so a consumer "
                        + "restarted after a crash does not handle it twice."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:-C count reached, -E, or stopped by SIGTERM / Ctrl-C", "1:connection failed, refused or lost, "
                + "or a subscription refused", "2:bad command line", "3:--exec: a message failed --max-attempts times "
                + "and there is no --dead-letter (it stays with the broker)", "27:-W timeout reached (as mosquitto_sub)"})
public final class SubCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions conn;

    @Option(names = {"-t", "--topic"}, required = true, paramLabel = "FILTER", description = "a topic filter; repeat for more")
    List<String> filters;

    @Option(names = {"-q", "--qos"}, paramLabel = "QOS", description = "0, 1 or 2 (default: ${DEFAULT-VALUE})")
    int qos = 0;

    @Option(names = {"-c", "--disable-clean-session"},
            description = "a persistent session (needs -i): MQTT 5 Clean Start 0 and a session that never expires")
    boolean persistent;

    @Option(names = {"-v", "--verbose"}, description = "print 'topic payload'")
    boolean verbose;

    @Option(names = {"-N"}, description = "no newline after each payload")
    boolean noNewline;

    @Option(names = {"-R"}, description = "do not print retained messages")
    boolean noRetained;

    @Option(names = {"-C", "--count"}, paramLabel = "N", description = "exit after N messages")
    int count;

    @Option(names = {"-W"}, paramLabel = "SECONDS", description = "exit (status 27) after SECONDS")
    int timeout;

    @Option(names = {"-E"}, description = "exit once the subscriptions are acknowledged (e.g. to create a session with -c)")
    boolean exitAfterSubscribe;

    @Option(names = "--exec", paramLabel = "CMD", description = "run CMD for each message (a reliable consumer, see above)")
    String exec;

    @Option(names = "--retry-delay", paramLabel = "SECONDS",
            description = "--exec: wait before running CMD again after it failed (default: ${DEFAULT-VALUE})")
    double retryDelay = 1;

    @Option(names = "--max-attempts", paramLabel = "N",
            description = "--exec: runs of CMD for one message before giving up; 0 = no limit (default: ${DEFAULT-VALUE})")
    int maxAttempts = 3;

    @Option(names = "--dead-letter", paramLabel = "TOPIC",
            description = "--exec: publish a message that failed --max-attempts times here (same QoS), then acknowledge it")
    String deadLetter;

    @Option(names = "--state", paramLabel = "FILE",
            description = "--exec, QoS 2: record handled messages here so a restart does not handle them twice")
    Path stateFile;

    @Override
    public Integer call() throws Exception {
        ConnectionOptions.quietLogging();
        ClientOptions options;
        try {
            options = conn.toClientOptions();
            ConnectionOptions.checkQos(qos);
            check();
        } catch (IllegalArgumentException e) {
            System.err.println("cairn sub: " + e.getMessage());
            return 2;
        }
        AtomicBoolean stop = new AtomicBoolean();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), s -> stop.set(true));
        }
        if (exec != null) {
            options.cleanStart = false;
            options.autoAck = false;
            options.receiveMaximum = 1;
            HandledState state;
            try {
                state = stateFile == null ? null : HandledState.open(stateFile);
            } catch (IOException e) {
                System.err.println("cairn sub: --state " + e.getMessage());
                return 2;
            }
            return new ExecConsumer(options, filters, qos, exec, (long) (retryDelay * 1000), maxAttempts, deadLetter,
                    state, System.err, stop).run();
        }
        options.cleanStart = !persistent;
        return print(options, stop);
    }

    private void check() {
        if (persistent && conn.clientId == null) {
            throw new IllegalArgumentException("-c (a persistent session) needs a client id: -i ID");
        }
        if (exec == null) {
            if (deadLetter != null || stateFile != null) {
                throw new IllegalArgumentException("--dead-letter and --state go with --exec");
            }
            return;
        }
        if (conn.clientId == null || conn.clientId.isEmpty()) {
            throw new IllegalArgumentException("--exec needs -i ID: a reliable consumer keeps a persistent session, "
                    + "named by its client id, so that the broker holds its messages while it is away");
        }
        if (count != 0 || timeout != 0 || exitAfterSubscribe || verbose) {
            throw new IllegalArgumentException("-C, -W, -E and -v do not go with --exec");
        }
        if (stateFile != null && qos != 2) {
            throw new IllegalArgumentException("--state records QoS 2 messages only: use it with -q 2");
        }
        if (maxAttempts < 0 || retryDelay < 0) {
            throw new IllegalArgumentException("--max-attempts and --retry-delay are 0 or more");
        }
        if (deadLetter != null && (deadLetter.isEmpty() || deadLetter.contains("+") || deadLetter.contains("#"))) {
            throw new IllegalArgumentException("--dead-letter '" + deadLetter + "': a topic name, without wildcards");
        }
    }

    /** mosquitto_sub: print each message until -C, -W, -E or a signal. */
    private int print(ClientOptions options, AtomicBoolean stop) throws InterruptedException {
        MqttClient client;
        try {
            client = MqttClient.connect(options);
        } catch (IOException e) {
            System.err.println("cairn sub: " + e.getMessage());
            return 1;
        }
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false);
        try {
            if (!subscribe(client, filters, qos, System.err)) {
                client.disconnect();
                return 1;
            }
            if (exitAfterSubscribe) {
                client.disconnect();
                return 0;
            }
            long deadline = timeout > 0 ? System.nanoTime() + timeout * 1_000_000_000L : Long.MAX_VALUE;
            int seen = 0;
            while (!stop.get()) {
                if (System.nanoTime() - deadline >= 0) {
                    client.disconnect();
                    return 27;
                }
                Message m = client.receive(100);
                if (m == null || (noRetained && m.retain())) {
                    continue;
                }
                if (verbose) {
                    out.write((m.topic() + " ").getBytes(StandardCharsets.UTF_8));
                }
                out.write(m.payload());
                if (!noNewline) {
                    out.write('\n');
                }
                out.flush();
                if (count > 0 && ++seen >= count) {
                    break;
                }
            }
            client.disconnect();
            return 0;
        } catch (IOException e) {
            System.err.println("cairn sub: " + e.getMessage());
            client.close();
            return 1;
        }
    }

    /** Subscribes; prints why and returns false if the broker refused a filter. */
    static boolean subscribe(MqttClient client, List<String> filters, int qos, PrintStream log)
            throws IOException, InterruptedException {
        List<Integer> granted = client.subscribe(filters, qos);
        boolean ok = true;
        for (int i = 0; i < filters.size(); i++) {
            int code = granted.get(i);
            if (code >= 0x80) {
                log.printf("cairn sub: the broker refused the subscription to %s: 0x%02x%n", filters.get(i), code);
                ok = false;
            }
        }
        return ok;
    }
}
