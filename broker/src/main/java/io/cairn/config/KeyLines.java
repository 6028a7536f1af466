package io.cairn.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Finds the line of every table and key of a TOML text, named as {@link ConfigLoader} names them:
 * segments joined by {@code .}, a segment that is not a bare key quoted by {@link #segment}, and the
 * n-th table of an array as {@code name[n]} (from {@code [[name]]} headers and from arrays of inline
 * tables alike). Understands dotted and quoted names in headers and keys, inline tables, arrays and
 * every string form. The text has already been parsed as valid TOML, so this only follows its shape.
 *
 * <p>Threading: one instance per text, used only inside {@link #index}; the result is not shared.
 */
final class KeyLines {

    private static final Pattern BARE = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern LAST_BARE_SEGMENT = Pattern.compile("(\\.[A-Za-z0-9_-]+|\\[\\d+])$");

    private final String text;
    private final Map<String, Integer> lines = new HashMap<>();
    private final Map<String, Integer> arrayIndex = new HashMap<>();
    private int pos;
    private int line = 1;

    private KeyLines(String text) {
        this.text = text;
    }

    /** The first line of each table and key in {@code text}. */
    static Map<String, Integer> index(String text) {
        KeyLines k = new KeyLines(text);
        k.document();
        return k.lines;
    }

    /** A name segment as it appears in key names: bare keys as they are, anything else quoted. */
    static String segment(String s) {
        if (BARE.matcher(s).matches()) {
            return s;
        }
        return s.contains("'") ? "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"" : "'" + s + "'";
    }

    /** The line of {@code key}, else of the nearest enclosing table or key that is in the text; 0 if none. */
    static int lineOf(Map<String, Integer> lines, String key) {
        String k = key;
        while (!lines.containsKey(k)) {
            String parent = LAST_BARE_SEGMENT.matcher(k).replaceFirst("");
            if (parent.equals(k)) {
                return 0;
            }
            k = parent;
        }
        return lines.get(k);
    }

    // ---------------------------------------------------------------- statements

    private void document() {
        String table = "";
        while (skipBlank(true)) {
            int start = pos;
            if (text.startsWith("[[", pos)) {
                pos += 2;
                table = arrayHeader(keyPath());
                pos += 2;
            } else if (peek() == '[') {
                pos++;
                table = record(resolve(keyPath(), ""));
                pos++;
            } else {
                keyValue(table);
            }
            pos = Math.max(pos, start + 1); // always move on, whatever the text
        }
    }

    private String arrayHeader(List<String> path) {
        String name = resolve(path.subList(0, path.size() - 1), "");
        name = record(join(name, segment(path.get(path.size() - 1)))); // the array itself: its first header
        int idx = arrayIndex.merge(name, 1, Integer::sum) - 1;
        return record(name + "[" + idx + "]");
    }

    /** Names a header's path, entering the current table of every array of tables it passes through. */
    private String resolve(List<String> path, String start) {
        String name = start;
        for (String s : path) {
            name = join(name, segment(s));
            Integer idx = arrayIndex.get(name);
            if (idx != null) {
                name = name + "[" + (idx - 1) + "]";
            }
        }
        return name;
    }

    private void keyValue(String table) {
        String name = table;
        for (String s : keyPath()) {
            name = record(join(name, segment(s)));
        }
        skipBlank(false);
        pos++; // '='
        value(name);
    }

    // ---------------------------------------------------------------- values

    private void value(String name) {
        skipBlank(false);
        char c = peek();
        if (c == '{') {
            inlineTable(name);
        } else if (c == '[') {
            array(name);
        } else if (c == '"' || c == '\'') {
            string();
        } else {
            while (pos < text.length() && ",]}#\r\n".indexOf(peek()) < 0) {
                pos++;
            }
        }
    }

    private void inlineTable(String name) {
        pos++;
        skipBlank(false);
        while (pos < text.length() && peek() != '}') {
            keyValue(name);
            skipBlank(false);
            if (peek() == ',') {
                pos++;
                skipBlank(false);
            }
        }
        pos++;
    }

    private void array(String name) {
        pos++;
        int idx = 0;
        while (skipBlank(true) && peek() != ']') {
            String element = record(name + "[" + idx++ + "]");
            value(element);
            skipBlank(true);
            if (peek() == ',') {
                pos++;
            }
        }
        pos++;
    }

    private void string() {
        char quote = peek();
        boolean multi = text.startsWith(String.valueOf(quote).repeat(3), pos);
        pos += multi ? 3 : 1;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\\' && quote == '"') {
                line += text.startsWith("\n", pos + 1) ? 1 : 0; // a line-ending backslash
                pos += 2;
                continue;
            }
            if (c == '\n') {
                line++;
            }
            if (c == quote && (!multi || text.startsWith(String.valueOf(quote).repeat(3), pos))) {
                pos += multi ? 3 : 1;
                while (multi && pos < text.length() && peek() == quote) {
                    pos++; // up to two quotes may end a multi-line string's content
                }
                return;
            }
            pos++;
        }
    }

    // ---------------------------------------------------------------- keys and blanks

    /** A dotted key: bare, 'literal' or "basic" segments. */
    private List<String> keyPath() {
        List<String> path = new ArrayList<>();
        while (true) {
            skipBlank(false);
            path.add(keySegment());
            skipBlank(false);
            if (peek() != '.') {
                return path;
            }
            pos++;
        }
    }

    private String keySegment() {
        char c = peek();
        if (c == '"' || c == '\'') {
            int start = pos;
            string();
            String raw = text.substring(start + 1, pos - 1);
            return c == '\'' ? raw : unescape(raw);
        }
        int start = pos;
        while (pos < text.length() && isBare(peek())) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private static boolean isBare(char c) {
        return c == '_' || c == '-' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    private static String unescape(String s) {
        return s.replace("\\\"", "\"").replace("\\\\", "\\");
    }

    /** Skips spaces, tabs and comments, and line ends too if {@code newlines}; false at the end of the text. */
    private boolean skipBlank(boolean newlines) {
        while (pos < text.length()) {
            char c = peek();
            if (c == '#') {
                while (pos < text.length() && peek() != '\n') {
                    pos++;
                }
            } else if (c == '\n' && newlines) {
                line++;
                pos++;
            } else if (c == ' ' || c == '\t' || (c == '\r' && newlines)) {
                pos++;
            } else {
                return true;
            }
        }
        return false;
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private String record(String name) {
        lines.putIfAbsent(name, line);
        return name;
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + "." + b;
    }
}
