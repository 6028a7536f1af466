package io.cairn.state;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A topic trie from filter levels to the sessions subscribed with that exact filter. Matching a
 * topic walks one path per literal level plus the '+' and '#' branches, so its cost grows with the
 * topic depth and the number of matches, not with the number of subscriptions.
 *
 * <p>Every walk is a loop with an explicit stack, never a recursion: a client controls the depth of
 * the names and filters it sends, and one deep topic must not overflow the engine thread's stack.
 * Intermediate nodes hold no copy of their filter prefix, so a deep filter costs memory linear in
 * its length.
 *
 * @param <V> what a subscription carries (the session's options)
 *
 * <p>Threading: not thread-safe; owned by the session engine thread. {@link #match} reuses one
 * traversal stack and a topic cache, so a visitor must not call it again on the same index.
 */
public final class SubscriptionIndex<V> {

    /** Receives each match: the subscriber and what it subscribed with. */
    @FunctionalInterface
    public interface Visitor<V> {
        void visit(String clientId, String filter, V value);
    }

    /**
     * A level of the tree. Most nodes are leaves with one subscriber (a client's own topic), so both
     * maps start as immutable empties and a single subscriber is held in an immutable one-entry map:
     * a HashMap is made only for the second entry (about 100 bytes less per such subscription).
     */
    private static final class Node<V> {
        Map<String, Node<V>> children = Map.of();
        Map<String, V> subscribers = Map.of();
        /** The whole filter ending at this node; set while it has subscribers. */
        String filter;

        boolean isEmpty() {
            return children.isEmpty() && subscribers.isEmpty();
        }

        Node<V> child(String level) {
            Node<V> child = children.get(level);
            if (child == null) {
                if (!(children instanceof HashMap)) {
                    children = new HashMap<>(4);
                }
                child = new Node<>();
                children.put(level, child);
            }
            return child;
        }

        void removeChild(String level) {
            children.remove(level);
            if (children.isEmpty()) {
                children = Map.of();
            }
        }

        /** Returns the previous value, null if there was none. */
        V putSubscriber(String clientId, V value) {
            if (subscribers.isEmpty() || (subscribers.size() == 1 && subscribers.containsKey(clientId))) {
                V previous = subscribers.get(clientId);
                subscribers = Map.of(clientId, value);
                return previous;
            }
            if (!(subscribers instanceof HashMap)) {
                subscribers = new HashMap<>(subscribers);
            }
            return subscribers.put(clientId, value);
        }

        /** Returns the removed value, null if there was none. */
        V removeSubscriber(String clientId) {
            V removed = subscribers.get(clientId);
            if (removed == null) {
                return null;
            }
            if (subscribers.size() == 1) {
                subscribers = Map.of();
            } else {
                subscribers.remove(clientId); // two or more: a HashMap
            }
            return removed;
        }
    }

    private static final int CACHE_SLOTS = 1024;
    private static final int CACHED_TOPIC_CHARS = 256;

    private final Node<V> root = new Node<>();
    private int size;
    @SuppressWarnings("unchecked")
    private Node<V>[] nodeStack = new Node[16];
    private int[] depthStack = new int[16];
    private final String[] cachedTopics = new String[CACHE_SLOTS];
    private final String[][] cachedLevels = new String[CACHE_SLOTS][];

    /**
     * Adds or replaces the subscription of {@code clientId} to {@code filter}; returns the index's own
     * instance of the filter string, which callers keep instead of theirs (sessions subscribed to the
     * same filter then share one string).
     */
    public String put(String clientId, String filter, V value) {
        Node<V> node = root;
        int start = 0;
        while (true) {
            int end = filter.indexOf('/', start);
            String level = end < 0 ? filter.substring(start) : filter.substring(start, end);
            node = node.child(level);
            if (end < 0) {
                break;
            }
            start = end + 1;
        }
        if (node.filter == null) {
            node.filter = filter;
        }
        if (node.putSubscriber(clientId, value) == null) {
            size++;
        }
        return node.filter;
    }

    /** Removes the subscription; returns whether there was one. Empty branches are pruned. */
    public boolean remove(String clientId, String filter) {
        String[] levels = io.cairn.topic.Topics.levels(filter);
        List<Node<V>> path = new ArrayList<>(levels.length + 1);
        Node<V> node = root;
        path.add(node);
        for (String level : levels) {
            node = node.children.get(level);
            if (node == null) {
                return false;
            }
            path.add(node);
        }
        if (node.removeSubscriber(clientId) == null) {
            return false;
        }
        size--;
        for (int depth = levels.length; depth > 0 && path.get(depth).isEmpty(); depth--) {
            path.get(depth - 1).removeChild(levels[depth - 1]);
        }
        return true;
    }

    /** The client ids subscribed with exactly {@code filter} (read-only; empty if none). */
    public java.util.Set<String> subscribersOf(String filter) {
        Node<V> node = root;
        int start = 0;
        while (node != null) {
            int end = filter.indexOf('/', start);
            node = node.children.get(end < 0 ? filter.substring(start) : filter.substring(start, end));
            if (end < 0) {
                break;
            }
            start = end + 1;
        }
        return node == null ? java.util.Set.of() : java.util.Collections.unmodifiableSet(node.subscribers.keySet());
    }

    /** Number of (client, filter) subscriptions held. */
    public int size() {
        return size;
    }

    /** Calls the visitor for every subscription whose filter matches the topic name. */
    public void match(String topic, Visitor<V> visitor) {
        String[] levels = levelsOf(topic);
        // [MQTT-4.7.2-1]: wildcards at the first level do not match '$' topics
        boolean system = topic.startsWith("$");
        // depth-first with an explicit stack (a deep topic must not overflow the thread's stack);
        // each trie node sits at one depth, so each is visited at most once, and at most two nodes
        // are pushed per level
        int top = 0;
        Node<V>[] nodes = stackFor(levels.length);
        int[] depths = depthStack;
        nodes[top] = root;
        depths[top++] = 0;
        while (top > 0) {
            Node<V> node = nodes[--top];
            nodes[top] = null;
            int depth = depths[top];
            if (depth == levels.length) {
                emit(node, visitor);
                emit(node.children.get("#"), visitor); // "a/#" matches "a" too
                continue;
            }
            boolean wildcardsAllowed = !(system && depth == 0);
            if (wildcardsAllowed) {
                emit(node.children.get("#"), visitor);
                top = push(nodes, depths, top, node.children.get("+"), depth + 1);
            }
            top = push(nodes, depths, top, node.children.get(levels[depth]), depth + 1);
        }
    }

    private static <V> int push(Node<V>[] nodes, int[] depths, int top, Node<V> node, int depth) {
        if (node == null) {
            return top;
        }
        nodes[top] = node;
        depths[top] = depth;
        return top + 1;
    }

    /** The traversal stack, reused across matches (one thread), grown for deeper topics. */
    @SuppressWarnings("unchecked")
    private Node<V>[] stackFor(int levels) {
        int needed = 2 * levels + 2;
        if (nodeStack.length < needed) {
            nodeStack = new Node[needed];
            depthStack = new int[needed];
        }
        return nodeStack;
    }

    /**
     * The levels of a topic name, from a small direct-mapped cache: publishers mostly repeat their
     * topics, and a cached split saves the substrings and, since cached level strings keep their
     * hash codes, rehashing each level for every lookup in the trie.
     */
    private String[] levelsOf(String topic) {
        if (topic.length() > CACHED_TOPIC_CHARS) {
            return io.cairn.topic.Topics.levels(topic);
        }
        int slot = topic.hashCode() & (CACHE_SLOTS - 1);
        String cached = cachedTopics[slot];
        if (cached != null && cached.equals(topic)) {
            return cachedLevels[slot];
        }
        String[] levels = io.cairn.topic.Topics.levels(topic);
        cachedTopics[slot] = topic;
        cachedLevels[slot] = levels;
        return levels;
    }

    private static <V> void emit(Node<V> node, Visitor<V> visitor) {
        if (node == null) {
            return;
        }
        for (Map.Entry<String, V> e : node.subscribers.entrySet()) {
            visitor.visit(e.getKey(), node.filter, e.getValue());
        }
    }
}
