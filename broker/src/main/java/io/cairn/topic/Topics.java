package io.cairn.topic;

import java.nio.charset.StandardCharsets;

/**
 * Rules for topic names and topic filters (MQTT 3.1.1 section 4.7, 5.0 section 4.7).
 *
 * <p>Threading: stateless, safe from any thread.
 */
public final class Topics {

    /**
     * The levels of a topic name or filter ("a//b" has three, the middle one empty), as
     * {@code split("/", -1)} gives them but without its intermediate list: matching splits every
     * published topic, so this is on the engine's hot path.
     */
    public static String[] levels(String name) {
        int n = 1;
        for (int i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
            n++;
        }
        String[] levels = new String[n];
        int start = 0;
        for (int k = 0; k < n - 1; k++) {
            int end = name.indexOf('/', start);
            levels[k] = name.substring(start, end);
            start = end + 1;
        }
        levels[n - 1] = name.substring(start);
        return levels;
    }

    /** Longest name or filter the protocol can carry, in UTF-8 bytes [MQTT-4.7.3-3]. */
    public static final int MAX_BYTES = 65535;

    private Topics() {
    }

    /** A topic name a client may publish to: non-empty, no wildcards, no U+0000, at most 65,535 bytes. */
    public static boolean isValidName(String name) {
        if (name.isEmpty() || !fitsLength(name)) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '+' || c == '#' || c == '\u0000') {
                return false;
            }
        }
        return true;
    }

    /** A topic filter: non-empty; '#' alone or after '/', and last; '+' fills a whole level. */
    public static boolean isValidFilter(String filter) {
        if (filter.isEmpty() || !fitsLength(filter)) {
            return false;
        }
        int n = filter.length();
        for (int i = 0; i < n; i++) {
            char c = filter.charAt(i);
            if (c == '\u0000') {
                return false;
            }
            boolean levelStart = i == 0 || filter.charAt(i - 1) == '/';
            boolean levelEnd = i == n - 1 || filter.charAt(i + 1) == '/';
            if (c == '+' && !(levelStart && levelEnd)) {
                return false;
            }
            if (c == '#' && !(levelStart && i == n - 1)) {
                return false;
            }
        }
        return true;
    }

    /** The prefix of a shared subscription, {@code $share/{ShareName}/{filter}} (5.0 section 4.8.2). */
    public static final String SHARE_PREFIX = "$share/";

    /** Whether a filter names a shared subscription (valid or not). */
    public static boolean isShared(String filter) {
        return filter.startsWith(SHARE_PREFIX);
    }

    /**
     * The topic filter of a shared subscription, or null when it is malformed: the ShareName must be
     * at least one character without '/', '+' or '#', followed by '/' and a valid filter [MQTT-4.8.2-1],
     * [MQTT-4.8.2-2].
     */
    public static String sharedFilter(String shared) {
        int slash = shared.indexOf('/', SHARE_PREFIX.length());
        if (slash <= SHARE_PREFIX.length()) {
            return null;
        }
        for (int i = SHARE_PREFIX.length(); i < slash; i++) {
            char c = shared.charAt(i);
            if (c == '+' || c == '#' || c == '\u0000') {
                return null;
            }
        }
        String filter = shared.substring(slash + 1);
        return isValidFilter(filter) ? filter : null;
    }

    /**
     * Whether a name or filter has more than {@code maxLevels} levels ({@code max_topic_levels});
     * 0 means no limit.
     */
    public static boolean tooDeep(String topic, int maxLevels) {
        if (maxLevels <= 0 || topic.length() < maxLevels) {
            return false; // n characters hold at most n + 1 levels
        }
        int levels = 1;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == '/' && ++levels > maxLevels) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a valid filter matches a topic name. A filter starting with a wildcard does not match
     * a name starting with '$' [MQTT-4.7.2-1]; "a/#" also matches "a".
     */
    public static boolean matches(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        int f = 0;
        int t = 0;
        int fn = filter.length();
        int tn = topic.length();
        while (f < fn) {
            char c = filter.charAt(f);
            if (c == '#') {
                return true;
            }
            if (c == '+') {
                while (t < tn && topic.charAt(t) != '/') {
                    t++;
                }
                f++;
            } else {
                int fEnd = levelEnd(filter, f);
                int tEnd = levelEnd(topic, t);
                if (!filter.regionMatches(f, topic, t, fEnd - f) || fEnd - f != tEnd - t) {
                    return false;
                }
                f = fEnd;
                t = tEnd;
            }
            // both at a level end: '/' or the end of the string
            boolean fDone = f >= fn;
            boolean tDone = t >= tn;
            if (fDone || tDone) {
                if (fDone && tDone) {
                    return true;
                }
                // "a/#" matches "a": the filter has "/#" left and the topic is done
                return tDone && filter.startsWith("/#", f) && f + 2 == fn;
            }
            f++;
            t++;
        }
        // the filter ended with '/': an empty last level, which the topic must have too
        return t == tn;
    }

    private static int levelEnd(String s, int from) {
        int i = s.indexOf('/', from);
        return i < 0 ? s.length() : i;
    }

    private static boolean fitsLength(String s) {
        // cheap upper bound first: a char is at most 3 UTF-8 bytes
        return s.length() * 3 <= MAX_BYTES || s.getBytes(StandardCharsets.UTF_8).length <= MAX_BYTES;
    }
}
