package io.cairn.metrics;

import io.cairn.config.BrokerConfig;
import io.cairn.engine.SessionEngine;
import io.cairn.stats.BrokerStats;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.Properties;

/**
 * The broker's exporters, as the {@code [metrics]} section configures them: the Prometheus endpoint
 * at {@code bind} ({@link MetricsEndpoint}, over {@link StatsMeters} and the JVM binders of
 * micrometer-core), and the {@code $SYS} topics every {@code sys_interval_s} ({@link SysTopics},
 * also without {@code bind}). The only package that knows Micrometer; everything else records into
 * {@link BrokerStats}. Without {@code bind} no registry exists and the journal's recorders stay no-ops.
 *
 * <p>Start-up is in two steps, like the listeners': {@link #bind} before any data is touched (a port
 * in use stops start-up there), {@link #start} once the engine runs. {@link #close} comes first in the
 * broker's close.
 *
 * <p>Threading: {@code bind}, {@code start} and {@code close} on the thread starting or closing the
 * broker; {@code close} is idempotent.
 */
public final class Metrics implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Metrics.class);

    private final BrokerConfig.Metrics config;
    private final BrokerStats stats;
    private final String version = version();
    private PrometheusMeterRegistry registry;
    private StatsMeters meters;
    private JvmGcMetrics gc;
    private MetricsEndpoint endpoint;
    private SysTopics sys;

    private Metrics(BrokerConfig.Metrics config, BrokerStats stats) {
        this.config = config;
        this.stats = stats;
    }

    /**
     * Binds the endpoint if {@code bind} is set (not serving yet) and registers the meters, installing
     * the journal's recorders into {@code stats}; fails if the address cannot be bound.
     */
    public static Metrics bind(BrokerConfig.Metrics config, BrokerStats stats) throws IOException {
        Metrics m = new Metrics(config, stats);
        if (config.host() != null) {
            try {
                m.bindEndpoint();
            } catch (IOException | RuntimeException e) {
                m.close(); // the recorders go back to no-ops
                throw e;
            }
        }
        return m;
    }

    /** Registers the meters first, so that a failed bind leaves nothing but a registry to close. */
    private void bindEndpoint() throws IOException {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(PROMLINT_CLEAN);
        meters = new StatsMeters(registry, stats);
        meters.bind(version);
        new JvmMemoryMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        endpoint = MetricsEndpoint.bind(config.host(), config.port(), registry, this::refresh);
    }

    /**
     * Two meters of micrometer-core's binders have names that {@code promtool check metrics} rejects:
     * {@code process_cpu_time_ns_total} (an abbreviated unit; {@code process_cpu_usage} gives the
     * same figure as a fraction, so it is dropped) and {@code system_cpu_count} (a gauge ending in
     * {@code _count}; published as {@code system_cpu_cores}).
     */
    private static final MeterFilter PROMLINT_CLEAN = new MeterFilter() {
        @Override
        public MeterFilterReply accept(Meter.Id id) {
            return id.getName().equals("process.cpu.time") ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
        }

        @Override
        public Meter.Id map(Meter.Id id) {
            return id.getName().equals("system.cpu.count") ? id.withName("system.cpu.cores") : id;
        }
    };

    private void refresh() {
        meters.refreshPatterns();
    }

    /** Serves the endpoint and starts the $SYS topics (if {@code sys_interval_s} is not 0). */
    public void start(SessionEngine engine) {
        if (endpoint != null) {
            endpoint.start();
            log.info("metrics at http://{}/metrics", hostPort(endpoint.address()));
        }
        if (config.sysIntervalS() > 0) {
            sys = new SysTopics(stats, engine, version);
            sys.start(config.sysIntervalS());
        }
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The endpoint's bound address, or null without {@code bind}. */
    public InetSocketAddress address() {
        return endpoint == null ? null : endpoint.address();
    }

    /** Cairn's version from the build (the same file {@code cairn --version} reads). */
    private static String version() {
        Properties p = new Properties();
        try (InputStream in = Metrics.class.getResourceAsStream("/cairn-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // the version is informative only
        }
        return p.getProperty("version", "unknown");
    }

    @Override
    public synchronized void close() {
        if (sys != null) {
            sys.close();
            sys = null;
        }
        if (endpoint != null) {
            endpoint.close();
            endpoint = null;
        }
        if (registry != null) {
            if (meters != null) {
                meters.unbind();
            }
            if (gc != null) {
                gc.close();
            }
            registry.close();
            registry = null;
        }
    }
}
