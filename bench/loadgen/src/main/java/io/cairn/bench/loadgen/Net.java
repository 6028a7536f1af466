package io.cairn.bench.loadgen;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import java.util.concurrent.TimeUnit;

/**
 * The Netty side: one small event-loop group for every connection of a run (1-2 threads, so the
 * generator leaves the cores to the broker), native epoll when available (else NIO), and a bootstrap
 * that puts the MQTT codec in front of a {@link Conn} for the setup packets (the Conn removes the
 * decoder once ready and parses the hot-path packets itself). Thread-safe (Netty's bootstrap and
 * group are).
 */
final class Net implements AutoCloseable {
    /** "epoll" or "nio": the transport every connection of this run uses. */
    static final String TRANSPORT = Epoll.isAvailable() ? "epoll" : "nio";
    static final String DECODER = "mqtt-decoder";
    /**
     * Whether the event loops' scheduled tasks fire at their time: epoll's do (timerfd, ns
     * resolution); NIO's wait in Selector.select(ms) and come in bursts, so -r uses a {@link Pacer}.
     */
    static final boolean PRECISE_TIMERS = TRANSPORT.equals("epoll");

    final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final int maxPacket;

    Net(Config cfg) {
        boolean epoll = TRANSPORT.equals("epoll");
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        group = new MultiThreadIoEventLoopGroup(cfg.threads, io);
        maxPacket = cfg.size + 64 * 1024;
        bootstrap = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) (cfg.connectTimeoutS * 1000))
                // a publisher stops writing above the high mark; large enough for a few big payloads
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(128 * 1024, 512 * 1024))
                .remoteAddress(cfg.host, cfg.port);
    }

    /** Why the native transport is not used, or null when it is. */
    static String whyNotEpoll() {
        Throwable t = Epoll.unavailabilityCause();
        return t == null ? null : t.toString();
    }

    ChannelFuture connect(Conn conn) {
        return bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(DECODER, new MqttDecoder(maxPacket));
                ch.pipeline().addLast(MqttEncoder.INSTANCE, conn);
            }
        }).connect();
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
