package io.cairn.routing;

import java.util.HashMap;
import java.util.Map;

/**
 * A topic trie from filter levels to the sessions subscribed with that exact filter. Matching a
 * topic walks one path per literal level plus the '+' and '#' branches, so its cost grows with the
 * topic depth and the number of matches, not with the number of subscriptions.
 *
 * @param <V> what a subscription carries (the session's options)
 *
 * <p>Threading: not thread-safe; owned by the session engine thread.
 */
public final class SubscriptionIndex<V> {

    /** Receives each match: the subscriber and what it subscribed with. */
    @FunctionalInterface
    public interface Visitor<V> {
        void visit(String clientId, String filter, V value);
    }

    private static final class Node<V> {
        final String filter;
        final Map<String, Node<V>> children = new HashMap<>(4);
        final Map<String, V> subscribers = new HashMap<>(2);

        Node(String filter) {
            this.filter = filter;
        }

        boolean isEmpty() {
            return children.isEmpty() && subscribers.isEmpty();
        }
    }

    private final Node<V> root = new Node<>("");
    private int size;

    /** Adds or replaces the subscription of {@code clientId} to {@code filter}. */
    public void put(String clientId, String filter, V value) {
        Node<V> node = root;
        int start = 0;
        while (true) {
            int end = filter.indexOf('/', start);
            String level = end < 0 ? filter.substring(start) : filter.substring(start, end);
            String prefix = end < 0 ? filter : filter.substring(0, end);
            node = node.children.computeIfAbsent(level, l -> new Node<>(prefix));
            if (end < 0) {
                break;
            }
            start = end + 1;
        }
        if (node.subscribers.put(clientId, value) == null) {
            size++;
        }
    }

    /** Removes the subscription; returns whether there was one. */
    public boolean remove(String clientId, String filter) {
        String[] levels = filter.split("/", -1);
        return remove(root, levels, 0, clientId);
    }

    private boolean remove(Node<V> node, String[] levels, int depth, String clientId) {
        Node<V> child = node.children.get(levels[depth]);
        if (child == null) {
            return false;
        }
        boolean removed;
        if (depth == levels.length - 1) {
            removed = child.subscribers.remove(clientId) != null;
        } else {
            removed = remove(child, levels, depth + 1, clientId);
        }
        if (child.isEmpty()) {
            node.children.remove(levels[depth]);
        }
        if (removed && depth == 0) {
            size--;
        }
        return removed;
    }

    /** Number of (client, filter) subscriptions held. */
    public int size() {
        return size;
    }

    /** Calls the visitor for every subscription whose filter matches the topic name. */
    public void match(String topic, Visitor<V> visitor) {
        String[] levels = topic.split("/", -1);
        // [MQTT-4.7.2-1]: wildcards at the first level do not match '$' topics
        boolean system = topic.startsWith("$");
        match(root, levels, 0, system, visitor);
    }

    private void match(Node<V> node, String[] levels, int depth, boolean system, Visitor<V> visitor) {
        boolean wildcardsAllowed = !(system && depth == 0);
        if (wildcardsAllowed) {
            Node<V> multi = node.children.get("#");
            if (multi != null) {
                // "a/#" matches "a/..." and "a" itself
                emit(multi, visitor);
            }
        }
        if (depth == levels.length) {
            return;
        }
        Node<V> exact = node.children.get(levels[depth]);
        if (exact != null) {
            descend(exact, levels, depth, system, visitor);
        }
        if (wildcardsAllowed) {
            Node<V> single = node.children.get("+");
            if (single != null) {
                descend(single, levels, depth, system, visitor);
            }
        }
    }

    private void descend(Node<V> child, String[] levels, int depth, boolean system, Visitor<V> visitor) {
        if (depth == levels.length - 1) {
            emit(child, visitor);
            Node<V> multi = child.children.get("#");
            if (multi != null) {
                emit(multi, visitor);
            }
        } else {
            match(child, levels, depth + 1, system, visitor);
        }
    }

    private void emit(Node<V> node, Visitor<V> visitor) {
        for (Map.Entry<String, V> e : node.subscribers.entrySet()) {
            visitor.visit(e.getKey(), node.filter, e.getValue());
        }
    }
}
