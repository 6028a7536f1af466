package io.cairn.consumption;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay between MQTT clients and the broker that records every PUBLISH the broker sends
 * (connection number, DUP flag, QoS, packet id, payload), since client libraries do not all show
 * the DUP flag or the packet id, and the packet ids of the PUBRECs the clients send. Every accepted connection gets its own connection to the broker;
 * when either side closes, both are closed.
 *
 * <p>Threading: an accept thread and two pump threads per connection; {@link #seen} is a
 * thread-safe list readable from any thread.
 */
final class PublishTap implements AutoCloseable {

    /** One PUBLISH from the broker, on the {@code connection}-th accepted connection (from 1). */
    record Seen(int connection, boolean dup, int qos, int packetId, String payload) {}

    private final ServerSocket server;
    private final int brokerPort;
    private final boolean v5;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    /** "connection:packetId" of every PUBREC a client sent (forwarded before it is recorded). */
    private final List<String> pubrecs = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();

    /** {@code v5}: the clients speak MQTT 5.0 (a PUBLISH has properties). */
    PublishTap(int brokerPort, boolean v5) throws IOException {
        this.brokerPort = brokerPort;
        this.v5 = v5;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "tap-accept");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** The packet ids of the PUBRECs the client on the {@code connection}-th connection sent. */
    List<Integer> pubrecs(int connection) {
        String prefix = connection + ":";
        return pubrecs.stream().filter(p -> p.startsWith(prefix))
                .map(p -> Integer.parseInt(p.substring(prefix.length()))).toList();
    }

    /** Every PUBLISH the broker sent so far, in order. */
    List<Seen> seen() {
        return List.copyOf(seen);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket broker = new Socket(InetAddress.getLoopbackAddress(), brokerPort);
                client.setTcpNoDelay(true);
                broker.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(broker);
                int n = connections.incrementAndGet();
                start(() -> relayPackets(client, broker, n, false), "tap-up-" + n);
                start(() -> relayPackets(broker, client, n, true), "tap-down-" + n);
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void start(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    /**
     * Forwards packets one at a time: the broker's ({@code fromBroker}), recording each PUBLISH, or
     * the client's, recording each PUBREC after it is forwarded.
     */
    private void relayPackets(Socket from, Socket to, int connection, boolean fromBroker) {
        try (DataInputStream in = new DataInputStream(from.getInputStream()); OutputStream out = to.getOutputStream()) {
            while (true) {
                int header = in.read();
                if (header < 0) {
                    return;
                }
                int length = 0;
                int shift = 0;
                byte[] lengthBytes = new byte[4];
                int lengthCount = 0;
                int b;
                do {
                    b = in.readUnsignedByte();
                    lengthBytes[lengthCount++] = (byte) b;
                    length |= (b & 0x7F) << shift;
                    shift += 7;
                } while ((b & 0x80) != 0);
                byte[] body = new byte[length];
                in.readFully(body);
                if (fromBroker && (header >> 4) == 3) {
                    record(connection, header, body);
                }
                out.write(header);
                out.write(lengthBytes, 0, lengthCount);
                out.write(body);
                out.flush();
                if (!fromBroker && (header >> 4) == 5) {
                    pubrecs.add(connection + ":" + (((body[0] & 0xFF) << 8) | (body[1] & 0xFF)));
                }
            }
        } catch (IOException ignored) {
            // one side went away
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void record(int connection, int header, byte[] body) {
        boolean dup = (header & 0x08) != 0;
        int qos = (header >> 1) & 3;
        int topicLength = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
        int pos = 2 + topicLength;
        int packetId = 0;
        if (qos > 0) {
            packetId = ((body[pos] & 0xFF) << 8) | (body[pos + 1] & 0xFF);
            pos += 2;
        }
        if (v5) {
            int propertiesLength = 0;
            int shift = 0;
            int b;
            do {
                b = body[pos++] & 0xFF;
                propertiesLength |= (b & 0x7F) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            pos += propertiesLength;
        }
        seen.add(new Seen(connection, dup, qos, packetId, new String(body, pos, body.length - pos, StandardCharsets.UTF_8)));
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        sockets.forEach(PublishTap::closeQuietly);
    }
}
