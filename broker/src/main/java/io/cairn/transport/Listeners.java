package io.cairn.transport;

import io.cairn.config.BrokerConfig;
import io.cairn.fault.RepeatedWarning;
import io.cairn.protocol.IncompletePackets;
import io.cairn.protocol.MqttConnection;
import io.cairn.protocol.MqttPacketDecoder;
import io.cairn.security.AuthMethods;
import io.cairn.security.Authenticator;
import io.cairn.security.LoginThrottle;
import io.cairn.stats.BrokerStats;
import io.cairn.engine.SessionEngine;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Binds the configured listeners and builds each connection's pipeline:
 * [TLS: SslHandler -> {@link TlsHandshake}] -> [WebSocket: HTTP codec -> {@link WebSocketGate} ->
 * handshake and framing -> {@link WebSocketFrames}] -> {@link MqttPacketDecoder} -> {@link MqttEncoder}
 * -> {@link MqttConnection}. tls and wss listeners read their certificates and keys in {@link #bind}
 * (a file that cannot be used stops start-up, naming it) and again in {@link #reloadTls}
 * ({@link ServerTls}).
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
 * <p>Limits on what connections hold: {@code [mqtt] max_connections} (a connection above it is
 * accepted only to answer its CONNECT with a refusal), the broker-wide ceiling and timeout of
 * half-received packets ({@link IncompletePackets}, shared by every decoder), write-buffer watermarks,
 * and {@link ResourceExhaustion} reporting when descriptors or direct memory run out.
 *
 * <p>Threading: {@link #bind}, {@link #open}, {@link #stopAccepting} and {@link #close} are called by
 * the broker's lifecycle on one thread; pipelines run on the event loop; the connection count and the
 * shared limits are thread-safe, so nothing here relies on there being one event loop.
 */
public final class Listeners implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Listeners.class);

    /**
     * A connection's channel turns not writable when more than HIGH bytes wait for its socket, and
     * writable again below LOW; a slow consumer then stops its own pump instead of growing the heap
     * (the engine reacts to writability). LOW is what keeps a fast consumer's socket busy while the
     * engine refills the buffer after writability returns: at 512 KiB that is a few hundred
     * microseconds of loopback, longer than the engine's round trip (with LOW = 64 KiB a QoS 0 fan-in
     * lost about 12% of its throughput to a socket waiting for the engine). The gap between the two
     * keeps the state from flapping on every packet. A single packet above HIGH is still written whole.
     */
    static final int WRITE_BUFFER_LOW = 512 * 1024;
    static final int WRITE_BUFFER_HIGH = 1024 * 1024;

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final List<Channel> bound = new ArrayList<>();
    private final List<BrokerConfig.Listener> boundConfigs = new ArrayList<>();
    /** The TLS contexts of tls and wss listeners, in configuration order. */
    private final List<ServerTls> tlsListeners = new ArrayList<>();
    private volatile SessionEngine engine;

    private final BrokerStats stats;
    private final IoTransport transport;
    private final Authenticator authenticator;
    private final AuthMethods authMethods;
    private final LoginThrottle throttle;
    private final ResourceExhaustion exhaustion = new ResourceExhaustion();
    private final RepeatedWarning overConnectionLimit = new RepeatedWarning(log, 10, TimeUnit.SECONDS);
    private IncompletePackets incompletePackets;

    public Listeners(BrokerStats stats) {
        this(stats, null, AuthMethods.NONE);
    }

    /**
     * {@code authenticator} decides every CONNECT without an Authentication Method (null: anonymous
     * access as the configuration says); {@code authMethods}, the ones with (5.0 enhanced authentication).
     */
    public Listeners(BrokerStats stats, Authenticator authenticator, AuthMethods authMethods) {
        this.stats = stats;
        this.authenticator = authenticator;
        this.authMethods = authMethods;
        this.throttle = new LoginThrottle(stats.authFailures);
        this.transport = IoTransport.choose();
        this.boss = new MultiThreadIoEventLoopGroup(1, named("cairn-accept"), transport.factory());
        this.workers = new MultiThreadIoEventLoopGroup(1, named("cairn-io"), transport.factory());
    }

    /** Each group has one thread: it bears the name as it is (the log shows it), not Netty's numbered one. */
    private static ThreadFactory named(String name) {
        return new DefaultThreadFactory(name) {
            @Override
            protected Thread newThread(Runnable r, String numbered) {
                return super.newThread(r, name);
            }
        };
    }

    /**
     * The event loop that serves every connection, for the session engine to run its turns on: a
     * PUBLISH read there reaches the engine without a hand-off between threads.
     */
    public Executor connectionsLoop() {
        return workers.next();
    }

    /**
     * Binds every listener without accepting yet; returns the bound addresses in configuration
     * order. Fails with an IOException naming the listener, its address and the cause.
     */
    public List<InetSocketAddress> bind(BrokerConfig config) throws IOException {
        List<InetSocketAddress> addresses = new ArrayList<>();
        BrokerConfig.Mqtt limits = config.mqtt();
        Authenticator authenticator = this.authenticator != null ? this.authenticator
                : Authenticator.withoutCredentials(config.auth().allowAnonymous());
        incompletePackets = new IncompletePackets(limits.maxIncompletePacketBytes(), limits.incompletePacketTimeoutS(), stats);
        IncompletePackets incomplete = incompletePackets;
        for (BrokerConfig.Listener l : config.listeners()) {
            ServerTls tls = l.isTls() ? loadTls(l) : null;
            ServerBootstrap b = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.AUTO_READ, false) // accept nothing until open()
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(WRITE_BUFFER_LOW, WRITE_BUFFER_HIGH))
                    .handler(exhaustion.acceptErrors())
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            admit(ch, limits.maxConnections());
                            ch.attr(MqttConnection.LISTENER_TYPE).set(l.type());
                            ChannelPipeline p = ch.pipeline();
                            if (tls != null) {
                                p.addLast("tls", tls.newHandler(ch));
                                p.addLast("tlsHandshake", new TlsHandshake(l.useIdentityAsUsername()));
                            }
                            if (l.isWebSocket()) {
                                addWebSocket(p, l, limits.maxPacketSize());
                            }
                            p.addLast("decoder", new MqttPacketDecoder(limits.maxPacketSize(), incomplete));
                            p.addLast("encoder", MqttEncoder.INSTANCE);
                            p.addLast("exhaustion", exhaustion.connectionErrors());
                            p.addLast("mqtt", new MqttConnection(engine, limits, authenticator, throttle, authMethods));
                        }
                    });
            Channel ch = bindOne(b, l);
            if (tls != null) {
                tls.boundAt((InetSocketAddress) ch.localAddress());
            }
            bound.add(ch);
            boundConfigs.add(l);
            addresses.add((InetSocketAddress) ch.localAddress());
        }
        return addresses;
    }

    /** Reads a TLS listener's files; the first one also logs which TLS implementation serves. */
    private ServerTls loadTls(BrokerConfig.Listener l) throws IOException {
        if (tlsListeners.isEmpty()) {
            log.info("TLS by {}", ServerTls.providerDescription());
        }
        ServerTls tls;
        try {
            tls = ServerTls.load(l);
        } catch (IOException e) {
            throw new IOException("cannot start the " + l.type() + " listener " + l.host() + ":" + l.port() + ": "
                    + e.getMessage(), e);
        }
        tlsListeners.add(tls);
        return tls;
    }

    /**
     * Re-reads the certificate and key files of every tls and wss listener. Connections accepted
     * afterwards use the new files; open ones are untouched. A listener whose files fail keeps its
     * previous certificate. Returns, per listener ("tls 0.0.0.0:8883"), null when reloaded or why not.
     */
    public Map<String, String> reloadTls() {
        Map<String, String> outcome = new LinkedHashMap<>();
        for (ServerTls tls : tlsListeners) {
            String name = tls.name();
            try {
                tls.reload();
                outcome.put(name, null);
            } catch (IOException e) {
                outcome.put(name, e.getMessage());
            }
        }
        return outcome;
    }

    /**
     * Counts a new connection in {@code stats.connections} until it closes; above {@code max} (0: no
     * limit) it is not counted but marked, so that its CONNECT is refused (the client learns why,
     * which a bare close would not tell it), and the refusal is counted and logged (rate-limited).
     */
    private void admit(Channel ch, int max) {
        long open = stats.connections.incrementAndGet();
        if (max > 0 && open > max) {
            stats.connections.decrementAndGet();
            stats.connectionsRefused.increment();
            ch.attr(MqttConnection.OVER_CONNECTION_LIMIT).set(Boolean.TRUE);
            synchronized (overConnectionLimit) {
                overConnectionLimit.warn("refusing the connection from {}: [mqtt] max_connections = {} are open",
                        ch.remoteAddress(), max);
            }
            return;
        }
        stats.connectionsAccepted.increment();
        ch.closeFuture().addListener(f -> stats.connections.decrementAndGet());
    }

    /** The broker-wide account of half-received packets (null before {@link #bind}). */
    public IncompletePackets incompletePackets() {
        return incompletePackets;
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
        String whyNot = transport.whyNotEpoll();
        log.info("sockets by {}{}", transport.name(), whyNot == null ? "" : " (epoll: " + whyNot + ")");
        for (int i = 0; i < bound.size(); i++) {
            Channel ch = bound.get(i);
            BrokerConfig.Listener l = boundConfigs.get(i);
            ch.config().setAutoRead(true);
            InetSocketAddress a = (InetSocketAddress) ch.localAddress();
            log.info("listening for MQTT over {} on {}:{}{}{}", l.type(), a.getHostString(), a.getPort(),
                    l.isWebSocket() ? " path " + l.path() : "",
                    l.clientCa() == null ? "" : ", client certificates required (CA " + l.clientCa() + ")"
                            + (l.useIdentityAsUsername() ? ", CN as user name" : ""));
        }
    }

    private static void addWebSocket(ChannelPipeline p, BrokerConfig.Listener l, int maxPacketSize) {
        String path = l.path() == null ? "/mqtt" : l.path();
        p.addLast(new HttpServerCodec());
        p.addLast(new HttpObjectAggregator(65536));
        p.addLast(new WebSocketGate(l.type(), path, l.allowedOrigins()));
        // [MQTT-6.0.0-4]: the broker selects the "mqtt" subprotocol. The gate has checked the path
        // exactly (query aside), so the handshake accepts a query string after it.
        p.addLast(new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(path)
                .subprotocols(String.join(",", WebSocketGate.SUBPROTOCOLS))
                .checkStartsWith(true)
                .allowExtensions(true)
                .maxFramePayloadLength(Math.max(65536, maxPacketSize + 16))
                .build()));
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
