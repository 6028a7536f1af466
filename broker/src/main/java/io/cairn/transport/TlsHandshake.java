package io.cairn.transport;

import io.cairn.protocol.MqttConnection;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/**
 * Follows the {@link SslHandler} of one connection until its handshake ends. A failed or timed-out
 * handshake is one log line (remote address and reason) and a closed connection; the exception the
 * SslHandler raises after that is not reported again. On success, with {@code use_identity_as_username},
 * the client certificate's subject CN is handed to the protocol layer as the user name
 * ({@link MqttConnection#CERTIFICATE_USERNAME}); then this handler leaves the pipeline.
 *
 * <p>Threading: one instance per channel, on its event loop.
 */
final class TlsHandshake extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(TlsHandshake.class);

    private final boolean identityAsUsername;
    private boolean failed;

    TlsHandshake(boolean identityAsUsername) {
        this.identityAsUsername = identityAsUsername;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!(evt instanceof SslHandshakeCompletionEvent done)) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        if (!done.isSuccess()) {
            failed = true;
            log.info("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), reason(done.cause()));
            ctx.close();
            return;
        }
        if (identityAsUsername && !takeIdentity(ctx)) {
            failed = true;
            ctx.close();
            return;
        }
        ctx.pipeline().remove(this);
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (failed) {
            return; // the handshake's failure was logged once already
        }
        ctx.fireExceptionCaught(cause);
    }

    /** Sets the certificate's CN as the user name; false (and logged) when there is none. */
    private static boolean takeIdentity(ChannelHandlerContext ctx) {
        String cn = null;
        try {
            Certificate[] peer = ctx.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
            if (peer.length > 0 && peer[0] instanceof X509Certificate x) {
                cn = commonName(x);
            }
        } catch (SSLPeerUnverifiedException e) {
            // no certificate: refused below like a certificate without a CN
        }
        if (cn == null) {
            log.info("closing the connection from {}: use_identity_as_username is set and its client certificate "
                    + "has no subject CN", ctx.channel().remoteAddress());
            return false;
        }
        ctx.channel().attr(MqttConnection.CERTIFICATE_USERNAME).set(cn);
        return true;
    }

    /** The subject's most specific CN (the first one in the RFC 2253 string), or null. */
    static String commonName(X509Certificate cert) {
        try {
            java.util.List<Rdn> rdns = new LdapName(cert.getSubjectX500Principal().getName()).getRdns();
            for (int i = rdns.size() - 1; i >= 0; i--) { // getRdns lists the most specific last
                Rdn rdn = rdns.get(i);
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            // an unparseable subject names nobody
        }
        return null;
    }

    /** The exception's message, and its root cause's when that says more ("General OpenSslEngine problem"). */
    private static String reason(Throwable cause) {
        Throwable t = cause;
        while ((t instanceof DecoderException) && t.getCause() != null) {
            t = t.getCause();
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = message(t);
        if (root != t && !message(root).equals(message)) {
            message += " (" + message(root) + ")";
        }
        return message.length() > 300 ? message.substring(0, 300) + "..." : message;
    }

    private static String message(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
