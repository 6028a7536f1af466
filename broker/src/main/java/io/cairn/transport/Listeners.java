package io.cairn.transport;

import io.cairn.config.BrokerConfig;
import io.cairn.protocol.MqttConnection;
import io.cairn.protocol.MqttPacketDecoder;
import io.cairn.security.Authenticator;
import io.cairn.stats.BrokerStats;
import io.cairn.engine.SessionEngine;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.mqtt.MqttEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Binds the configured listeners and builds each connection's pipeline:
 * [websocket framing] -> {@link MqttPacketDecoder} -> {@link MqttEncoder} -> {@link MqttConnection}.
 *
 * <p>Start-up is in two steps so that a broker that cannot bind its ports writes nothing:
 * {@link #bind} reserves every port without accepting connections, and {@link #open} starts
 * accepting once the engine that serves them runs. Stopping is in two steps too: {@link #stopAccepting}
 * first, {@link #close} (the event loops) last, after the engine and the store have released every
 * packet they hold.
 *
 * <p>One event loop serves every connection. So packets of different connections reach the engine
 * in the order the kernel reported them readable, which is the order in which they arrived as far
 * as one process can tell: a SUBSCRIBE that arrived before another client's PUBLISH is applied before
 * it (with one loop per core, the loop of the second connection could run first). Decoding and
 * encoding share that thread; the engine and the journal have their own.
 *
 * <p>Threading: {@link #bind}, {@link #open}, {@link #stopAccepting} and {@link #close} are called by
 * the broker's lifecycle on one thread; pipelines run on the event loop.
 */
public final class Listeners implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Listeners.class);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final List<Channel> bound = new ArrayList<>();
    private final List<BrokerConfig.Listener> boundConfigs = new ArrayList<>();
    private volatile SessionEngine engine;

    private final BrokerStats stats;

    public Listeners(BrokerStats stats) {
        this.stats = stats;
        // NIO: the native epoll jars of Netty 4.2 cannot be fetched from the registry this project builds from
        IoHandlerFactory factory = NioIoHandler.newFactory();
        this.boss = new MultiThreadIoEventLoopGroup(1, factory);
        this.workers = new MultiThreadIoEventLoopGroup(1, factory);
    }

    /**
     * Binds every listener without accepting yet; returns the bound addresses in configuration
     * order. Fails with an IOException naming the listener, its address and the cause.
     */
    public List<InetSocketAddress> bind(BrokerConfig config) throws IOException {
        List<InetSocketAddress> addresses = new ArrayList<>();
        BrokerConfig.Mqtt limits = config.mqtt();
        Authenticator authenticator = Authenticator.withoutCredentials(config.auth().allowAnonymous());
        for (BrokerConfig.Listener l : config.listeners()) {
            if (!l.type().equals("tcp") && !l.type().equals("ws")) {
                throw new IOException("listener type '" + l.type() + "' is not supported yet");
            }
            ServerBootstrap b = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.AUTO_READ, false) // accept nothing until open()
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
                            p.addLast("mqtt", new MqttConnection(engine, limits, authenticator));
                        }
                    });
            Channel ch = bindOne(b, l);
            bound.add(ch);
            boundConfigs.add(l);
            addresses.add((InetSocketAddress) ch.localAddress());
        }
        return addresses;
    }

    private static Channel bindOne(ServerBootstrap b, BrokerConfig.Listener l) throws IOException {
        String where = l.type() + " listener " + l.host() + ":" + l.port();
        try {
            return b.bind(l.host(), l.port()).syncUninterruptibly().channel();
        } catch (Exception e) {
            String cause = e instanceof BindException ? e.getMessage().toLowerCase() : e.toString();
            if (cause.contains("already in use")) {
                cause = "address already in use (another broker or program listens there)";
            } else if (cause.contains("permission denied")) {
                cause = "permission denied (ports below 1024 need privileges)";
            }
            throw new IOException("cannot bind the " + where + ": " + cause, e);
        }
    }

    /** Starts accepting connections, served by {@code engine}. */
    public void open(SessionEngine engine) {
        this.engine = engine;
        for (int i = 0; i < bound.size(); i++) {
            Channel ch = bound.get(i);
            BrokerConfig.Listener l = boundConfigs.get(i);
            ch.config().setAutoRead(true);
            InetSocketAddress a = (InetSocketAddress) ch.localAddress();
            log.info("listening for MQTT over {} on {}:{}{}", l.type(), a.getHostString(), a.getPort(),
                    l.type().equals("ws") ? " path " + l.path() : "");
        }
    }

    private static void addWebSocket(ChannelPipeline p, String path, int maxPacketSize) {
        p.addLast(new HttpServerCodec());
        p.addLast(new HttpObjectAggregator(65536));
        // [MQTT-6.0.0-4]: the broker selects the "mqtt" subprotocol
        p.addLast(new WebSocketServerProtocolHandler(path == null ? "/mqtt" : path, "mqtt,mqttv3.1", true,
                Math.max(65536, maxPacketSize + 16)));
        p.addLast(new WebSocketFrames());
    }

    /** Closes the listening sockets: no new connection is accepted; existing ones stay. */
    public void stopAccepting() {
        for (Channel ch : bound) {
            ch.close().syncUninterruptibly();
        }
    }

    /** Stops the event loops after they ran every task already handed to them (writes, closes). */
    @Override
    public void close() {
        stopAccepting();
        workers.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
