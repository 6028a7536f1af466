package io.cairn.tls;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real clients for the TLS tests: Paho 3.1.1 and Paho 5.0 (ssl:// and wss:// with a socket factory
 * that trusts the test CA), Debian's mosquitto_pub and mosquitto_sub, and a bare SSLSocket to read
 * the certificate the broker presents.
 *
 * <p>Threading: used from the test thread.
 */
final class TlsClients {

    private TlsClients() {
    }

    /** Paho 3.1.1: connects, subscribes to {@code topic}, publishes to it at QoS 1, returns what came back. */
    static String pahoV3RoundTrip(String uri, SSLContext tls, String topic) throws Exception {
        MqttClient c = pahoV3(uri, tls, "v3-" + System.nanoTime());
        try {
            BlockingQueue<String> got = new LinkedBlockingQueue<>();
            c.subscribe(topic, 1, (t, m) -> got.add(new String(m.getPayload(), StandardCharsets.UTF_8)));
            c.publish(topic, ("hello " + uri).getBytes(StandardCharsets.UTF_8), 1, false);
            return got.poll(10, TimeUnit.SECONDS);
        } finally {
            c.disconnect();
            c.close();
        }
    }

    /** A connected Paho 3.1.1 client (clean session) using {@code tls}'s socket factory. */
    static MqttClient pahoV3(String uri, SSLContext tls, String id) throws Exception {
        MqttClient c = new MqttClient(uri, id, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setSocketFactory(tls.getSocketFactory());
        o.setConnectionTimeout(10);
        o.setCleanSession(true);
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1); // the default retries as 3.1 on any failure
        c.connect(o);
        return c;
    }

    /** Paho 5.0: the same round trip. */
    static String pahoV5RoundTrip(String uri, SSLContext tls, String topic) throws Exception {
        var c = new org.eclipse.paho.mqttv5.client.MqttClient(uri, "v5-" + System.nanoTime(),
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        c.setCallback(new MqttCallback() {
            public void disconnected(MqttDisconnectResponse r) {
            }

            public void mqttErrorOccurred(MqttException e) {
            }

            public void messageArrived(String t, MqttMessage m) {
                got.add(new String(m.getPayload(), StandardCharsets.UTF_8));
            }

            public void deliveryComplete(IMqttToken token) {
            }

            public void connectComplete(boolean reconnect, String serverURI) {
            }

            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setSocketFactory(tls.getSocketFactory());
        o.setConnectionTimeout(10);
        o.setCleanStart(true);
        c.connect(o);
        try {
            c.subscribe(topic, 1);
            c.publish(topic, ("hello v5 " + uri).getBytes(StandardCharsets.UTF_8), 1, false);
            return got.poll(10, TimeUnit.SECONDS);
        } finally {
            c.disconnect();
            c.close();
        }
    }

    /** The certificate the broker presents to a new connection. */
    static X509Certificate presented(int port, SSLContext tls) throws IOException {
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    /** Runs a mosquitto client to its end (at most 20 s); returns exit code and output. */
    static Result mosquitto(String... command) throws Exception {
        assertThat(Files.isExecutable(Path.of("/usr/bin/" + command[0])))
                .as(command[0] + " not found: apt-get install mosquitto-clients").isTrue();
        Path out = Files.createTempFile("mosquitto", ".txt");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
            }
            return new Result(p.exitValue(), Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Arguments common to every mosquitto client call of a test. */
    static List<String> args(String binary, int port, String... more) {
        List<String> a = new ArrayList<>(List.of(binary, "-h", "127.0.0.1", "-p", Integer.toString(port)));
        a.addAll(List.of(more));
        return a;
    }

    record Result(int exit, String output) {}
}
