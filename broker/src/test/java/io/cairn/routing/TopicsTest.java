package io.cairn.routing;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Topic name and filter rules, and the trie agreeing with the reference matcher. */
class TopicsTest {

    @Test
    void filterValidity() {
        assertThat(List.of("#", "+", "a/#", "a/+/b", "+/+", "/", "a//b", "+/#", "sport/tennis/#"))
                .allMatch(Topics::isValidFilter);
        assertThat(List.of("", "a#", "a/#/b", "a+", "+a", "#/a", "a/b#", "a\u0000b")).noneMatch(Topics::isValidFilter);
    }

    @Test
    void nameValidity() {
        assertThat(List.of("a", "/", "a/b c", "\uFEFFx", "$SYS/x")).allMatch(Topics::isValidName);
        assertThat(List.of("", "a/+", "#", "a\u0000", "x".repeat(65536))).noneMatch(Topics::isValidName);
    }

    @Test
    void matching() {
        assertThat(Topics.matches("sport/#", "sport")).isTrue();
        assertThat(Topics.matches("sport/+", "sport")).isFalse();
        assertThat(Topics.matches("sport/+", "sport/")).isTrue();
        assertThat(Topics.matches("+/+", "/finance")).isTrue();
        assertThat(Topics.matches("/+", "/finance")).isTrue();
        assertThat(Topics.matches("+", "/finance")).isFalse();
        assertThat(Topics.matches("#", "$SYS/x")).isFalse();
        assertThat(Topics.matches("+/x", "$SYS/x")).isFalse();
        assertThat(Topics.matches("$SYS/#", "$SYS/x")).isTrue();
        assertThat(Topics.matches("A/b", "a/b")).as("case-sensitive").isFalse();
        assertThat(Topics.matches("a//b", "a//b")).isTrue();
        assertThat(Topics.matches("a/+/b", "a//b")).isTrue();
    }

    @Test
    void theTrieAgreesWithTheMatcherOnRandomFiltersAndTopics() {
        Random r = new Random(11);
        String[] words = {"a", "b", "c", "", "$x"};
        SubscriptionIndex<Integer> index = new SubscriptionIndex<>();
        List<String> filters = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            StringBuilder f = new StringBuilder();
            int levels = 1 + r.nextInt(4);
            for (int l = 0; l < levels; l++) {
                if (l > 0) {
                    f.append('/');
                }
                int k = r.nextInt(8);
                f.append(k == 0 ? "+" : k == 1 && l == levels - 1 ? "#" : words[r.nextInt(words.length)]);
            }
            if (Topics.isValidFilter(f.toString())) {
                filters.add("c" + i + " " + f);
                index.put("c" + i, f.toString(), i);
            }
        }
        for (int t = 0; t < 2000; t++) {
            StringBuilder topic = new StringBuilder();
            int levels = 1 + r.nextInt(4);
            for (int l = 0; l < levels; l++) {
                if (l > 0) {
                    topic.append('/');
                }
                topic.append(words[r.nextInt(words.length)]);
            }
            if (!Topics.isValidName(topic.toString())) {
                continue;
            }
            List<String> fromTrie = new ArrayList<>();
            index.match(topic.toString(), (c, f, v) -> fromTrie.add(c + " " + f));
            List<String> reference = new ArrayList<>();
            for (String line : filters) {
                String f = line.substring(line.indexOf(' ') + 1);
                if (Topics.matches(f, topic.toString())) {
                    reference.add(line);
                }
            }
            assertThat(fromTrie).as(topic.toString()).containsExactlyInAnyOrderElementsOf(reference);
        }
        int before = index.size();
        assertThat(index.remove("nobody", "a")).isFalse();
        assertThat(index.size()).isEqualTo(before);
    }
}
