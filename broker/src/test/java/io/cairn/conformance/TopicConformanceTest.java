package io.cairn.conformance;

import io.cairn.test.OneBrokerPerClass;
import io.cairn.test.RawClient;
import io.cairn.test.RawClient.Packet;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Topic names and filters over the wire (checklist section 10). Non-delivery is checked against a
 * marker published right after: the marker must be the subscriber's next packet.
 */
class TopicConformanceTest extends OneBrokerPerClass {

    /** Publishes each topic (QoS 0) and then a marker; returns the topics the subscriber got before the marker. */
    private static java.util.List<String> deliveredBeforeMarker(RawClient sub, RawClient pub, String marker,
                                                               String... topics) throws Exception {
        sub.subscribe311(marker, 0, 999);
        for (String t : topics) {
            pub.send(publish311(t, 0, false, 0, t));
        }
        pub.send(publish311(marker, 0, false, 0, "marker"));
        java.util.List<String> got = new java.util.ArrayList<>();
        while (true) {
            Packet p = nextPublish(sub);
            if (topicOf(p).equals(marker)) {
                return got;
            }
            got.add(topicOf(p));
        }
    }

    @Test
    void v311_MQTT_4_7_1_1_publishingToAWildcardTopicClosesTheConnection() throws Exception {
        for (String bad : new String[] {"#", "+", "a/#", "a/+/b", "a+b", "a#"}) {
            try (RawClient c = RawClient.connected311(broker.port(), "wild311", true)) {
                c.send(publish311(bad, 0, false, 0, "x"));
                assertThat(c.closedWithin(2000)).as(bad).isTrue();
            }
        }
    }

    @Test
    void v5_MQTT_4_7_0_1_publishingToAWildcardTopicGetsDisconnect0x90() throws Exception {
        assertDisconnects5("wild5a", publish5("sport/+", 1, false, 1, "x"), 0x90);
        assertDisconnects5("wild5b", publish5("#", 0, false, 0, "x"), 0x90);
    }

    @Test
    void v31_S4_7_publishingToAWildcardTopicClosesTheConnection() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect31("wild31", true, 60));
            assertThat(c.read().type()).isEqualTo(CONNACK);
            c.send(publish311("a/#", 1, false, 1, "x"));
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v311_MQTT_3_3_2_2_aWildcardPublishIsNotDeliveredToAnyone() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "wildnd-sub", true)) {
            sub.subscribe311("#", 0, 1);
            try (RawClient c = RawClient.connected311(broker.port(), "wildnd-pub", true)) {
                c.send(publish311("wildnd/+", 0, false, 0, "x"));
                assertThat(c.closedWithin(2000)).isTrue();
            }
            try (RawClient pub = RawClient.connected311(broker.port(), "wildnd-pub2", true)) {
                assertThat(deliveredBeforeMarker(sub, pub, "wildnd-marker")).isEmpty();
            }
        }
    }

    @Test
    void v311_MQTT_4_7_2_1_wildcardsAtTheFirstLevelDoNotMatchDollarTopics() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "dollar-sub", true);
             RawClient sys = RawClient.connected311(broker.port(), "dollar-sys", true);
             RawClient pub = RawClient.connected311(broker.port(), "dollar-pub", true)) {
            sub.subscribe311("#", 0, 1);
            sub.subscribe311("+/x", 0, 2);
            sub.subscribe311("+", 0, 3);
            sys.subscribe311("$cairn/#", 0, 1);
            assertThat(deliveredBeforeMarker(sub, pub, "dollar-marker", "$cairn/x", "$cairn", "$x"))
                    .as("'#', '+/x' and '+' see no '$' topic").isEmpty();
            Packet p = nextPublish(sys);
            assertThat(topicOf(p)).as("a filter starting with '$' does").isEqualTo("$cairn/x");
        }
    }

    @Test
    void v5_MQTT_4_7_2_1_wildcardsAtTheFirstLevelDoNotMatchDollarTopics() throws Exception {
        try (RawClient sub = RawClient.connected5(broker.port(), "dollar5-sub", true, 0);
             RawClient pub = RawClient.connected5(broker.port(), "dollar5-pub", true, 0)) {
            sub.send(subscribe5(1, "#", 0));
            sub.readUntil(SUBACK);
            sub.send(subscribe5(2, "$d5/+", 0));
            sub.readUntil(SUBACK);
            pub.send(publish5("$d5/a", 0, false, 0, "x"));
            Packet p = nextPublish(sub);
            assertThat(topicOf(p)).isEqualTo("$d5/a");
            assertThat(sub.poll(300)).as("only through '$d5/+', not also through '#'").isNull();
        }
    }

    @Test
    void v311_S4_7_matchingIsCaseSensitiveAndEmptyLevelsAreLevels() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "levels-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "levels-pub", true)) {
            sub.subscribe311("Lv/Case", 0, 1);
            sub.subscribe311("lv2//b", 0, 2);
            sub.subscribe311("/lv3/+", 0, 3);
            sub.subscribe311("lv4/+/", 0, 4);
            sub.subscribe311("lv5 sp/x y", 0, 5);
            assertThat(deliveredBeforeMarker(sub, pub, "levels-marker",
                    "lv/case", "Lv/Case", "LV/CASE", "lv2/b", "lv2//b", "lv3/a", "/lv3/a", "/lv3/", "lv4/a",
                    "lv4/a/", "lv4//", "lv5 sp/x y", "lv5sp/xy"))
                    .containsExactly("Lv/Case", "lv2//b", "/lv3/a", "/lv3/", "lv4/a/", "lv4//", "lv5 sp/x y");
        }
    }

    @Test
    void v5_S4_7_multiLevelWildcardAlsoMatchesTheParentLevel() throws Exception {
        try (RawClient sub = RawClient.connected5(broker.port(), "parent5-sub", true, 0);
             RawClient pub = RawClient.connected5(broker.port(), "parent5-pub", true, 0)) {
            sub.send(subscribe5(1, "sport5/#", 0));
            sub.readUntil(SUBACK);
            pub.send(publish5("sport5", 0, false, 0, "parent"));
            pub.send(publish5("sport5/tennis/p1", 0, false, 0, "child"));
            pub.send(publish5("sport5x", 0, false, 0, "no"));
            pub.send(publish5("sport5/", 0, false, 0, "empty child"));
            assertThat(payload5(nextPublish(sub))).isEqualTo("parent");
            assertThat(payload5(nextPublish(sub))).isEqualTo("child");
            assertThat(payload5(nextPublish(sub))).isEqualTo("empty child");
        }
    }

    @Test
    void v311_S4_7_slashAloneIsAValidTopicName() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "slash-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "slash-pub", true)) {
            sub.subscribe311("+/+", 0, 1);
            pub.send(publish311("/", 1, false, 1, "s"));
            assertThat(pub.read().type()).isEqualTo(PUBACK);
            assertThat(topicOf(nextPublish(sub))).isEqualTo("/");
        }
    }

    @Test
    void v311_MQTT_4_7_3_1_anEmptyTopicNameClosesTheConnection() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "emptyname", true)) {
            c.send(publish311("", 0, false, 0, "x"));
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v311_MQTT_4_7_3_2_aNullCharacterInATopicNameClosesTheConnection() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "nullname", true)) {
            c.send(publish311("a\u0000b", 1, false, 1, "x"));
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_MQTT_4_7_3_3_aTopicOf65535BytesIsCarriedWhole() throws Exception {
        // U+00E9 is two UTF-8 bytes: 32767 x 2 + 1 = 65535 bytes
        String longTopic = "\u00e9".repeat(32767) + "z";
        assertThat(longTopic.getBytes(StandardCharsets.UTF_8)).hasSize(65535);
        try (RawClient sub = RawClient.connected5(broker.port(), "long5-sub", true, 0);
             RawClient pub = RawClient.connected5(broker.port(), "long5-pub", true, 0)) {
            sub.send(subscribe5(1, "+", 1));
            sub.readUntil(SUBACK);
            sub.send(subscribe5(2, longTopic, 1));
            assertThat(sub.readUntil(SUBACK).u8(3)).as("a 65535-byte filter is valid").isEqualTo(1);
            pub.send(publish5(longTopic, 1, false, 1, "long"));
            assertThat(pub.read().type()).isEqualTo(PUBACK);
            Packet p = nextPublish(sub);
            assertThat(topicOf(p)).isEqualTo(longTopic);
            assertThat(sub.poll(300)).as("overlapping: one copy").isNull();
        }
    }

    @Test
    void v311_MQTT_4_7_3_4_namesAreNotNormalized() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "norm-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "norm-pub", true)) {
            sub.subscribe311("norm/caf\u00e9", 0, 1); // precomposed
            sub.subscribe311("norm/\uFEFFbom", 0, 2);
            assertThat(deliveredBeforeMarker(sub, pub, "norm-marker",
                    "norm/cafe\u0301", "norm/caf\u00e9", "norm/bom", "norm/\uFEFFbom"))
                    .containsExactly("norm/caf\u00e9", "norm/\uFEFFbom");
        }
    }

    @Test
    void v311_MQTT_3_3_2_3_theDeliveredTopicNameIsExactlyThePublishedOne() throws Exception {
        try (RawClient sub = RawClient.connected311(broker.port(), "exactname-sub", true);
             RawClient pub = RawClient.connected311(broker.port(), "exactname-pub", true)) {
            sub.subscribe311("+/+/#", 0, 1);
            String name = "Ex/\u00c5 \u2603/\uD83D\uDE00//";
            pub.send(publish311(name, 0, false, 0, "x"));
            assertThat(topicOf(nextPublish(sub))).isEqualTo(name);
        }
    }
}
