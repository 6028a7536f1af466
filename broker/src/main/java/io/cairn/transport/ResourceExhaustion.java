package io.cairn.transport;

import io.cairn.fault.RepeatedWarning;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.internal.OutOfDirectMemoryError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Recognises the two ways the process runs out of a resource that the operator, not the client, must
 * fix (file descriptors: accept fails with EMFILE "Too many open files"; direct memory: Netty's
 * {@link OutOfDirectMemoryError}) and says so in one WARN line naming the cause and the remedy, at most
 * once per 10 s per cause with a count of the events in between, instead of one line (or none) per
 * failed accept or read.
 *
 * <p>Netty surfaces both as {@code exceptionCaught}: a failed accept on the listening channel's
 * pipeline ({@link #acceptErrors}, which also pauses accepting for a second, as Netty's own acceptor
 * would, so that a connection waiting in the backlog does not turn the accept loop into a busy loop),
 * a failed allocation for a read on the connection's pipeline ({@link #connectionErrors}, which only
 * looks and passes the event on).
 *
 * <p>Threading: one instance per broker, used from the event loops; each warning is guarded by its
 * own lock.
 */
public final class ResourceExhaustion {

    private static final Logger log = LoggerFactory.getLogger(ResourceExhaustion.class);
    /** How long accepting pauses after a failed accept; Netty's ServerBootstrapAcceptor uses 1 s too. */
    private static final long ACCEPT_PAUSE_MILLIS = 1000;
    private static final int MAX_CAUSE_DEPTH = 16;

    /** A resource that can run out. */
    enum Kind { FILE_DESCRIPTORS, DIRECT_MEMORY }

    private final RepeatedWarning fileDescriptors = new RepeatedWarning(log, 10, TimeUnit.SECONDS);
    private final RepeatedWarning directMemory = new RepeatedWarning(log, 10, TimeUnit.SECONDS);
    private final RepeatedWarning otherAcceptFailures = new RepeatedWarning(log, 10, TimeUnit.SECONDS);

    /**
     * Loads now every class that reporting needs: without descriptors no class file can be opened
     * (FileDescriptorExhaustionTest saw NoClassDefFoundError from a lazily loaded one), and the
     * JDK's management library would have to be opened too.
     */
    public ResourceExhaustion() {
        kindOf(new IOException("Too many open files"));
        kindOf(new OutOfMemoryError("direct buffer memory"));
        descriptorUse();
        resume(null); // creates the lambda's class
    }

    /** The resource {@code t} (or one of its causes) says ran out, or null. */
    static Kind kindOf(Throwable t) {
        Throwable c = t;
        for (int i = 0; c != null && i < MAX_CAUSE_DEPTH; i++, c = c.getCause()) {
            if (c instanceof OutOfDirectMemoryError
                    || (c instanceof OutOfMemoryError // the JDK's own: "Cannot reserve ... direct buffer memory"
                        && String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT).contains("direct buffer memory"))) {
                return Kind.DIRECT_MEMORY;
            }
            if (c instanceof IOException && String.valueOf(c.getMessage()).contains("Too many open files")) {
                return Kind.FILE_DESCRIPTORS;
            }
        }
        return null;
    }

    /** Reports {@code t} if it is an exhaustion; returns whether it was one. */
    boolean report(Throwable t) {
        Kind kind = kindOf(t);
        if (kind == Kind.FILE_DESCRIPTORS) {
            synchronized (fileDescriptors) {
                fileDescriptors.warn("out of file descriptors ({}; {}): new connections wait in the backlog "
                        + "and are not served. Raise the limit (systemd LimitNOFILE=, or ulimit -n before "
                        + "starting) or set [mqtt] max_connections below it", t.getMessage(), descriptorUse());
            }
        } else if (kind == Kind.DIRECT_MEMORY) {
            synchronized (directMemory) {
                directMemory.warn("out of direct memory for network buffers ({}): connections that need a "
                        + "buffer are closed. Raise -XX:MaxDirectMemorySize (or io.netty.maxDirectMemory), or "
                        + "lower [mqtt] max_connections or max_incomplete_packet_bytes", t.getMessage());
            }
        }
        return kind != null;
    }

    /** The descriptor limit; counting the open ones needs a descriptor itself, which there may be none of. */
    private static String descriptorUse() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
                String limit = "limit " + os.getMaxFileDescriptorCount();
                try {
                    return os.getOpenFileDescriptorCount() + " open, " + limit;
                } catch (Throwable cannotCount) { // InternalError when /proc/self/fd cannot be opened
                    return limit;
                }
            }
        } catch (Throwable unavailable) {
            // the report matters more than the figure
        }
        return "limit unknown";
    }

    /** The handler of one listening channel (not shared: it pauses that channel). */
    ChannelHandler acceptErrors() {
        return new AcceptErrors();
    }

    /** The handler of every connection's pipeline (shared). */
    ChannelHandler connectionErrors() {
        return connectionErrors;
    }

    private final ChannelHandler connectionErrors = new ConnectionErrors();

    /**
     * On the listening channel, ahead of Netty's acceptor: a failed accept is reported here and
     * ends here (Netty would log each one as an unhandled exception); accepting pauses briefly.
     *
     * <p>Threading: the listening channel's event loop.
     */
    private final class AcceptErrors extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            pause(ctx); // first: whatever happens while reporting, the accept loop must not spin
            try {
                if (!report(cause)) {
                    synchronized (otherAcceptFailures) {
                        otherAcceptFailures.warn("accepting a connection failed: {}", cause.toString());
                    }
                }
            } catch (Throwable reportFailed) {
                // out of resources to report with; the pause is what protects the broker
            }
        }

        private void pause(ChannelHandlerContext ctx) {
            ChannelConfig config = ctx.channel().config();
            if (config.isAutoRead()) {
                config.setAutoRead(false);
                ctx.executor().schedule(resume(config), ACCEPT_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    private static Runnable resume(ChannelConfig config) {
        return () -> config.setAutoRead(true);
    }

    /**
     * On each connection, before the protocol handler: reports exhaustion and passes every exception
     * on (the protocol handler closes the connection).
     *
     * <p>Threading: shared by every connection; stateless apart from the thread-safe reporter.
     */
    @ChannelHandler.Sharable
    private final class ConnectionErrors extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            report(cause);
            ctx.fireExceptionCaught(cause);
        }
    }
}
