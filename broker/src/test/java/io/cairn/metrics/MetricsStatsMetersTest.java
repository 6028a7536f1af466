package io.cairn.metrics;

import io.cairn.stats.BrokerStats;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The binding of {@link BrokerStats} to meters, without a broker: values, tags, recorders, patterns. */
class MetricsStatsMetersTest {

    private final BrokerStats stats = new BrokerStats();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final StatsMeters meters = new StatsMeters(registry, stats);

    @AfterEach
    void close() {
        meters.unbind();
        registry.close();
    }

    @Test
    void countersAndGaugesReadTheStatsWhenScraped() {
        meters.bind("1.2.3");
        stats.messagesIn[1].add(7);
        stats.messagesOut[2].add(3);
        stats.sessionsOnline = 4;
        stats.journalBytesWritten.add(1234);
        stats.recoveryMillis = 1500;
        String text = registry.scrape();
        assertThat(text).contains("cairn_messages_in_total{qos=\"1\"} 7.0", "cairn_messages_in_total{qos=\"0\"} 0.0",
                "cairn_messages_out_total{qos=\"2\"} 3.0", "cairn_sessions_online 4.0",
                "cairn_journal_bytes_written_total 1234.0", "cairn_journal_recovery_seconds 1.5",
                "cairn_build_info{version=\"1.2.3\"} 1\n");
    }

    @Test
    void theJournalRecordersAreInstalledAndRemoved() {
        meters.bind("x");
        stats.fsyncNanos.record(2_000_000); // 2 ms
        stats.groupCommitRecords.record(5);
        String text = registry.scrape();
        assertThat(text).contains("cairn_journal_fsync_seconds_count 1", "cairn_journal_fsync_seconds_sum 0.002",
                "cairn_journal_group_commit_records_count 1", "cairn_journal_group_commit_records_sum 5.0");
        meters.unbind();
        assertThat(stats.fsyncNanos).isSameAs(BrokerStats.Recorder.NONE);
        assertThat(stats.groupCommitRecords).isSameAs(BrokerStats.Recorder.NONE);
    }

    @Test
    void perPatternGaugesFollowTheHeldMap() {
        meters.bind("x");
        stats.heldByPattern = Map.of("default", new BrokerStats.Held(100, 2), "office/#", new BrokerStats.Held(50, 1));
        meters.refreshPatterns();
        assertThat(registry.scrape()).contains("cairn_held_pattern_bytes{pattern=\"default\"} 100.0",
                "cairn_held_pattern_messages{pattern=\"office/#\"} 1.0");
        stats.heldByPattern = Map.of("default", new BrokerStats.Held(10, 1));
        meters.refreshPatterns();
        String text = registry.scrape();
        assertThat(text).contains("cairn_held_pattern_bytes{pattern=\"default\"} 10.0").doesNotContain("office/#");
    }
}
