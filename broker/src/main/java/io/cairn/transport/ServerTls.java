package io.cairn.transport;

import io.cairn.config.BrokerConfig;
import io.cairn.tls.PemFiles;
import io.netty.channel.Channel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The TLS side of one tls or wss listener: the {@link SslContext} built from its PEM files (TLS 1.3
 * and 1.2 only; client certificates required and verified against {@code client_ca} when set) and a
 * fresh {@link SslHandler} for each connection.
 *
 * <p>{@link #reload} builds a new context from the files and swaps it in: connections accepted
 * afterwards use it, open connections keep the session they negotiated. A reload that fails leaves
 * the old context in place.
 *
 * <p>Threading: {@link #newHandler} runs on event loops, {@link #reload} on whatever thread reloads;
 * the context is an {@link AtomicReference}, and an {@link SslContext} is safe to share.
 */
final class ServerTls {

    /** TLS 1.0 and 1.1 are deprecated (RFC 8996). */
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    /** The default handshake timeout; the tests shorten it with this system property. */
    static final String HANDSHAKE_TIMEOUT_PROPERTY = "cairn.tls.handshakeTimeoutMillis";
    static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    private final BrokerConfig.Listener listener;
    private final AtomicReference<SslContext> context;
    private final long handshakeTimeoutMillis;
    /** "tls 127.0.0.1:8883" with the bound port (the configured one may be 0), for the log. */
    private volatile String name;

    private ServerTls(BrokerConfig.Listener listener, SslContext context) {
        this.listener = listener;
        this.context = new AtomicReference<>(context);
        this.handshakeTimeoutMillis = Long.getLong(HANDSHAKE_TIMEOUT_PROPERTY, HANDSHAKE_TIMEOUT_MILLIS);
        this.name = listener.type() + " " + listener.host() + ":" + listener.port();
    }

    /** Reads the listener's files; fails with a message naming the file at fault. */
    static ServerTls load(BrokerConfig.Listener listener) throws IOException {
        return new ServerTls(listener, build(listener));
    }

    /** {@code jdk} forces the JDK's provider (the tests run both); not a configuration key. */
    static final String PROVIDER_PROPERTY = "cairn.tls.provider";

    /** OpenSSL (BoringSSL from netty-tcnative) where its native library loads, the JDK's provider otherwise. */
    static SslProvider provider() {
        return useOpenSsl() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    private static boolean useOpenSsl() {
        return !"jdk".equals(System.getProperty(PROVIDER_PROPERTY)) && OpenSsl.isAvailable();
    }

    /** One line for the start-up log: which TLS implementation serves. */
    static String providerDescription() {
        if (useOpenSsl()) {
            return "OpenSSL (" + OpenSsl.versionString() + ", netty-tcnative)";
        }
        return OpenSsl.isAvailable() ? "the JDK (" + PROVIDER_PROPERTY + "=jdk)"
                : "the JDK (netty-tcnative unavailable: " + OpenSsl.unavailabilityCause() + ")";
    }

    /** A handler for a new connection, with the current context and the handshake timeout. */
    SslHandler newHandler(Channel ch) {
        SslHandler handler = context.get().newHandler(ch.alloc());
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return handler;
    }

    /** Rebuilds the context from the files; on failure the old one stays and the exception says why. */
    void reload() throws IOException {
        context.set(build(listener));
    }

    /** Names the listener by the address it bound. */
    void boundAt(java.net.InetSocketAddress address) {
        name = listener.type() + " " + address.getHostString() + ":" + address.getPort();
    }

    /** "tls 127.0.0.1:8883". */
    String name() {
        return name;
    }

    private static SslContext build(BrokerConfig.Listener l) throws IOException {
        X509Certificate[] chain = PemFiles.certificates(l.cert());
        PrivateKey key = PemFiles.privateKey(l.key());
        PemFiles.checkPair(l.cert(), chain[0], l.key(), key);
        SslContextBuilder b = SslContextBuilder.forServer(key, chain).sslProvider(provider()).protocols(PROTOCOLS);
        if (l.clientCa() != null) {
            b.trustManager(PemFiles.certificates(l.clientCa())).clientAuth(ClientAuth.REQUIRE);
        }
        try {
            return b.build();
        } catch (SSLException | RuntimeException e) {
            throw new IOException("cannot use " + l.cert() + " with " + l.key() + ": " + e.getMessage(), e);
        }
    }
}
