package io.cairn.robustness;

import io.cairn.test.RawClient;
import io.cairn.test.Replies;
import io.cairn.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.cairn.test.Packets.*;
import static io.cairn.test.RawClient.*;
import static io.cairn.test.Replies.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code [mqtt] max_topic_levels} refuses deeper names and filters with the reason code each version
 * has for an invalid topic, and lets names at the limit through.
 */
class MaxTopicLevelsTest {

    private static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(m -> m.with(b -> b.maxTopicLevels = 4));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void v5_publishDeeperThanTheLimitGetsDisconnect0x90() throws Exception {
        try (RawClient sub = RawClient.connected5(broker.port(), "levels-sub5", true, 0);
             RawClient c = RawClient.connected5(broker.port(), "levels-pub5", true, 0)) {
            sub.send(subscribe5(1, "#", 0));
            assertThat(sub.readUntil(SUBACK).u8(3)).isZero();
            c.send(publish5("a/b/c/d", 0, false, 0, "ok"));
            assertThat(topicOf(sub.readUntil(PUBLISH))).isEqualTo("a/b/c/d");
            c.send(publish5("a/b/c/d/e", 0, false, 0, "deep"));
            Packet d = c.read();
            assertThat(d.type()).isEqualTo(DISCONNECT);
            assertThat(d.u8(0)).isEqualTo(0x90);
            assertThat(c.closedWithin(2000)).isTrue();
            assertThat(sub.silentFor(300)).as("the deep message was not routed").isTrue();
        }
    }

    @Test
    void v311_publishDeeperThanTheLimitClosesTheConnection() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "levels-pub311", true)) {
            c.send(publish311("a/b/c/d/e", 0, false, false, 0, "deep".getBytes(StandardCharsets.UTF_8)));
            assertThat(c.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void v5_subscribeDeeperThanTheLimitGetsSuback0x8F() throws Exception {
        try (RawClient c = RawClient.connected5(broker.port(), "levels-sub5b", true, 0)) {
            c.send(subscribe5(1, "a/+/c/d/e", 0));
            assertThat(Replies.reasonCodes5(c.readUntil(SUBACK))).containsExactly(0x8F);
            c.send(subscribe5(2, "a/+/c/#", 0));
            assertThat(c.readUntil(SUBACK).u8(3)).as("four levels are allowed").isZero();
        }
    }

    @Test
    void v311_subscribeDeeperThanTheLimitGetsSubackFailure() throws Exception {
        try (RawClient c = RawClient.connected311(broker.port(), "levels-sub311", true)) {
            assertThat(c.subscribe311("a/b/c/d/#", 0, 1).u8(2)).isEqualTo(0x80);
        }
    }

    @Test
    void v5_willTopicDeeperThanTheLimitGetsConnack0x90() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            c.send(connect("levels-will").will("w/x/y/z/deep", "bye", 0, false).v5());
            Packet ack = c.read();
            assertThat(ack.type()).isEqualTo(CONNACK);
            assertThat(ack.u8(1)).isEqualTo(0x90);
        }
    }
}
