package io.cairn.client;

import io.cairn.tls.PemFiles;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A small MQTT 3.1.1 / 5.0 client over TCP or TLS, for {@code cairn pub} and {@code cairn sub}: CONNECT
 * (clean or persistent session), SUBSCRIBE, PUBLISH both ways with the whole QoS 1 and QoS 2 flows,
 * PINGREQ when idle, DISCONNECT. Received messages are queued in arrival order and taken with
 * {@link #receive}; with {@link ClientOptions#autoAck} off, the caller decides when each is acknowledged
 * ({@link #acknowledge}: PUBACK, or PUBREC for QoS 2), which is what a reliable consumer needs. The
 * broker's re-sent PUBLISH (DUP) after a reconnect is delivered again; a PUBREL is answered with PUBCOMP
 * whenever it comes (also one re-sent for an earlier connection), after {@link ClientOptions#onRelease} ran.
 *
 * <p>Threading: every public method may be called from any thread (the commands use one); Netty's
 * event loop (one thread per client) reads the packets, completes the futures of {@link #publish} and
 * {@link #subscribe}, queues the received messages and runs {@link ClientOptions#onRelease}. A failed or lost
 * connection fails every pending future and makes {@link #receive} throw.
 */
public final class MqttClient implements AutoCloseable {

    /** A marker in the queue of received messages: the connection is gone. */
    private static final Object CLOSED = new Object();

    private final ClientOptions options;
    private final EventLoopGroup group;
    private final Channel channel;
    private final CompletableFuture<MqttConnAckMessage> connack = new CompletableFuture<>();
    private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    /** Our QoS 1 / 2 messages waiting for PUBACK / PUBCOMP, and SUBSCRIBEs waiting for SUBACK. */
    private final Map<Integer, CompletableFuture<?>> pending = new ConcurrentHashMap<>();
    /** QoS 2 messages received and PUBREC'd, waiting for the broker's PUBREL. */
    private final Set<Integer> awaitingRelease = ConcurrentHashMap.newKeySet();
    private final Object idLock = new Object();
    private int lastId;
    private volatile Semaphore sendWindow = new Semaphore(65535);
    private volatile String closeReason;
    private volatile boolean sessionPresent;

    private MqttClient(ClientOptions options, EventLoopGroup group, Channel channel) {
        this.options = options;
        this.group = group;
        this.channel = channel;
    }

    /**
     * Connects and waits (up to 30 s) for the CONNACK.
     *
     * @throws MqttClientException unreachable, TLS refused, or the broker refused the connection
     */
    public static MqttClient connect(ClientOptions o) throws IOException, InterruptedException {
        SSLContext tls = o.caFile == null ? null : sslContext(o);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        CompletableFuture<MqttClient> ready = new CompletableFuture<>();
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) throws Exception {
                        if (tls != null) {
                            SSLEngine engine = tls.createSSLEngine(o.host, o.port);
                            engine.setUseClientMode(true);
                            if (!o.insecure) {
                                SSLParameters p = engine.getSSLParameters();
                                p.setEndpointIdentificationAlgorithm("HTTPS");
                                engine.setSSLParameters(p);
                            }
                            ch.pipeline().addLast(new SslHandler(engine));
                        }
                        ch.pipeline().addLast(new MqttDecoder(268_435_455), MqttEncoder.INSTANCE);
                        if (o.keepAliveSeconds > 0) {
                            ch.pipeline().addLast(new IdleStateHandler(0, o.keepAliveSeconds, 0));
                        }
                        ch.pipeline().addLast(new Inbound(ready));
                    }
                });
        ChannelFuture cf = b.connect(o.host, o.port).awaitUninterruptibly();
        if (!cf.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            Throwable c = cf.cause();
            throw new MqttClientException("cannot connect to " + o.host + ":" + o.port + ": "
                    + (c.getMessage() != null ? c.getMessage() : c.toString()), c);
        }
        MqttClient client = new MqttClient(o, group, cf.channel());
        ready.complete(client);
        client.sendConnect();
        return client.awaitConnack();
    }

    private static SSLContext sslContext(ClientOptions o) throws IOException {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (X509Certificate c : PemFiles.certificates(o.caFile)) {
                trust.setCertificateEntry("ca" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new MqttClientException(o.caFile + ": " + e.getMessage(), e);
        }
    }

    private void sendConnect() {
        MqttProperties props = new MqttProperties();
        if (options.v5) {
            if (!options.cleanStart) {
                props.add(new MqttProperties.IntegerProperty(
                        MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), 0xFFFFFFFF));
            }
            if (options.receiveMaximum > 0) {
                props.add(new MqttProperties.IntegerProperty(
                        MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value(), options.receiveMaximum));
            }
        }
        MqttMessageBuilders.ConnectBuilder c = MqttMessageBuilders.connect()
                .protocolVersion(options.v5 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1)
                .clientId(options.clientId).cleanSession(options.cleanStart).keepAlive(options.keepAliveSeconds)
                .properties(props);
        if (options.username != null) {
            c.hasUser(true).username(options.username);
        }
        if (options.password != null) {
            c.hasPassword(true).password(options.password);
        }
        channel.writeAndFlush(c.build());
    }

    private MqttClient awaitConnack() throws IOException, InterruptedException {
        MqttConnAckMessage ack;
        try {
            ack = connack.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            close();
            throw failure("connection failed", e.getCause());
        } catch (TimeoutException e) {
            close();
            throw new MqttClientException("no CONNACK from " + options.host + ":" + options.port + " within 30 s");
        }
        MqttConnectReturnCode code = ack.variableHeader().connectReturnCode();
        if (code != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
            close();
            throw new MqttClientException(String.format("the broker refused the connection: %s (0x%02x)",
                    code, code.byteValue() & 0xff));
        }
        sessionPresent = ack.variableHeader().isSessionPresent();
        if (options.v5) {
            MqttProperties.MqttProperty<?> max = ack.variableHeader().properties()
                    .getProperty(MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value());
            if (max != null) {
                sendWindow = new Semaphore((Integer) max.value());
            }
        } else {
            sendWindow = new Semaphore(64);
        }
        return this;
    }

    /** Whether the broker had a session for this client id (CONNACK Session Present). */
    public boolean sessionPresent() {
        return sessionPresent;
    }

    /**
     * Subscribes to every filter at {@code qos} and waits for the SUBACK.
     *
     * @return the granted QoS (or 3.1.1 / 5.0 failure code) per filter
     * @throws MqttClientException the connection was lost or no SUBACK came within 30 s
     */
    public List<Integer> subscribe(List<String> filters, int qos) throws IOException, InterruptedException {
        MqttMessageBuilders.SubscribeBuilder s = MqttMessageBuilders.subscribe();
        for (String f : filters) {
            s.addSubscription(MqttQoS.valueOf(qos), f);
        }
        CompletableFuture<List<Integer>> done = new CompletableFuture<>();
        int id = register(done);
        write(s.messageId(id).build());
        return await(done, "SUBSCRIBE");
    }

    /**
     * Publishes and returns a future completed when the message is acknowledged: at once for QoS 0 (once
     * written), at PUBACK for QoS 1, at PUBCOMP for QoS 2; completed exceptionally with a
     * {@link MqttClientException} for a 5.0 negative reason code or a lost connection. Blocks while the
     * broker's Receive Maximum of unacknowledged messages are outstanding.
     */
    public CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retain)
            throws InterruptedException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        MqttMessageBuilders.PublishBuilder p = MqttMessageBuilders.publish().topicName(topic)
                .qos(MqttQoS.valueOf(qos)).retained(retain).payload(Unpooled.wrappedBuffer(payload));
        if (qos == 0) {
            channel.writeAndFlush(p.build()).addListener(f -> {
                if (f.isSuccess()) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(failure("publish failed", f.cause()));
                }
            });
            return done;
        }
        Semaphore window = sendWindow;
        window.acquire();
        done.whenComplete((v, e) -> window.release());
        int id = register(done);
        if (!channel.isActive()) {
            fail(id, lostMessage());
        }
        channel.writeAndFlush(p.messageId(id).build());
        return done;
    }

    /**
     * The next received message in arrival order, or null after {@code timeoutMillis}.
     *
     * @throws MqttClientException the connection is gone (every message before that was returned)
     */
    public Message receive(long timeoutMillis) throws IOException, InterruptedException {
        Object next = received.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        if (next == CLOSED) {
            received.add(CLOSED);
            throw new MqttClientException(lostMessage());
        }
        return (Message) next;
    }

    /**
     * Acknowledges a received message (PUBACK for QoS 1, PUBREC for QoS 2; nothing for QoS 0) and waits
     * until it is written to the socket.
     *
     * @throws MqttClientException the connection is gone: the broker will send the message again
     */
    public void acknowledge(Message m) throws IOException, InterruptedException {
        if (m.qos() == 0) {
            return;
        }
        if (m.qos() == 2) {
            awaitingRelease.add(m.packetId());
        }
        ChannelFuture f = channel.writeAndFlush(reply(m.qos() == 1 ? MqttMessageType.PUBACK : MqttMessageType.PUBREC,
                m.packetId())).await();
        if (!f.isSuccess()) {
            throw new MqttClientException(lostMessage());
        }
    }

    /** Whether the connection is open. */
    public boolean isConnected() {
        return channel.isActive();
    }

    /** Sends DISCONNECT (normal disconnection), closes the connection and stops the event loop. */
    public void disconnect() {
        if (channel.isActive()) {
            MqttMessage d = options.v5
                    ? new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0),
                            new MqttReasonCodeAndPropertiesVariableHeader((byte) 0, MqttProperties.NO_PROPERTIES))
                    : MqttMessage.DISCONNECT;
            channel.writeAndFlush(d).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        close();
    }

    /** Closes the connection without DISCONNECT (a 5.0 broker then publishes the will, if any). */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    // ---- internals

    private int register(CompletableFuture<?> future) {
        synchronized (idLock) {
            for (int tries = 0; tries < 65535; tries++) {
                lastId = lastId % 65535 + 1;
                if (pending.putIfAbsent(lastId, future) == null) {
                    return lastId;
                }
            }
        }
        throw new IllegalStateException("65535 packet identifiers in use");
    }

    private void fail(int id, String why) {
        CompletableFuture<?> f = pending.remove(id);
        if (f != null) {
            f.completeExceptionally(new MqttClientException(why));
        }
    }

    private <T> T await(CompletableFuture<T> f, String what) throws IOException, InterruptedException {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw failure(what + " failed", e.getCause());
        } catch (TimeoutException e) {
            throw new MqttClientException("no answer to " + what + " within 30 s");
        }
    }

    private void write(MqttMessage m) throws MqttClientException {
        if (!channel.isActive()) {
            throw new MqttClientException(lostMessage());
        }
        channel.writeAndFlush(m);
    }

    private String lostMessage() {
        return "connection to " + options.host + ":" + options.port + " lost"
                + (closeReason != null ? " (" + closeReason + ")" : "");
    }

    private static MqttClientException failure(String what, Throwable cause) {
        if (cause instanceof MqttClientException m) {
            return m;
        }
        return new MqttClientException(what + ": " + (cause.getMessage() != null ? cause.getMessage() : cause), cause);
    }

    private static MqttMessage reply(MqttMessageType type, int id) {
        // PUBREL's fixed header flags are 0010 (QoS 1 bits); the others' are 0000
        MqttQoS flags = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        return new MqttMessage(new MqttFixedHeader(type, false, flags, false, 0), MqttMessageIdVariableHeader.from(id));
    }

    /** A 5.0 reason code of a PUBACK / PUBREC / PUBCOMP; 0 for 3.1.1 (which has none). */
    private static int reasonCode(MqttMessage m) {
        return m.variableHeader() instanceof MqttPubReplyMessageVariableHeader h ? h.reasonCode() & 0xff : 0;
    }

    /** The reason codes a PUBACK / PUBREC may refuse a message with (MQTT 5.0 §3.4.2.1). */
    static String reasonName(int code) {
        String name = switch (code) {
            case 0x80 -> "Unspecified error";
            case 0x83 -> "Implementation specific error";
            case 0x87 -> "Not authorized";
            case 0x90 -> "Topic Name invalid";
            case 0x91 -> "Packet Identifier in use";
            case 0x92 -> "Packet Identifier not found";
            case 0x97 -> "Quota exceeded";
            case 0x99 -> "Payload format invalid";
            default -> "reason code";
        };
        return String.format("0x%02x %s", code, name);
    }

    /** The pipeline's last handler; everything in it runs on the event loop. */
    private static final class Inbound extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<MqttClient> ready;

        Inbound(CompletableFuture<MqttClient> ready) {
            this.ready = ready;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                MqttClient client = ready.getNow(null);
                if (client != null && msg instanceof MqttMessage m) {
                    client.handle(m);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                ctx.writeAndFlush(MqttMessage.PINGREQ);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            MqttClient client = ready.getNow(null);
            if (client != null && client.closeReason == null) {
                Throwable root = cause;
                while (root.getCause() != null && !(root instanceof javax.net.ssl.SSLException)) {
                    root = root.getCause();
                }
                String text = root.getMessage() != null ? root.getMessage() : root.toString();
                client.closeReason = root instanceof javax.net.ssl.SSLException ? "TLS: " + text : text;
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ready.thenAccept(MqttClient::closed);
        }
    }

    private void closed() {
        String why = lostMessage();
        connack.completeExceptionally(new MqttClientException(why));
        for (Integer id : pending.keySet()) {
            fail(id, why);
        }
        received.add(CLOSED);
    }

    private void handle(MqttMessage m) {
        if (m.decoderResult().isFailure()) {
            closeReason = "malformed packet from the broker: " + m.decoderResult().cause().getMessage();
            channel.close();
            return;
        }
        switch (m.fixedHeader().messageType()) {
            case CONNACK -> connack.complete((MqttConnAckMessage) m);
            case PUBLISH -> received((MqttPublishMessage) m);
            case PUBACK, PUBCOMP -> acknowledged(m);
            case PUBREC -> {
                int id = ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
                if (reasonCode(m) >= 0x80) {
                    acknowledged(m);
                } else {
                    channel.writeAndFlush(reply(MqttMessageType.PUBREL, id));
                }
            }
            case PUBREL -> {
                int id = ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
                try {
                    options.onRelease.accept(id);
                } catch (RuntimeException e) {
                    // no PUBCOMP: the broker sends the PUBREL again on the next connection
                    closeReason = "PUBREL " + id + " not completed: " + e.getMessage();
                    channel.close();
                    return;
                }
                awaitingRelease.remove(id);
                channel.writeAndFlush(reply(MqttMessageType.PUBCOMP, id));
            }
            case SUBACK -> {
                MqttSubAckMessage s = (MqttSubAckMessage) m;
                @SuppressWarnings("unchecked")
                CompletableFuture<List<Integer>> f =
                        (CompletableFuture<List<Integer>>) pending.remove(s.variableHeader().messageId());
                if (f != null) {
                    f.complete(List.copyOf(s.payload().reasonCodes()));
                }
            }
            case DISCONNECT -> {
                if (m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h) {
                    closeReason = String.format("the broker disconnected with reason 0x%02x", h.reasonCode() & 0xff);
                } else {
                    closeReason = "the broker disconnected";
                }
                channel.close();
            }
            default -> { } // PINGRESP, UNSUBACK, AUTH: nothing to do
        }
    }

    private void received(MqttPublishMessage p) {
        int qos = p.fixedHeader().qosLevel().value();
        int id = p.variableHeader().packetId();
        byte[] payload = new byte[p.payload().readableBytes()];
        p.payload().getBytes(p.payload().readerIndex(), payload);
        Message msg = new Message(p.variableHeader().topicName(), payload, qos, p.fixedHeader().isRetain(),
                p.fixedHeader().isDup(), qos == 0 ? 0 : id);
        if (qos == 2 && awaitingRelease.contains(id)) {
            // received and PUBREC'd on this connection already: the PUBREC was lost; send it again, deliver once
            channel.writeAndFlush(reply(MqttMessageType.PUBREC, id));
            return;
        }
        if (options.autoAck && qos > 0) {
            if (qos == 2) {
                awaitingRelease.add(id);
            }
            channel.writeAndFlush(reply(qos == 1 ? MqttMessageType.PUBACK : MqttMessageType.PUBREC, id));
        }
        received.add(msg);
    }

    private void acknowledged(MqttMessage m) {
        int id = ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
        int code = reasonCode(m);
        CompletableFuture<?> f = pending.remove(id);
        if (f == null) {
            return;
        }
        if (code >= 0x80) {
            f.completeExceptionally(new MqttClientException("the broker refused the message: " + reasonName(code)));
        } else {
            f.complete(null);
        }
    }
}
