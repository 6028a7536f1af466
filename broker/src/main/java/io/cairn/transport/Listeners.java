package io.cairn.transport;

import io.cairn.config.BrokerConfig;
import io.cairn.protocol.MqttConnection;
import io.cairn.protocol.MqttPacketDecoder;
import io.cairn.session.SessionEngine;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.mqtt.MqttEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Binds the configured listeners and builds each connection's pipeline:
 * [websocket framing] -> {@link MqttPacketDecoder} -> {@link MqttEncoder} -> {@link MqttConnection}.
 *
 * <p>Threading: {@link #bind} and {@link #close} are called once each by the broker's lifecycle;
 * pipelines run on Netty's event loops.
 */
public final class Listeners implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Listeners.class);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Class<? extends ServerChannel> channelType;
    private final List<Channel> bound = new ArrayList<>();

    public Listeners() {
        // NIO: the native epoll jars of Netty 4.2 cannot be fetched from the registry this project builds from
        IoHandlerFactory factory = NioIoHandler.newFactory();
        this.channelType = NioServerSocketChannel.class;
        this.boss = new MultiThreadIoEventLoopGroup(1, factory);
        this.workers = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), factory);
    }

    /** Binds every listener; returns the bound addresses in configuration order. */
    public List<InetSocketAddress> bind(BrokerConfig config, SessionEngine engine) throws InterruptedException {
        List<InetSocketAddress> addresses = new ArrayList<>();
        BrokerConfig.Mqtt limits = config.mqtt();
        boolean allowAnonymous = config.auth().allowAnonymous();
        for (BrokerConfig.Listener l : config.listeners()) {
            if (!l.type().equals("tcp") && !l.type().equals("ws")) {
                throw new IllegalArgumentException("listener type '" + l.type() + "' is not available yet");
            }
            ServerBootstrap b = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ChannelPipeline p = ch.pipeline();
                            if (l.type().equals("ws")) {
                                addWebSocket(p, l.path(), limits.maxPacketSize());
                            }
                            p.addLast("decoder", new MqttPacketDecoder(limits.maxPacketSize()));
                            p.addLast("encoder", MqttEncoder.INSTANCE);
                            p.addLast("mqtt", new MqttConnection(engine, limits, allowAnonymous));
                        }
                    });
            Channel ch = b.bind(l.host(), l.port()).sync().channel();
            bound.add(ch);
            InetSocketAddress address = (InetSocketAddress) ch.localAddress();
            addresses.add(address);
            log.info("listening for MQTT over {} on {}:{}{}", l.type(), address.getHostString(), address.getPort(),
                    l.type().equals("ws") ? " path " + l.path() : "");
        }
        return addresses;
    }

    private static void addWebSocket(ChannelPipeline p, String path, int maxPacketSize) {
        p.addLast(new HttpServerCodec());
        p.addLast(new HttpObjectAggregator(65536));
        // [MQTT-6.0.0-4]: the broker selects the "mqtt" subprotocol
        p.addLast(new WebSocketServerProtocolHandler(path == null ? "/mqtt" : path, "mqtt,mqttv3.1", true,
                Math.max(65536, maxPacketSize + 16)));
        p.addLast(new WebSocketFrames());
    }

    @Override
    public void close() {
        for (Channel ch : bound) {
            ch.close().syncUninterruptibly();
        }
        workers.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
