package io.cairn.transport;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * The socket transport of the listeners: Netty's native epoll where Linux loads it, the JDK's NIO
 * otherwise. Epoll holds less per connection (a file descriptor instead of a JDK SocketChannel with
 * its locks and SelectionKey) and reads edge-triggered. The system property {@code cairn.io=nio}
 * forces NIO (to compare the two, or where the native library misbehaves).
 *
 * <p>Threading: immutable; chosen once when the listeners are created.
 */
record IoTransport(String name, IoHandlerFactory factory, Class<? extends ServerChannel> serverChannel) {

    /** Fails on a {@code cairn.io} value it does not know, rather than ignore what was asked for. */
    static IoTransport choose() {
        String asked = System.getProperty("cairn.io");
        if (asked != null && !asked.equals("nio") && !asked.equals("epoll")) {
            throw new IllegalArgumentException("-Dcairn.io=" + asked + ": expected nio, or epoll (the default where it loads)");
        }
        if (!"nio".equals(asked) && Epoll.isAvailable()) {
            return new IoTransport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class);
        }
        return new IoTransport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class);
    }

    /** Why epoll is not used, for the start-up log; null when it is. */
    String whyNotEpoll() {
        if (name.equals("epoll")) return null;
        if ("nio".equals(System.getProperty("cairn.io"))) return "-Dcairn.io=nio";
        Throwable cause = Epoll.unavailabilityCause();
        return cause == null ? "unavailable" : cause.toString();
    }
}
