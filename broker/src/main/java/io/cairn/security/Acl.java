package io.cairn.security;

import io.cairn.topic.Topics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules of an ACL file in Mosquitto's syntax:
 * <pre>
 * # comment
 * topic read sensors/#        (before any user line: for clients without a user name)
 * user alice
 * topic readwrite alice/#     (access read | write | readwrite | deny; absent = readwrite)
 * pattern write devices/%c/#  (every client; %c = client id, %u = user name)
 * </pre>
 *
 * <p>Decisions follow Mosquitto 2.0 (src/security_default.c): first the client's own {@code topic}
 * rules, then the {@code pattern} rules; within each group a matching {@code deny} wins, otherwise
 * a matching rule with the access asked for allows; a client that matches no rule is denied. A
 * pattern rule with %u does not apply to a client without a user name, and a client whose id or
 * user name contains '+' or '#' is denied by the patterns (it could otherwise widen them).
 *
 * <p>Subscriptions (Mosquitto 2.0 does not check them and filters deliveries instead): a filter is
 * granted when a rule with read access <em>covers</em> it (every topic the filter matches, the rule
 * matches too) and no deny rule covers it. A filter only partly covered is refused, and a deny on a
 * narrower topic under a granted filter holds at delivery time, where every message is checked
 * with {@link #mayRead}.
 *
 * <p>Threading: immutable after {@link #load}; safe from any thread.
 */
public final class Acl {

    private static final int READ = 1, WRITE = 2, DENY = 0;

    /** One rule: access bits (0 = deny) and its topic filter (patterns unsubstituted). */
    private record Rule(int access, String topic, boolean hasClientId, boolean hasUser) {}

    /** Rules by user; the null key holds those for clients without a user name. */
    private final Map<String, List<Rule>> topicRules;
    private final List<Rule> patterns;

    private Acl(Map<String, List<Rule>> topicRules, List<Rule> patterns) {
        this.topicRules = topicRules;
        this.patterns = patterns;
    }

    /** Reads a file; throws naming the file, the line and what is wrong. */
    public static Acl load(Path file) throws SecurityFileException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SecurityFileException(file, "cannot read the file (" + e.getMessage() + ")", e);
        }
        Map<String, List<Rule>> topicRules = new HashMap<>();
        List<Rule> patterns = new ArrayList<>();
        String user = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] words = line.split("\\s+", 2);
            switch (words[0]) {
                case "user" -> {
                    if (words.length < 2) {
                        throw new SecurityFileException(file, i + 1, "'user' needs a user name");
                    }
                    user = words[1].strip();
                }
                case "topic", "pattern" -> {
                    Rule r = rule(file, i + 1, words.length < 2 ? "" : words[1]);
                    if (words[0].equals("pattern")) {
                        patterns.add(r);
                    } else {
                        topicRules.computeIfAbsent(user, u -> new ArrayList<>()).add(r);
                    }
                }
                default -> throw new SecurityFileException(file, i + 1,
                        "'" + words[0] + "' is not a rule: expected user, topic or pattern");
            }
        }
        return new Acl(denialsFirst(topicRules), denialsFirst(patterns));
    }

    /**
     * As Mosquitto: {@code topic [access] <topic>}; with one word it is the topic (readwrite), with
     * more the first must be an access word and the rest, spaces included, is the topic.
     */
    private static Rule rule(Path file, int line, String rest) throws SecurityFileException {
        String[] words = rest.strip().split("\\s+", 2);
        if (words[0].isEmpty()) {
            throw new SecurityFileException(file, line, "the rule has no topic");
        }
        if (words.length == 1) {
            if (isAccess(words[0])) {
                throw new SecurityFileException(file, line, "'" + words[0] + "' needs a topic after it");
            }
            return rule(file, line, READ | WRITE, words[0]);
        }
        int access = switch (words[0]) {
            case "read" -> READ;
            case "write" -> WRITE;
            case "readwrite" -> READ | WRITE;
            case "deny" -> DENY;
            default -> throw new SecurityFileException(file, line,
                    "'" + words[0] + "' is not an access: expected read, write, readwrite or deny");
        };
        return rule(file, line, access, words[1].strip());
    }

    private static Rule rule(Path file, int line, int access, String topic) throws SecurityFileException {
        if (!Topics.isValidFilter(topic)) {
            throw new SecurityFileException(file, line, "'" + topic + "' is not a valid topic filter");
        }
        return new Rule(access, topic, topic.contains("%c"), topic.contains("%u"));
    }

    private static boolean isAccess(String w) {
        return w.equals("read") || w.equals("write") || w.equals("readwrite") || w.equals("deny");
    }

    private static Map<String, List<Rule>> denialsFirst(Map<String, List<Rule>> byUser) {
        Map<String, List<Rule>> out = new HashMap<>();
        byUser.forEach((u, rules) -> out.put(u, denialsFirst(rules)));
        return out;
    }

    /** Mosquitto checks denials first; the order is otherwise kept. */
    private static List<Rule> denialsFirst(List<Rule> rules) {
        List<Rule> out = new ArrayList<>(rules.size());
        rules.stream().filter(r -> r.access == DENY).forEach(out::add);
        rules.stream().filter(r -> r.access != DENY).forEach(out::add);
        return List.copyOf(out);
    }

    public boolean mayRead(String clientId, String user, String topic) {
        return decide(clientId, user, topic, READ, Topics::matches);
    }

    public boolean mayWrite(String clientId, String user, String topic) {
        return decide(clientId, user, topic, WRITE, Topics::matches);
    }

    /** A SUBSCRIBE to {@code filter}: granted when a read rule covers it and no deny rule does. */
    public boolean maySubscribe(String clientId, String user, String filter) {
        return decide(clientId, user, filter, READ, Acl::covers);
    }

    private interface Match {
        boolean test(String ruleFilter, String topicOrFilter);
    }

    private boolean decide(String clientId, String user, String topic, int access, Match match) {
        Boolean own = decide(topicRules.getOrDefault(user, List.of()), topic, access, match, null, null);
        if (own != null) {
            return own;
        }
        if (patterns.isEmpty() || dangerous(clientId) || dangerous(user)) {
            return false;
        }
        Boolean byPattern = decide(patterns, topic, access, match, clientId, user);
        return byPattern != null && byPattern;
    }

    /** true/false at the first decisive rule (denials come first), null when none decides. */
    private static Boolean decide(List<Rule> rules, String topic, int access, Match match, String clientId,
                                  String user) {
        for (Rule r : rules) {
            String filter = r.topic;
            if (clientId != null) {
                if (r.hasUser && user == null) {
                    continue;
                }
                filter = substitute(r, clientId, user);
            }
            if (match.test(filter, topic)) {
                if (r.access == DENY) {
                    return false;
                }
                if ((r.access & access) != 0) {
                    return true;
                }
            }
        }
        return null;
    }

    private static String substitute(Rule r, String clientId, String user) {
        String t = r.topic;
        if (r.hasClientId) {
            t = t.replace("%c", clientId);
        }
        if (r.hasUser) {
            t = t.replace("%u", user);
        }
        return t;
    }

    private static boolean dangerous(String name) {
        return name != null && (name.indexOf('+') >= 0 || name.indexOf('#') >= 0);
    }

    /**
     * Whether rule filter {@code rule} matches every topic that {@code filter} matches. Level by
     * level: the rule's '#' covers the rest; a '+' in the filter needs '+' (or '#') in the rule; a
     * '#' in the filter needs '#' in the rule; a literal needs the same literal or a wildcard. A
     * filter starting with a literal '$' level is not covered by a rule starting with a wildcard.
     */
    static boolean covers(String rule, String filter) {
        String[] r = Topics.levels(rule);
        String[] f = Topics.levels(filter);
        if (f[0].startsWith("$") && (r[0].equals("+") || r[0].equals("#"))) {
            return false;
        }
        for (int i = 0; i < f.length; i++) {
            if (i >= r.length) {
                return false;
            }
            if (r[i].equals("#")) {
                return true;
            }
            if (f[i].equals("#")) {
                return false; // the rule is narrower at this level or below
            }
            if (f[i].equals("+") ? !r[i].equals("+") : !(r[i].equals("+") || r[i].equals(f[i]))) {
                return false;
            }
        }
        // "a/#" matches "a" too, so a filter that ends where the rule has only "#" left is covered
        return r.length == f.length || (r.length == f.length + 1 && r[f.length].equals("#"));
    }
}
