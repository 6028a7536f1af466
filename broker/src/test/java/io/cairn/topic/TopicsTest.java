package io.cairn.topic;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Topic name and filter rules (MQTT 3.1.1 / 5.0 section 4.7) of {@link Topics}. */
class TopicsTest {

    @Test
    void levelsAreWhatSplitGivesIncludingEmptyLevels() {
        for (String name : new String[] {"", "/", "a", "a/b", "a//b", "/a/", "//", "sport/tennis/#", "+/+"}) {
            org.assertj.core.api.Assertions.assertThat(Topics.levels(name)).as(name).containsExactly(name.split("/", -1));
        }
    }

    @Test
    void filterValidity() {
        assertThat(List.of("#", "+", "a/#", "a/+/b", "+/+", "/", "a//b", "+/#", "sport/tennis/#", "/#", "+/", "$SYS/#",
                "a b/ c", "//"))
                .allMatch(Topics::isValidFilter);
        assertThat(List.of("", "a#", "a/#/b", "a+", "+a", "#/a", "a/b#", "a\u0000b", "##", "++", "a/++", "#/", "a/#/",
                "a/b+/c"))
                .noneMatch(Topics::isValidFilter);
    }

    @Test
    void nameValidity() {
        assertThat(List.of("a", "/", "//", "a/b c", "\uFEFFx", "$SYS/x", "a//b", " ")).allMatch(Topics::isValidName);
        assertThat(List.of("", "a/+", "#", "+", "a/#", "a+b", "a\u0000", "\u0000")).noneMatch(Topics::isValidName);
    }

    @Test
    void plusMatchesExactlyOneWholeLevel() {
        assertThat(Topics.matches("a/+/c", "a/b/c")).isTrue();
        assertThat(Topics.matches("a/+/c", "a/b/x/c")).as("never two levels").isFalse();
        assertThat(Topics.matches("a/+/c", "a/c")).as("never zero levels").isFalse();
        assertThat(Topics.matches("a/+/c", "a//c")).as("an empty level is a level").isTrue();
        assertThat(Topics.matches("sport/+", "sport")).isFalse();
        assertThat(Topics.matches("sport/+", "sport/")).isTrue();
        assertThat(Topics.matches("+", "finance")).isTrue();
        assertThat(Topics.matches("+", "/finance")).isFalse();
        assertThat(Topics.matches("+/+", "/finance")).isTrue();
        assertThat(Topics.matches("/+", "/finance")).isTrue();
        assertThat(Topics.matches("+/+/+", "a/b")).isFalse();
        assertThat(Topics.matches("+/b", "ab")).isFalse();
        assertThat(Topics.matches("a/+", "a/bc/")).isFalse();
    }

    @Test
    void hashMatchesTheParentAndEveryLevelBelow() {
        assertThat(Topics.matches("sport/#", "sport")).as("\"sport/#\" also matches \"sport\"").isTrue();
        assertThat(Topics.matches("sport/#", "sport/")).isTrue();
        assertThat(Topics.matches("sport/#", "sport/tennis/player1/ranking")).isTrue();
        assertThat(Topics.matches("sport/#", "sports")).isFalse();
        assertThat(Topics.matches("sport/#", "sportx/tennis")).isFalse();
        assertThat(Topics.matches("#", "a/b/c")).isTrue();
        assertThat(Topics.matches("#", "/")).isTrue();
        assertThat(Topics.matches("+/#", "a")).isTrue();
        assertThat(Topics.matches("a/+/#", "a/b")).isTrue();
        assertThat(Topics.matches("a/+/#", "a")).isFalse();
        assertThat(Topics.matches("/#", "/x")).isTrue();
        assertThat(Topics.matches("/#", "x")).isFalse();
    }

    @Test
    void wildcardsAtTheFirstLevelDoNotMatchDollarTopics() {
        assertThat(Topics.matches("#", "$SYS/x")).isFalse();
        assertThat(Topics.matches("+/x", "$SYS/x")).isFalse();
        assertThat(Topics.matches("+", "$SYS")).isFalse();
        assertThat(Topics.matches("+/#", "$SYS/x")).isFalse();
        assertThat(Topics.matches("$SYS/#", "$SYS/x")).isTrue();
        assertThat(Topics.matches("$SYS/+", "$SYS/x")).isTrue();
        assertThat(Topics.matches("$SYS", "$SYS")).isTrue();
        assertThat(Topics.matches("a/#", "a/$x")).as("'$' only matters at the first level").isTrue();
        assertThat(Topics.matches("a/+", "a/$x")).isTrue();
        assertThat(Topics.matches("#", "x$")).isTrue();
    }

    @Test
    void emptyLevelsAreRealLevels() {
        assertThat(Topics.matches("a//b", "a//b")).isTrue();
        assertThat(Topics.matches("a//b", "a/b")).isFalse();
        assertThat(Topics.matches("a/+/b", "a//b")).isTrue();
        assertThat(Topics.matches("/a", "/a")).isTrue();
        assertThat(Topics.matches("/a", "a")).isFalse();
        assertThat(Topics.matches("a/", "a/")).isTrue();
        assertThat(Topics.matches("a/", "a")).isFalse();
        assertThat(Topics.matches("a", "a/")).isFalse();
        assertThat(Topics.matches("/", "/")).isTrue();
        assertThat(Topics.matches("+/+", "/")).isTrue();
        assertThat(Topics.matches("+", "/")).isFalse();
        assertThat(Topics.matches("//", "//")).isTrue();
    }

    @Test
    void matchingIsCaseSensitiveAndExact() {
        assertThat(Topics.matches("A/b", "a/b")).isFalse();
        assertThat(Topics.matches("a/B", "a/b")).isFalse();
        assertThat(Topics.matches("a/b", "a/b")).isTrue();
        assertThat(Topics.matches("a/b ", "a/b")).as("spaces are significant").isFalse();
        assertThat(Topics.matches("a b", "a b")).isTrue();
        // no Unicode normalization [MQTT-4.7.3-4]: precomposed e-acute is not e + combining acute
        assertThat(Topics.matches("caf\u00e9", "cafe\u0301")).isFalse();
        assertThat(Topics.matches("ab", "abc")).isFalse();
        assertThat(Topics.matches("abc", "ab")).isFalse();
    }

    @Test
    void byteOrderMarkIsKeptAndCompared() {
        assertThat(Topics.isValidName("\uFEFFa")).isTrue();
        assertThat(Topics.matches("\uFEFFa", "\uFEFFa")).isTrue();
        assertThat(Topics.matches("a", "\uFEFFa")).as("U+FEFF is not stripped [MQTT-1.5.3-3]").isFalse();
        assertThat(Topics.matches("\uFEFFa", "a")).isFalse();
        assertThat(Topics.matches("+", "\uFEFFa")).isTrue();
    }

    @Test
    void namesAndFiltersAreLimitedTo65535Utf8Bytes() {
        assertThat(Topics.isValidName("x".repeat(65535))).isTrue();
        assertThat(Topics.isValidName("x".repeat(65536))).isFalse();
        assertThat(Topics.isValidFilter("x".repeat(65535))).isTrue();
        assertThat(Topics.isValidFilter("x".repeat(65533) + "/#")).as("65535 bytes with the wildcard").isTrue();
        assertThat(Topics.isValidFilter("x".repeat(65534) + "/#")).isFalse();
        // bytes, not chars: U+30A2 is 3 bytes, 21845 x 3 = 65535
        assertThat(Topics.isValidName("\u30A2".repeat(21845))).isTrue();
        assertThat(Topics.isValidName("\u30A2".repeat(21845) + "x")).isFalse();
        // 2-byte characters: 32767 x 2 + 1 = 65535 ok; 32768 x 2 = 65536 too long
        assertThat(Topics.isValidName("\u00e9".repeat(32767) + "x")).isTrue();
        assertThat(Topics.isValidName("\u00e9".repeat(32768))).isFalse();
        // a supplementary character is 2 chars and 4 bytes: 16383 x 4 + 3 = 65535
        assertThat(Topics.isValidName("\uD83D\uDE00".repeat(16383) + "xyz")).isTrue();
        assertThat(Topics.isValidName("\uD83D\uDE00".repeat(16384))).isFalse();
    }

    @Test
    void tooDeepCountsLevelsAgainstMaxTopicLevels() {
        assertThat(Topics.tooDeep("a/b/c", 3)).isFalse();
        assertThat(Topics.tooDeep("a/b/c/d", 3)).isTrue();
        assertThat(Topics.tooDeep("///", 3)).as("empty levels count").isTrue();
        assertThat(Topics.tooDeep("//", 3)).isFalse();
        assertThat(Topics.tooDeep("a/b/c/d/e/f", 0)).as("0 = no limit").isFalse();
    }
}
