package io.cairn.bench.loadgen;

import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The conn mode: opens K connections (CONNECT + SUBSCRIBE to a topic of its own, QoS of -Q),
 * at most P handshakes at once, and reports the broker's RSS before and after, per connection.
 *
 * <p>Threading: the main thread opens and closes; each connection's handler runs on its event loop
 * and releases a handshake slot (a semaphore, thread-safe) when it is ready or has failed.
 */
final class IdleConnections {
    private final Config cfg;

    IdleConnections(Config cfg) {
        this.cfg = cfg;
    }

    /** A connection that only waits; its readiness frees a handshake slot. */
    private static final class Idle extends Conn {
        Idle(Config cfg, String clientId, String filter, Runnable onSettled) {
            super(cfg, clientId, filter, onSettled);
        }

        @Override
        protected void onPacket(MqttMessage m) { }
    }

    int run() throws Exception {
        String id = "lg-" + ProcessHandle.current().pid() + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        Semaphore slots = new Semaphore(cfg.parallel);
        long rss0 = Proc.rssKb(cfg.brokerPid);
        List<Idle> conns = new ArrayList<>(cfg.conns);
        List<Channel> channels = new ArrayList<>(cfg.conns);
        try (Net net = new Net(cfg)) {
            long t0 = System.nanoTime();
            long deadline = t0 + (long) (cfg.connectTimeoutS * 1e9);
            CountDownLatch all = new CountDownLatch(cfg.conns);
            for (int i = 0; i < cfg.conns; i++) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !slots.tryAcquire(left, TimeUnit.NANOSECONDS)) break;
                Idle c = new Idle(cfg, id + "-c" + i, cfg.topicPrefix + "/idle/" + i, () -> {
                    slots.release();
                    all.countDown();
                });
                conns.add(c);
                Channel ch = net.connect(c).channel();
                channels.add(ch);
            }
            all.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            double connectS = (System.nanoTime() - t0) / 1e9;
            Thread.sleep((long) (cfg.settleS * 1000));
            int ok = 0, failed = 0, dropped = 0;
            String firstFailure = null;
            for (Idle c : conns) {
                if (c.dropped) dropped++;
                else if (c.isReady) ok++;
                else failed++;
                if (c.failure != null && firstFailure == null) firstFailure = c.failure;
            }
            failed += cfg.conns - conns.size(); // never started: the connect limit ran out
            long rss1 = Proc.rssKb(cfg.brokerPid);
            Thread.sleep((long) (cfg.holdS * 1000));
            for (int i = 0; i < conns.size(); i++) conns.get(i).close(channels.get(i));
            for (Channel ch : channels) ch.closeFuture().await(5, TimeUnit.SECONDS);

            long perConn = rss0 >= 0 && rss1 >= 0 && ok > 0 ? (rss1 - rss0) * 1024 / ok : -1;
            double rate = connectS > 0 ? ok / connectS : 0;
            String status = ok == cfg.conns ? "complete" : "incomplete";
            if (!cfg.quiet) {
                System.out.printf(Locale.ROOT, "# cairn-loadgen conn mqtt=%s persistent=%s %s:%d conns=%d parallel=%d%n",
                        cfg.version(), cfg.persistent, cfg.host, cfg.port, cfg.conns, cfg.parallel);
                System.out.printf(Locale.ROOT, "# %d connected and subscribed in %.2f s (%.0f/s), %d failed, %d dropped%s%n",
                        ok, connectS, rate, failed, dropped, firstFailure == null ? "" : "; first failure: " + firstFailure);
                System.out.printf(Locale.ROOT, "# broker RSS %d kB -> %d kB = %s B per connection%n", rss0, rss1,
                        perConn < 0 ? "n/a" : Long.toString(perConn));
            }
            System.out.printf(Locale.ROOT, "RESULT mode=conn status=%s mqtt=%s persistent=%d conns=%d ok=%d failed=%d "
                            + "dropped=%d connect_s=%.3f conn_rate=%.0f rss_before_kb=%d rss_conns_kb=%d rss_per_conn_b=%d%n",
                    status, cfg.version(), cfg.persistent ? 1 : 0, cfg.conns, ok, failed, dropped, connectS, rate, rss0,
                    rss1, perConn);
            return ok == cfg.conns ? 0 : 1;
        }
    }
}
