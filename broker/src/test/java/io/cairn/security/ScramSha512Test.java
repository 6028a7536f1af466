package io.cairn.security;

import io.cairn.security.EnhancedAuthenticator.Challenge;
import io.cairn.security.EnhancedAuthenticator.Conversation;
import io.cairn.security.EnhancedAuthenticator.Failure;
import io.cairn.security.EnhancedAuthenticator.Step;
import io.cairn.security.EnhancedAuthenticator.Success;
import io.cairn.test.ScramClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker's side of SCRAM-SHA-512 against a client written from the RFC with the JDK
 * ({@link ScramClient}): the right password is proven both ways, a wrong one, an unknown user and a
 * {@code $6$} entry are refused only at the proof, malformed messages are refused at once.
 */
class ScramSha512Test {

    private static final PasswordHash ALICE = PasswordHash.create(utf8("alice-pw"));
    private static final PasswordHash SIX = PasswordHash.parse("$6$" + b64(new byte[12]) + "$" + b64(new byte[64]));
    private final ScramSha512 scram = new ScramSha512(Map.of("alice", ALICE, "a,=b", ALICE, "old", SIX)::get);

    @Test
    void theRightPasswordSucceedsAndTheServerSignatureProvesTheBrokerKnowsTheHash() {
        ScramClient client = new ScramClient("alice", "alice-pw");
        Conversation c = scram.begin("c1");
        Step first = c.start(client.clientFirst());
        assertThat(first).isInstanceOf(Challenge.class);
        String serverFirst = new String(((Challenge) first).data(), StandardCharsets.UTF_8);
        assertThat(serverFirst).contains(",s=" + b64(ALICE.salt()) + ",i=101");
        Step last = c.next(client.clientFinal(((Challenge) first).data()));
        assertThat(last).isInstanceOf(Success.class);
        assertThat(((Success) last).username()).isEqualTo("alice");
        assertThat(client.verifyServerFinal(((Success) last).data())).isTrue();
    }

    @Test
    void aUserNameWithCommaAndEqualsSignIsDecoded() {
        assertThat(run("a,=b", "alice-pw")).isInstanceOf(Success.class);
        assertThat(((Success) run("a,=b", "alice-pw")).username()).isEqualTo("a,=b");
    }

    @Test
    void aWrongPasswordIsBadCredentials() {
        Step last = run("alice", "alice-pW");
        assertThat(last).isEqualTo(new Failure(Authenticator.Verdict.BAD_CREDENTIALS, "bad user name or password", "alice"));
    }

    @Test
    void anUnknownUserGetsASaltLikeAnyUserAndIsRefusedAtTheProof() {
        Conversation c = scram.begin("c2");
        ScramClient client = new ScramClient("mallory", "x");
        Step first = c.start(client.clientFirst());
        assertThat(first).isInstanceOf(Challenge.class);
        String salt1 = saltOf((Challenge) first);
        assertThat(salt1).as("the same made-up salt each time, as a real user's")
                .isEqualTo(saltOf((Challenge) scram.begin("c3").start(new ScramClient("mallory", "y").clientFirst())));
        assertThat(c.next(client.clientFinal(((Challenge) first).data()))).isInstanceOf(Failure.class);
    }

    @Test
    void aSha512EntryCannotDoScramAndIsRefused() {
        Step last = run("old", "whatever");
        assertThat(last).isInstanceOf(Failure.class);
        assertThat(((Failure) last).verdict()).isEqualTo(Authenticator.Verdict.BAD_CREDENTIALS);
    }

    @Test
    void malformedMessagesAreRefusedAtOnce() {
        for (String bad : new String[] {"p=tls-unique,,n=alice,r=abc", "n,a=bob,n=alice,r=abc", "n,,r=abc,n=alice",
                "n,,n=al=ice,r=abc", "n,,n=alice,r=a b", "x,,n=alice,r=abc"}) {
            Step s = scram.begin("c").start(utf8(bad));
            assertThat(s).as(bad).isInstanceOf(Failure.class);
            assertThat(((Failure) s).verdict()).isEqualTo(Authenticator.Verdict.NOT_AUTHORIZED);
        }
        assertThat(scram.begin("c").start(null)).isInstanceOf(Failure.class);
        assertThat(scram.begin("c").next(utf8("c=biws,r=x,p=AAAA"))).as("final before first").isInstanceOf(Failure.class);
    }

    @Test
    void aClientFinalWithAnotherNonceOrBindingIsRefused() {
        ScramClient client = new ScramClient("alice", "alice-pw");
        Conversation c = scram.begin("c4");
        Challenge first = (Challenge) c.start(client.clientFirst());
        String fin = new String(client.clientFinal(first.data()), StandardCharsets.UTF_8);
        assertThat(c.next(utf8(fin.replace("c=biws", "c=eSws")))).isInstanceOf(Failure.class);
        Conversation c2 = scram.begin("c5");
        ScramClient client2 = new ScramClient("alice", "alice-pw");
        Challenge first2 = (Challenge) c2.start(client2.clientFirst());
        String fin2 = new String(client2.clientFinal(first2.data()), StandardCharsets.UTF_8);
        assertThat(c2.next(utf8(fin2.replaceFirst(",r=([^,]*)", ",r=$1x")))).isInstanceOf(Failure.class);
        assertThat(c2.next(utf8(fin2))).as("one exchange, one final").isInstanceOf(Failure.class);
    }

    private Step run(String user, String password) {
        ScramClient client = new ScramClient(user, password);
        Conversation c = scram.begin("c");
        Challenge first = (Challenge) c.start(client.clientFirst());
        return c.next(client.clientFinal(first.data()));
    }

    private static String saltOf(Challenge c) {
        String s = new String(c.data(), StandardCharsets.UTF_8);
        return s.substring(s.indexOf(",s=") + 3, s.indexOf(",i="));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }
}
