package io.cairn.bench.loadgen;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The pubsub mode: connects the subscribers, then the publishers, publishes until the count or the
 * duration is reached, waits for the deliveries (bounded by drain, idle and timeout limits), and
 * reports.
 *
 * <p>Threading: runs on the main thread. It writes {@link #startNanos} before any publisher starts
 * and {@link #stopPublishing} once; publishers read both (volatile). It watches the connections'
 * volatile counters, and reads their confined state only after a task on each event loop has run.
 */
final class LoadRun {
    private final Config cfg;
    volatile long startNanos;
    /** Messages sent before this time (the --warmup period) are not in the latency histograms. */
    volatile long latencyFrom;
    volatile boolean stopPublishing;

    LoadRun(Config cfg) {
        this.cfg = cfg;
    }

    int run() throws Exception {
        String id = "lg-" + ProcessHandle.current().pid() + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        Publisher[] pubs = new Publisher[cfg.pubs];
        Subscriber[] subs = new Subscriber[cfg.subs];
        Publisher[][] sourcesOf = new Publisher[cfg.subs][];
        try (Net net = new Net(cfg)) {
            CountDownLatch subsReady = new CountDownLatch(cfg.subs);
            for (int j = 0; j < cfg.subs; j++) {
                sourcesOf[j] = new Publisher[cfg.exactSubs ? 1 : cfg.pubs]; // filled below
                String filter = cfg.exactSubs ? cfg.topicPrefix + "/" + (j % cfg.pubs) : cfg.topicPrefix + "/#";
                subs[j] = new Subscriber(cfg, this, id + "-s" + j, filter, sourcesOf[j], subsReady::countDown);
            }
            CountDownLatch pubsReady = new CountDownLatch(cfg.pubs);
            for (int i = 0; i < cfg.pubs; i++) {
                List<Subscriber> audience = new ArrayList<>();
                for (int j = 0; j < cfg.subs; j++) {
                    if (!cfg.exactSubs || j % cfg.pubs == i) audience.add(subs[j]);
                }
                pubs[i] = new Publisher(cfg, this, i, id + "-p" + i, audience.toArray(new Subscriber[0]), pubsReady::countDown);
            }
            for (int j = 0; j < cfg.subs; j++) {
                if (cfg.exactSubs) sourcesOf[j][0] = pubs[j % cfg.pubs];
                else System.arraycopy(pubs, 0, sourcesOf[j], 0, cfg.pubs);
            }

            long setup0 = System.nanoTime();
            List<Channel> channels = new ArrayList<>();
            for (Subscriber s : subs) channels.add(net.connect(s).channel());
            String setupFailure = awaitReady(subsReady, subs);
            if (setupFailure == null) {
                for (Publisher p : pubs) channels.add(net.connect(p).channel());
                setupFailure = awaitReady(pubsReady, pubs);
            }
            if (setupFailure != null) {
                System.out.println("# setup failed: " + setupFailure);
                System.out.println("RESULT mode=pubsub status=setup-failed reason=" + setupFailure.replace(' ', '_'));
                return 2;
            }
            double setupS = (System.nanoTime() - setup0) / 1e9;

            double cpu0 = Proc.ownCpuSeconds();
            double bcpu0 = Proc.cpuSeconds(cfg.brokerPid);
            long rss0 = Proc.rssKb(cfg.brokerPid);
            long start = System.nanoTime();
            startNanos = start;
            latencyFrom = start + (long) (cfg.warmupS * 1e9);
            for (Publisher p : pubs) p.start();
            // on NIO only: epoll's event-loop timers are precise (timerfd), NIO's come in ms bursts
            Pacer pacer = cfg.rate > 0 && !Net.PRECISE_TIMERS ? new Pacer(this, pubs, 1e9 * cfg.pubs / cfg.rate) : null;
            if (pacer != null) pacer.start();
            String reason = watch(pubs, subs, start);
            long end = System.nanoTime();
            double cpu1 = Proc.ownCpuSeconds();
            double bcpu1 = Proc.cpuSeconds(cfg.brokerPid);
            long rss1 = Proc.rssKb(cfg.brokerPid);
            stopPublishing = true;
            if (pacer != null) pacer.join(2000);

            Conn[] all = concat(subs, pubs);
            for (int k = 0; k < all.length; k++) all[k].close(channels.get(k));
            for (Channel ch : channels) ch.closeFuture().await(2, TimeUnit.SECONDS);
            // a task on every loop after the closes: makes the loops' confined state visible here
            for (Channel ch : channels) ch.eventLoop().submit(() -> { }).get(5, TimeUnit.SECONDS);

            return report(pubs, subs, reason, setupS, start, end, cpu1 - cpu0,
                    bcpu0 >= 0 && bcpu1 >= 0 ? bcpu1 - bcpu0 : -1, rss0, rss1);
        }
    }

    private String awaitReady(CountDownLatch latch, Conn[] conns) throws InterruptedException {
        if (!latch.await((long) (cfg.connectTimeoutS * 1000), TimeUnit.MILLISECONDS)) {
            return "connect timeout";
        }
        for (Conn c : conns) {
            if (c.failure != null) return c.failure;
            if (!c.isReady) return "connection closed during setup";
        }
        return null;
    }

    /** Waits until every expected message arrived, or a limit ends the run; returns why it ended. */
    private String watch(Publisher[] pubs, Subscriber[] subs, long start) throws InterruptedException {
        long publishEnd = cfg.durationS > 0 ? start + (long) (cfg.durationS * 1e9) : Long.MAX_VALUE;
        long hardEnd = start + (long) (cfg.timeoutS * 1e9);
        long lastProgress = start;
        long progressMark = -1;
        long pubDoneAt = 0;
        while (true) {
            Thread.sleep(10);
            long now = System.nanoTime();
            if (now >= publishEnd) stopPublishing = true;
            boolean pubsDone = true;
            long sentAll = 0;
            long acked = 0;
            for (Publisher p : pubs) {
                if (stopPublishing && !p.finished) p.wake(); // a stalled publisher must notice the stop
                pubsDone &= p.finished || p.dropped;
                sentAll += p.sent;
                acked += p.completed;
            }
            long received = 0;
            for (Subscriber s : subs) received += s.received;
            long mark = sentAll + acked + received;
            if (mark != progressMark) {
                progressMark = mark;
                lastProgress = now;
            }
            if (pubsDone && pubDoneAt == 0) pubDoneAt = now;
            if (pubsDone && acked == sentAll && uniqueTotal(subs) >= expected(pubs, subs)) return "complete";
            if (anyDropped(pubs, subs)) return "connection-dropped";
            if (pubsDone && now - pubDoneAt > cfg.drainS * 1e9) return "drain-timeout";
            if (now - lastProgress > cfg.idleS * 1e9) return "idle";
            if (now > hardEnd) return "timeout";
        }
    }

    private static boolean anyDropped(Conn[] a, Conn[] b) {
        for (Conn c : a) if (c.dropped) return true;
        for (Conn c : b) if (c.dropped) return true;
        return false;
    }

    private static long uniqueTotal(Subscriber[] subs) {
        long u = 0;
        for (Subscriber s : subs) u += s.unique;
        return u;
    }

    /** Deliveries owed: every subscriber gets every message of each publisher it listens to. */
    private long expected(Publisher[] pubs, Subscriber[] subs) {
        long all = 0;
        for (Publisher p : pubs) all += p.sent;
        if (!cfg.exactSubs) return all * subs.length;
        long e = 0;
        for (int j = 0; j < subs.length; j++) e += pubs[j % pubs.length].sent;
        return e;
    }

    private int report(Publisher[] pubs, Subscriber[] subs, String reason, double setupS, long start, long end,
                       double genCpuS, double brokerCpuS, long rss0, long rss1) {
        long sent = 0, acked = 0, errors = 0, lastAck = start, paceLag = 0;
        for (Publisher p : pubs) {
            paceLag = Math.max(paceLag, p.maxLagNanos);
            sent += p.sent;
            acked += p.completed;
            errors += p.errors;
            lastAck = Math.max(lastAck, p.lastAckNanos);
        }
        long received = 0, unique = 0, dups = 0, reordered = 0, foreign = 0, bytes = 0, lastRecv = start;
        Histogram lat = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        for (Subscriber s : subs) {
            received += s.received;
            unique += s.unique;
            dups += s.dups;
            reordered += s.reordered;
            foreign += s.foreign;
            bytes += s.bytes;
            lastRecv = Math.max(lastRecv, s.lastRecvNanos);
            lat.add(s.latency);
        }
        int window = cfg.window; // as used: lowered to the broker's Receive Maximum
        for (Publisher p : pubs) window = Math.min(window, p.serverReceiveMaximum);
        int dropped = 0;
        for (Conn c : concat(subs, pubs)) if (c.dropped) dropped++;
        long expected = expected(pubs, subs);
        long lost = expected - unique;
        double ackS = (lastAck - start) / 1e9;
        double recvS = (lastRecv - start) / 1e9;
        double runS = (end - start) / 1e9;
        double ackRate = ackS > 0 ? acked / ackS : 0;
        double recvRate = recvS > 0 ? received / recvS : 0;
        double mbps = recvS > 0 ? bytes / recvS / 1e6 : 0;
        double genCpu = genCpuS / runS * 100;
        double brokerCpu = brokerCpuS >= 0 ? brokerCpuS / runS * 100 : -1;
        if (!cfg.quiet) {
            System.out.printf(Locale.ROOT, "# cairn-loadgen pubsub mqtt=%s persistent=%s %s:%d pubs=%d subs=%d sub_mode=%s "
                            + "qos=%d size=%d window=%d rate=%.0f max_backlog=%d threads=%d%n",
                    cfg.version(), cfg.persistent, cfg.host, cfg.port, cfg.pubs, cfg.subs,
                    cfg.exactSubs ? "exact" : "wildcard", cfg.qos, cfg.size, window, cfg.rate, cfg.maxBacklog,
                    cfg.threads);
            System.out.printf(Locale.ROOT, "# setup %.3f s; last ack at %.3f s; last delivery at %.3f s; stopped at "
                    + "%.3f s (%s)%n", setupS, ackS, recvS, runS, reason);
            System.out.printf(Locale.ROOT, "# sent %d, acknowledged %d (errors %d); expected deliveries %d, delivered %d"
                            + " (unique %d, duplicates %d, reordered %d, foreign %d), lost %d%n",
                    sent, acked, errors, expected, received, unique, dups, reordered, foreign, lost);
            System.out.printf(Locale.ROOT, "# throughput: acknowledged %.0f msg/s; delivered %.0f msg/s (%.1f MB/s payload)%n",
                    ackRate, recvRate, mbps);
            System.out.printf(Locale.ROOT, "# latency us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f (n=%d%s)%n",
                    pct(lat, 50), pct(lat, 90), pct(lat, 99), pct(lat, 99.9), lat.getMaxValue() / 1e3,
                    lat.getTotalCount(), cfg.warmupS > 0
                            ? String.format(Locale.ROOT, "; messages sent in the first %.1f s left out", cfg.warmupS) : "");
            if (cfg.rate > 0) {
                System.out.printf(Locale.ROOT, "# pacing (%s): latest send %.1f us after its scheduled time%n",
                    Net.PRECISE_TIMERS ? "event-loop timer" : "pacer thread", paceLag / 1e3);
            }
            System.out.printf(Locale.ROOT, "# cpu: generator %.0f%% (%s), broker %s%n", genCpu, Net.TRANSPORT,
                    brokerCpu < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f%%", brokerCpu));
        }
        System.out.printf(Locale.ROOT, "RESULT mode=pubsub status=%s mqtt=%s persistent=%d pubs=%d subs=%d qos=%d size=%d "
                        + "window=%d sent=%d acked=%d pub_errors=%d expected=%d received=%d unique=%d lost=%d dup=%d "
                        + "reordered=%d foreign=%d conn_dropped=%d ack_s=%.3f recv_s=%.3f ack_rate=%.0f recv_rate=%.0f "
                        + "mbps=%.2f p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f gen_cpu=%.0f "
                        + "broker_cpu=%.0f broker_rss_start_kb=%d broker_rss_kb=%d transport=%s pace_lag_max_us=%.1f "
                        + "warmup_s=%.1f lat_n=%d%n",
                reason, cfg.version(), cfg.persistent ? 1 : 0, cfg.pubs, cfg.subs, cfg.qos, cfg.size, window, sent,
                acked, errors, expected, received, unique, lost, dups, reordered, foreign, dropped, ackS, recvS, ackRate,
                recvRate, mbps, pct(lat, 50), pct(lat, 90), pct(lat, 99), pct(lat, 99.9), lat.getMaxValue() / 1e3,
                genCpu, brokerCpu, rss0, rss1, Net.TRANSPORT, paceLag / 1e3,
                cfg.warmupS, lat.getTotalCount());
        boolean bad = !reason.equals("complete") || dups > 0 || errors > 0 || dropped > 0
                || (cfg.qos > 0 && lost > 0);
        return bad ? 1 : 0;
    }

    private static double pct(Histogram h, double p) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(p) / 1e3;
    }

    private static Conn[] concat(Conn[] a, Conn[] b) {
        Conn[] all = new Conn[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
