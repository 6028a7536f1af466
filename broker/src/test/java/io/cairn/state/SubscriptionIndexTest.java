package io.cairn.state;

import io.cairn.topic.Topics;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The subscription trie: agrees with {@link Topics#matches}, and keeps put/remove/size straight. */
class SubscriptionIndexTest {

    private static final String[] WORDS = {"a", "b", "c", "", "$x", "A", "a b", "\uFEFF"};

    private static String randomFilter(Random r) {
        StringBuilder f = new StringBuilder();
        int levels = 1 + r.nextInt(5);
        for (int l = 0; l < levels; l++) {
            if (l > 0) {
                f.append('/');
            }
            int k = r.nextInt(8);
            f.append(k == 0 ? "+" : k == 1 && l == levels - 1 ? "#" : WORDS[r.nextInt(WORDS.length)]);
        }
        return f.toString();
    }

    private static String randomTopic(Random r) {
        StringBuilder t = new StringBuilder();
        int levels = 1 + r.nextInt(5);
        for (int l = 0; l < levels; l++) {
            if (l > 0) {
                t.append('/');
            }
            t.append(WORDS[r.nextInt(WORDS.length)]);
        }
        return t.toString();
    }

    private static List<String> fromTrie(SubscriptionIndex<Integer> index, String topic) {
        List<String> out = new ArrayList<>();
        index.match(topic, (c, f, v) -> out.add(c + " " + f + " " + v));
        return out;
    }

    private static List<String> reference(Map<String, Map<String, Integer>> subs, String topic) {
        List<String> out = new ArrayList<>();
        subs.forEach((client, filters) -> filters.forEach((f, v) -> {
            if (Topics.matches(f, topic)) {
                out.add(client + " " + f + " " + v);
            }
        }));
        return out;
    }

    @Test
    void theTrieAgreesWithTheMatcherOnRandomFiltersAndTopics() {
        Random r = new Random(20240611);
        SubscriptionIndex<Integer> index = new SubscriptionIndex<>();
        Map<String, Map<String, Integer>> subs = new HashMap<>();
        int valid = 0;
        for (int i = 0; i < 3000; i++) {
            String filter = randomFilter(r);
            if (!Topics.isValidFilter(filter)) {
                continue;
            }
            valid++;
            String client = "c" + r.nextInt(200); // several filters per client, several clients per filter
            index.put(client, filter, i);
            subs.computeIfAbsent(client, k -> new HashMap<>()).put(filter, i);
        }
        assertThat(valid).isGreaterThan(2000);
        int expectedSize = subs.values().stream().mapToInt(Map::size).sum();
        assertThat(index.size()).isEqualTo(expectedSize);

        int nonEmpty = 0;
        for (int t = 0; t < 3000; t++) {
            String topic = randomTopic(r);
            if (!Topics.isValidName(topic)) {
                continue;
            }
            List<String> expected = reference(subs, topic);
            nonEmpty += expected.isEmpty() ? 0 : 1;
            assertThat(fromTrie(index, topic)).as(topic).containsExactlyInAnyOrderElementsOf(expected);
        }
        assertThat(nonEmpty).as("the comparison exercised real matches").isGreaterThan(1000);

        // remove about half, then compare again: no stale branch may still match
        List<String[]> all = new ArrayList<>();
        subs.forEach((c, fs) -> fs.keySet().forEach(f -> all.add(new String[] {c, f})));
        for (String[] cf : all) {
            if (r.nextBoolean()) {
                assertThat(index.remove(cf[0], cf[1])).isTrue();
                subs.get(cf[0]).remove(cf[1]);
            }
        }
        assertThat(index.size()).isEqualTo(subs.values().stream().mapToInt(Map::size).sum());
        for (int t = 0; t < 2000; t++) {
            String topic = randomTopic(r);
            if (Topics.isValidName(topic)) {
                assertThat(fromTrie(index, topic)).as(topic).containsExactlyInAnyOrderElementsOf(reference(subs, topic));
            }
        }
    }

    @Test
    void putReplacesTheValueOfTheSameClientAndFilter() {
        SubscriptionIndex<Integer> index = new SubscriptionIndex<>();
        index.put("c1", "a/+", 1);
        index.put("c1", "a/+", 2);
        assertThat(index.size()).isEqualTo(1);
        assertThat(fromTrie(index, "a/b")).containsExactly("c1 a/+ 2");
        index.put("c2", "a/+", 3);
        index.put("c1", "a/#", 4);
        assertThat(index.size()).isEqualTo(3);
        assertThat(fromTrie(index, "a/b")).containsExactlyInAnyOrder("c1 a/+ 2", "c2 a/+ 3", "c1 a/# 4");
    }

    @Test
    void aFilterGoingFromOneSubscriberToSeveralAndBackKeepsEachOfThem() {
        SubscriptionIndex<Integer> index = new SubscriptionIndex<>();
        index.put("c1", "s/1", 1);
        assertThat(fromTrie(index, "s/1")).containsExactly("c1 s/1 1");
        index.put("c2", "s/1", 2);
        index.put("c3", "s/1", 3);
        assertThat(index.remove("c1", "s/1")).isTrue();
        assertThat(index.remove("c3", "s/1")).isTrue();
        assertThat(fromTrie(index, "s/1")).containsExactly("c2 s/1 2");
        index.put("c4", "s/1", 4);
        index.put("c2", "s/1", 5);
        assertThat(fromTrie(index, "s/1")).containsExactlyInAnyOrder("c2 s/1 5", "c4 s/1 4");
        assertThat(index.remove("c2", "s/1")).isTrue();
        assertThat(index.remove("c4", "s/1")).isTrue();
        assertThat(index.size()).isZero();
        assertThat(fromTrie(index, "s/1")).isEmpty();
        index.put("c5", "s/1", 6);
        assertThat(fromTrie(index, "s/1")).as("the pruned branch grows again").containsExactly("c5 s/1 6");
    }

    @Test
    void topicsSharingACacheSlotStillMatchTheirOwnSubscriptions() {
        SubscriptionIndex<Integer> index = new SubscriptionIndex<>();
        for (int i = 0; i < 5000; i++) {
            index.put("c" + i, "t/" + i, i);
        }
        for (int round = 0; round < 2; round++) { // the second round reads levels from the cache
            for (int i = 0; i < 5000; i++) {
                assertThat(fromTrie(index, "t/" + i)).containsExactly("c" + i + " t/" + i + " " + i);
            }
        }
    }

    @Test
    void removeTakesOnlyTheExactFilterOfThatClient() {
        SubscriptionIndex<Integer> index = new SubscriptionIndex<>();
        index.put("c1", "a/b", 1);
        index.put("c1", "a/b/c", 2);
        index.put("c2", "a/b", 3);
        assertThat(index.remove("c1", "a/+")).as("wildcards are literal").isFalse();
        assertThat(index.remove("c1", "a")).as("a prefix is not the filter").isFalse();
        assertThat(index.remove("nobody", "a/b")).isFalse();
        assertThat(index.size()).isEqualTo(3);
        assertThat(index.remove("c1", "a/b")).isTrue();
        assertThat(index.remove("c1", "a/b")).as("only once").isFalse();
        assertThat(index.size()).isEqualTo(2);
        assertThat(fromTrie(index, "a/b")).containsExactly("c2 a/b 3");
        assertThat(fromTrie(index, "a/b/c")).containsExactly("c1 a/b/c 2");
        assertThat(index.remove("c1", "a/b/c")).isTrue();
        assertThat(index.remove("c2", "a/b")).isTrue();
        assertThat(index.size()).isZero();
        assertThat(fromTrie(index, "a/b")).isEmpty();
        assertThat(fromTrie(index, "a/b/c")).isEmpty();
        index.put("c3", "a/b", 5); // the pruned trie still works
        assertThat(fromTrie(index, "a/b")).containsExactly("c3 a/b 5");
    }

    @Test
    void matchReportsTheFilterEachSubscriptionWasMadeWith() {
        SubscriptionIndex<Integer> index = new SubscriptionIndex<>();
        index.put("c", "sport/#", 1);
        index.put("c", "#", 2);
        index.put("c", "$SYS/#", 3);
        index.put("c", "+/+", 4);
        assertThat(fromTrie(index, "sport")).containsExactlyInAnyOrder("c sport/# 1", "c # 2");
        assertThat(fromTrie(index, "$SYS/x")).containsExactly("c $SYS/# 3");
        assertThat(fromTrie(index, "/")).containsExactlyInAnyOrder("c # 2", "c +/+ 4");
    }

    /** A client controls topic depth: 100,000 levels must neither overflow the stack nor go quadratic. */
    @Test
    void filtersAndTopicsOfOneHundredThousandLevelsAreMatchedInsertedAndRemovedWithoutRecursion() {
        String deep = String.join("/", java.util.Collections.nCopies(100_000, "a"));
        String deepPlus = String.join("/", java.util.Collections.nCopies(100_000, "+"));
        SubscriptionIndex<Integer> index = new SubscriptionIndex<>();
        index.put("exact", deep, 1);
        index.put("plus", deepPlus, 2);
        index.put("hash", "a/a/#", 3);
        assertThat(fromTrie(index, deep)).containsExactlyInAnyOrder("exact " + deep + " 1",
                "plus " + deepPlus + " 2", "hash a/a/# 3");
        assertThat(fromTrie(index, deep + "/a")).containsExactly("hash a/a/# 3");
        assertThat(index.remove("exact", deep)).isTrue();
        assertThat(index.remove("plus", deepPlus)).isTrue();
        assertThat(index.remove("plus", deepPlus)).isFalse();
        assertThat(index.size()).isEqualTo(1);
        assertThat(fromTrie(index, deep)).containsExactly("hash a/a/# 3");
        assertThat(index.remove("hash", "a/a/#")).isTrue();
        assertThat(fromTrie(index, deep)).isEmpty();
    }
}
