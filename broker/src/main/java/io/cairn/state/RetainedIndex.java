package io.cairn.state;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The retained messages by topic, as a trie of topic levels, so that a SUBSCRIBE finds the retained
 * messages its filter matches by walking the filter's levels instead of testing every retained topic.
 * '+' follows every child of a level, '#' takes the whole subtree (and the level it follows: "a/#"
 * matches "a"); wildcards at the first level skip topics starting with '$' [MQTT-4.7.2-1]. Walks are
 * loops with an explicit stack: a client controls the depth of its filters.
 *
 * <p>Threading: not thread-safe; owned with its {@link BrokerState}.
 */
final class RetainedIndex {

    private static final class Node {
        final Map<String, Node> children = new HashMap<>(4);
        Message message;

        boolean isEmpty() {
            return message == null && children.isEmpty();
        }
    }

    private final Node root = new Node();

    void put(Message m) {
        Node node = root;
        for (String level : io.cairn.topic.Topics.levels(m.topic())) {
            node = node.children.computeIfAbsent(level, l -> new Node());
        }
        node.message = m;
    }

    void remove(String topic) {
        String[] levels = io.cairn.topic.Topics.levels(topic);
        List<Node> path = new ArrayList<>(levels.length + 1);
        Node node = root;
        path.add(node);
        for (String level : levels) {
            node = node.children.get(level);
            if (node == null) {
                return;
            }
            path.add(node);
        }
        node.message = null;
        for (int depth = levels.length; depth > 0 && path.get(depth).isEmpty(); depth--) {
            path.get(depth - 1).children.remove(levels[depth - 1]);
        }
    }

    /** Calls {@code out} with every retained message whose topic the (valid) filter matches. */
    void match(String filter, Consumer<Message> out) {
        String[] levels = io.cairn.topic.Topics.levels(filter);
        List<Node> nodes = new ArrayList<>();
        List<Integer> depths = new ArrayList<>();
        nodes.add(root);
        depths.add(0);
        while (!nodes.isEmpty()) {
            int last = nodes.size() - 1;
            Node node = nodes.remove(last);
            int depth = depths.remove(last);
            if (depth == levels.length) {
                emit(node, out);
                continue;
            }
            String level = levels[depth];
            if (level.equals("#")) {
                emitSubtree(node, depth == 0, out);
            } else if (level.equals("+")) {
                for (Map.Entry<String, Node> e : node.children.entrySet()) {
                    if (depth > 0 || !e.getKey().startsWith("$")) {
                        nodes.add(e.getValue());
                        depths.add(depth + 1);
                    }
                }
            } else {
                Node child = node.children.get(level);
                if (child != null) {
                    nodes.add(child);
                    depths.add(depth + 1);
                }
            }
        }
    }

    /** '#': the node itself (the parent level, unless at the root) and everything below it. */
    private static void emitSubtree(Node top, boolean atRoot, Consumer<Message> out) {
        List<Node> stack = new ArrayList<>();
        if (!atRoot) {
            emit(top, out);
        }
        for (Map.Entry<String, Node> e : top.children.entrySet()) {
            if (!atRoot || !e.getKey().startsWith("$")) {
                stack.add(e.getValue());
            }
        }
        while (!stack.isEmpty()) {
            Node n = stack.remove(stack.size() - 1);
            emit(n, out);
            stack.addAll(n.children.values());
        }
    }

    private static void emit(Node node, Consumer<Message> out) {
        if (node.message != null) {
            out.accept(node.message);
        }
    }
}
