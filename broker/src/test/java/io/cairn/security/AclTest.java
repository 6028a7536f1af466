package io.cairn.security;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ACL files in Mosquitto's syntax: the decisions for topics and subscription filters, and parse errors. */
class AclTest {

    @TempDir
    Path dir;

    private Acl acl(String text) throws Exception {
        return Acl.load(Files.writeString(dir.resolve("acl"), text));
    }

    @Test
    void rulesBeforeAnyUserLineAreForAnonymousClientsAndAUserGetsOnlyItsOwn() throws Exception {
        Acl a = acl("""
                # anonymous clients
                topic read public/#

                user alice
                topic readwrite alice/#
                topic write   logs/alice
                topic deny alice/secret
                user bob
                topic bob/#
                topic read with space/#
                """);
        assertThat(a.mayRead("c", null, "public/news")).isTrue();
        assertThat(a.mayWrite("c", null, "public/news")).isFalse();
        assertThat(a.mayRead("c", "alice", "public/news")).as("alice's rules do not include public/#").isFalse();
        assertThat(a.mayRead("c", "alice", "alice/x/y")).isTrue();
        assertThat(a.mayWrite("c", "alice", "alice")).as("a/# matches a").isTrue();
        assertThat(a.mayWrite("c", "alice", "logs/alice")).isTrue();
        assertThat(a.mayRead("c", "alice", "logs/alice")).isFalse();
        assertThat(a.mayRead("c", "alice", "alice/secret")).as("a deny wins over an earlier allow").isFalse();
        assertThat(a.mayWrite("c", "bob", "bob/1")).as("no access word = readwrite").isTrue();
        assertThat(a.mayRead("c", "bob", "bob/1")).isTrue();
        assertThat(a.mayRead("c", "bob", "with space/x")).as("the rest of the line is the topic").isTrue();
        assertThat(a.mayRead("c", "carol", "bob/1")).as("a user without rules matches nothing: denied").isFalse();
    }

    @Test
    void patternsSubstituteClientIdAndUserNameForEveryClient() throws Exception {
        Acl a = acl("""
                pattern readwrite devices/%c/#
                pattern read users/%u/inbox
                """);
        assertThat(a.mayWrite("dev1", null, "devices/dev1/temp")).isTrue();
        assertThat(a.mayWrite("dev1", null, "devices/dev2/temp")).isFalse();
        assertThat(a.mayRead("x", "alice", "users/alice/inbox")).isTrue();
        assertThat(a.mayRead("x", "alice", "users/bob/inbox")).isFalse();
        assertThat(a.mayRead("x", null, "users/%u/inbox")).as("%u does not apply without a user name").isFalse();
        assertThat(a.mayWrite("dev+", null, "devices/dev+/t")).as("a wildcard in the client id is denied").isFalse();
        assertThat(a.mayRead("x", "a#", "users/a#/inbox")).isFalse();
    }

    @Test
    void aSubscriptionIsGrantedWhenAReadRuleCoversTheWholeFilterAndNoDenyCoversIt() throws Exception {
        Acl a = acl("""
                user alice
                topic read sensors/#
                topic read rooms/+/temp
                topic deny sensors/secret/#
                topic write out/#
                """);
        assertThat(a.maySubscribe("c", "alice", "sensors/#")).isTrue();
        assertThat(a.maySubscribe("c", "alice", "sensors/+/x")).isTrue();
        assertThat(a.maySubscribe("c", "alice", "sensors")).isTrue();
        assertThat(a.maySubscribe("c", "alice", "rooms/+/temp")).isTrue();
        assertThat(a.maySubscribe("c", "alice", "rooms/1/temp")).isTrue();
        assertThat(a.maySubscribe("c", "alice", "rooms/#")).as("wider than any read rule").isFalse();
        assertThat(a.maySubscribe("c", "alice", "rooms/+/+")).isFalse();
        assertThat(a.maySubscribe("c", "alice", "#")).isFalse();
        assertThat(a.maySubscribe("c", "alice", "sensors/secret/#")).as("covered by the deny").isFalse();
        assertThat(a.maySubscribe("c", "alice", "sensors/secret/a")).isFalse();
        assertThat(a.maySubscribe("c", "alice", "out/#")).as("write is not read").isFalse();
        // a deny narrower than a granted filter holds at delivery
        assertThat(a.mayRead("c", "alice", "sensors/secret/a")).isFalse();
        assertThat(a.mayRead("c", "alice", "sensors/open/a")).isTrue();
    }

    @Test
    void coversFollowsTheLevels() {
        assertThat(Acl.covers("#", "a/+/b")).isTrue();
        assertThat(Acl.covers("#", "$SYS/x")).isFalse();
        assertThat(Acl.covers("$SYS/#", "$SYS/broker/+")).isTrue();
        assertThat(Acl.covers("a/+", "a/#")).isFalse();
        assertThat(Acl.covers("a/+/#", "a/#")).as("a/# includes a").isFalse();
        assertThat(Acl.covers("a/#", "a")).isTrue();
        assertThat(Acl.covers("a/b", "a/b/c")).isFalse();
        assertThat(Acl.covers("a/b/c", "a/b")).isFalse();
    }

    @Test
    void badLinesAreReportedWithFileAndLine() throws Exception {
        assertError("user alice\ntopic\n", ":2: the rule has no topic");
        assertError("\ntopic read\n", ":2: 'read' needs a topic after it");
        assertError("topic read a/#/b\n", ":1: 'a/#/b' is not a valid topic filter");
        assertError("# ok\nuser\n", ":2: 'user' needs a user name");
        assertError("allow all\n", ":1: 'allow' is not a rule");
        assertError("topic sometimes a/b\n", ":1: 'sometimes' is not an access");
    }

    private void assertError(String content, String expected) throws Exception {
        Path f = Files.writeString(dir.resolve("bad"), content);
        assertThatThrownBy(() -> Acl.load(f)).isInstanceOf(SecurityFileException.class)
                .hasMessageStartingWith(f + expected);
    }
}
