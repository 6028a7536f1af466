package io.cairn.crash;

import io.cairn.test.Packets;
import io.cairn.test.RawClient;

import java.io.IOException;
import java.net.Socket;
import java.net.InetSocketAddress;

/**
 * A small blocking MQTT 3.1.1 client with clean session 0, written for the crash tests so that
 * "acknowledged" means exactly what the broker promised: PUBACK for QoS 1, PUBREC for QoS 2.
 * Publishers and subscribers built on it re-send what was not acknowledged after a reconnect, as
 * a correct client does.
 *
 * <p>Threading: one worker thread per client.
 */
final class CrashClient {

    private final int port;
    private final String clientId;
    private Socket socket;

    CrashClient(int port, String clientId) {
        this.port = port;
        this.clientId = clientId;
    }

    /** Connects (clean session 0), retrying until the broker answers or the deadline passes. */
    void connect(long deadlineMillis) throws IOException, InterruptedException {
        close();
        while (true) {
            try {
                socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                socket.setSoTimeout(3000);
                socket.setTcpNoDelay(true);
                send(Packets.connect311(clientId, false, 0));
                RawClient.Packet ack = read();
                if (ack.type() == RawClient.CONNACK && ack.u8(1) == 0) {
                    return;
                }
            } catch (IOException e) {
                close();
                if (System.currentTimeMillis() > deadlineMillis) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    void send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    RawClient.Packet read() throws IOException {
        return RawClient.readPacket(socket.getInputStream());
    }

    void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // reconnecting anyway
            }
            socket = null;
        }
    }
}
