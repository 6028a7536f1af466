package io.cairn.cli;

import io.cairn.client.ClientOptions;
import io.cairn.client.Message;
import io.cairn.client.MqttClient;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code cairn sub --exec CMD}, a reliable consumer. On a persistent session (Clean Start 0, Session
 * Expiry never; Receive Maximum 1 with MQTT 5) it takes one message at a time, in the order the broker
 * sends them, and runs {@code /bin/sh -c CMD} with the payload on stdin and MQTT_TOPIC, MQTT_QOS,
 * MQTT_RETAIN, MQTT_DUP in the environment. Only when CMD exits 0 is the message acknowledged (PUBACK,
 * or PUBREC for QoS 2), and only then is the next one taken (with 3.1.1 the broker may already have
 * sent it; it waits, unacknowledged). So a consumer killed at any point gets every unacknowledged
 * message again when it reconnects: at-least-once handling, nothing lost, in order.
 *
 * <p>A failing CMD is run again after the retry delay, up to the maximum attempts (0: no limit). Then
 * the message is published to the dead-letter topic at its own QoS (waiting for the broker's
 * acknowledgement) and acknowledged; without a dead-letter topic it is left unacknowledged, the
 * consumer disconnects and {@link #run} returns 3: the broker keeps the message and sends it again to
 * the next run. (A QoS 0 message, which the broker does not keep, is logged as dropped instead.)
 *
 * <p>With a state file, a QoS 2 message's packet id is recorded (fsync) after CMD succeeded and before
 * the PUBREC, and removed when the broker's PUBREL comes; a PUBLISH whose id is recorded was handled
 * already (the consumer crashed after the record, before the broker had the PUBREC) and is only
 * acknowledged. Exactly-once handling then, except for a crash between CMD's exit and the record.
 *
 * <p>A lost connection (broker restarted) is retried every second; the message being handled is
 * then acknowledged by nobody, and the broker sends it again (at-least-once). A stop request (SIGTERM,
 * Ctrl-C) lets CMD finish: a message it handled is acknowledged, a failed one is left to the broker
 * (no retry), then the consumer disconnects and returns 0.
 *
 * <p>The system property {@code cairn.test.haltAfterRecord} halts the JVM right after a state record
 * (before the PUBREC): the crash tests use it to hit that exact point.
 *
 * <p>Threading: {@link #run} on one thread, which runs everything but the release of state entries
 * (on the client's event loop); the stop flag may be set from any thread.
 */
final class ExecConsumer {

    private enum Outcome { HANDLED, FAILED, STOPPED }

    private final ClientOptions options;
    private final List<String> filters;
    private final int qos;
    private final String command;
    private final long retryDelayMillis;
    private final int maxAttempts;
    private final String deadLetter;
    private final HandledState state;
    private final PrintStream log;
    private final AtomicBoolean stop;

    ExecConsumer(ClientOptions options, List<String> filters, int qos, String command, long retryDelayMillis,
                 int maxAttempts, String deadLetter, HandledState state, PrintStream log, AtomicBoolean stop) {
        this.options = options;
        this.filters = filters;
        this.qos = qos;
        this.command = command;
        this.retryDelayMillis = retryDelayMillis;
        this.maxAttempts = maxAttempts;
        this.deadLetter = deadLetter;
        this.state = state;
        this.log = log;
        this.stop = stop;
    }

    /** Consumes until stopped (0), a message is given up (3), or the first connection fails (1). */
    int run() throws InterruptedException {
        if (state != null) {
            options.onRelease = state::remove; // before connecting: a re-sent PUBREL follows the CONNACK at once
        }
        boolean first = true;
        while (!stop.get()) {
            MqttClient client;
            try {
                client = MqttClient.connect(options);
            } catch (IOException e) {
                if (first) {
                    log("" + e.getMessage());
                    return 1;
                }
                log(e.getMessage() + "; trying again in 1 s");
                pause(1000);
                continue;
            }
            first = false;
            try {
                if (state != null) {
                    if (!client.sessionPresent() && !state.isEmpty()) {
                        log("the broker has no session for '" + options.clientId
                                + "': the packet ids in the state file belong to a gone session; cleared");
                        state.clear();
                    }
                }
                if (!SubCommand.subscribe(client, filters, qos, log)) {
                    client.disconnect();
                    return 1;
                }
                log("consuming " + String.join(" ", filters) + " as '" + options.clientId + "' ("
                        + (client.sessionPresent() ? "session resumed" : "new session") + ")");
                if (consume(client)) {
                    client.disconnect();
                    log("stopped");
                    return 0;
                }
                client.disconnect();
                return 3;
            } catch (IOException e) {
                client.close();
                if (stop.get()) {
                    return 0;
                }
                log(e.getMessage() + "; reconnecting in 1 s");
                pause(1000);
            }
        }
        return 0;
    }

    /** Handles messages until stopped (true) or one is given up (false). */
    private boolean consume(MqttClient client) throws IOException, InterruptedException {
        while (!stop.get()) {
            Message m = client.receive(200);
            if (m == null) {
                continue;
            }
            String what = describe(m);
            if (m.qos() == 2 && state != null && state.contains(m.packetId())) {
                client.acknowledge(m);
                log(what + ": handled already (its packet id is in the state file): acknowledged, CMD not run again");
                continue;
            }
            switch (handle(m, what)) {
                case HANDLED -> {
                    done(client, m);
                    log(what + ": handled");
                }
                case STOPPED -> {
                    log(what + ": left unacknowledged for the next run (stopping)");
                    return true;
                }
                case FAILED -> {
                    if (deadLetter != null) {
                        try {
                            client.publish(deadLetter, m.payload(), m.qos(), false).get();
                        } catch (ExecutionException e) {
                            log(what + ": could not be dead-lettered to " + deadLetter + ": " + e.getCause().getMessage()
                                    + "; left unacknowledged (the broker keeps it)");
                            return false;
                        }
                        done(client, m);
                        log(what + ": dead-lettered to " + deadLetter);
                    } else if (m.qos() == 0) {
                        log(what + ": dropped (QoS 0: the broker keeps no copy)");
                    } else {
                        log(what + ": given up; left unacknowledged: the broker keeps it and sends it again "
                                + "to the next run; exiting");
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Records a QoS 2 message in the state file, then acknowledges it. */
    private void done(MqttClient client, Message m) throws IOException, InterruptedException {
        if (m.qos() == 2 && state != null) {
            state.add(m.packetId());
            if (Boolean.getBoolean("cairn.test.haltAfterRecord")) {
                Runtime.getRuntime().halt(137);
            }
        }
        client.acknowledge(m);
    }

    private Outcome handle(Message m, String what) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            int exit = runCommand(m);
            if (exit == 0) {
                return Outcome.HANDLED;
            }
            String of = maxAttempts > 0 ? " of " + maxAttempts : "";
            if (maxAttempts > 0 && attempt >= maxAttempts) {
                log(what + ": CMD exited " + exit + " (attempt " + attempt + of + ")");
                return Outcome.FAILED;
            }
            if (stop.get()) {
                log(what + ": CMD exited " + exit + " (attempt " + attempt + of + ")");
                return Outcome.STOPPED;
            }
            log(what + ": CMD exited " + exit + " (attempt " + attempt + of + "); retrying in "
                    + retryDelayMillis / 1000.0 + " s");
            if (!pause(retryDelayMillis)) {
                return Outcome.STOPPED;
            }
        }
    }

    /** Runs CMD for one message; its exit status (127 if it could not be started). */
    private int runCommand(Message m) throws InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("MQTT_TOPIC", m.topic());
        pb.environment().put("MQTT_QOS", String.valueOf(m.qos()));
        pb.environment().put("MQTT_RETAIN", m.retain() ? "1" : "0");
        pb.environment().put("MQTT_DUP", m.dup() ? "1" : "0");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            log("cannot run /bin/sh: " + e.getMessage());
            return 127;
        }
        // a thread of its own: CMD may read stdin late, partly or not at all
        Thread feeder = new Thread(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(m.payload());
            } catch (IOException ignored) {
                // CMD closed its stdin early: its business
            }
        }, "exec-stdin");
        feeder.setDaemon(true);
        feeder.start();
        return p.waitFor();
    }

    /** Sleeps, waking early on a stop request; false if stopped. */
    private boolean pause(long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (!stop.get()) {
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return true;
            }
            Thread.sleep(Math.min(left, 100));
        }
        return false;
    }

    private static String describe(Message m) {
        return m.topic() + " (QoS " + m.qos() + (m.qos() > 0 ? ", packet " + m.packetId() : "")
                + (m.dup() ? ", DUP" : "") + (m.retain() ? ", retained" : "") + ")";
    }

    private void log(String line) {
        log.println("cairn sub: " + line);
        log.flush();
    }
}
