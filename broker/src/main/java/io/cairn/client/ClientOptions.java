package io.cairn.client;

import java.nio.file.Path;
import java.util.function.IntConsumer;

/**
 * How {@link MqttClient#connect} connects: the broker's address, the protocol version, the session
 * (clean or persistent), credentials, TLS, the Receive Maximum to announce and whether received
 * messages are acknowledged on arrival.
 *
 * <p>Threading: fill it in on one thread before {@code connect}; not changed afterwards.
 */
public final class ClientOptions {
    public String host = "localhost";
    public int port = 1883;
    /** Empty: the broker assigns one (clean sessions only). */
    public String clientId = "";
    /** true: MQTT 5.0; false: MQTT 3.1.1. */
    public boolean v5 = true;
    /** false: a persistent session (3.1.1 Clean Session 0; 5.0 Clean Start 0 and Session Expiry Interval never). */
    public boolean cleanStart = true;
    public int keepAliveSeconds = 60;
    public String username;
    public byte[] password;
    /** A PEM file of CA certificates to trust: TLS when set. */
    public Path caFile;
    /** TLS without checking that the certificate names the host. */
    public boolean insecure;
    /** 5.0 Receive Maximum (1 for a one-at-a-time consumer); 0: not sent (65535). */
    public int receiveMaximum;
    /** true: PUBACK / PUBREC sent as each message arrives; false: the caller sends them with {@code acknowledge}. */
    public boolean autoAck = true;
    /**
     * Runs on the event loop when a PUBREL comes for a packet id, before the PUBCOMP is sent; if it
     * throws, no PUBCOMP is sent and the connection is closed (the broker sends the PUBREL again on the
     * next connection). Set before {@code connect}: a PUBREL the broker re-sends comes right after CONNACK.
     */
    public IntConsumer onRelease = id -> { };
}
