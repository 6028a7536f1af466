package io.cairn.routing;

import io.cairn.state.HeldAccount;
import io.cairn.topic.Topics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The memory budgets (rumqttd's names): every subscription filter may hold
 * {@code max_segment_size x max_segment_count} bytes; a {@code custom_segment} pattern overrides that
 * for every filter it matches when the filter is read as a topic name (the most specific pattern
 * wins); each session may hold {@code max_queued_messages} / {@code max_queued_bytes}; and all filters
 * together may hold no more than a ceiling derived from the heap.
 *
 * @param defaultBytes   capacity of a filter that no custom pattern matches
 * @param custom         capacity per custom pattern
 * @param session        the per-session bounds
 * @param ceilingBytes   the bound on everything held
 * @param dropOldest     overflow = "drop-oldest" (opt-in) instead of "reject"
 *
 * <p>Threading: immutable; {@link #limit} runs on the engine thread.
 */
public record Budgets(long defaultBytes, Map<String, Long> custom, QueueLimits session, long ceilingBytes,
                      boolean dropOldest) {

    /** Everything held by all filters together: half the heap, leaving the rest to connections and the GC. */
    public static long ceilingFromHeap() {
        return Runtime.getRuntime().maxMemory() / 2;
    }

    /** No bound but the session's (tests and embedded use). */
    public static Budgets unbounded(QueueLimits session) {
        return new Budgets(Long.MAX_VALUE, Map.of(), session, Long.MAX_VALUE, false);
    }

    /** Gives a new filter account its capacity and pattern name. */
    public void limit(HeldAccount a) {
        String best = mostSpecificPattern(a.filter());
        a.limit(best == null ? defaultBytes : custom.get(best), best == null ? "default" : best);
    }

    /** The custom pattern that matches {@code filter} (read as a topic) most specifically, or null. */
    String mostSpecificPattern(String filter) {
        List<String> matching = new ArrayList<>(2);
        for (String pattern : custom.keySet()) {
            if (pattern.equals(filter) || Topics.matches(pattern, filter)) {
                matching.add(pattern);
            }
        }
        return matching.stream().max(Comparator.comparingInt(Budgets::literalLevels)
                .thenComparing(p -> !p.endsWith("#"))
                .thenComparingInt(Budgets::levels)
                .thenComparing(Comparator.reverseOrder())).orElse(null);
    }

    private static int levels(String pattern) {
        return pattern.split("/", -1).length;
    }

    /** Levels that are not wildcards: "a/+/c" has 2; more literal levels is more specific. */
    private static int literalLevels(String pattern) {
        int n = 0;
        for (String level : pattern.split("/", -1)) {
            if (!level.equals("+") && !level.equals("#")) {
                n++;
            }
        }
        return n;
    }
}
