package io.cairn.security;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Password files in Mosquitto's format: both hash types, files from the real mosquitto_passwd, errors. */
class PasswordFileTest {

    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void pbkdf2OverHmacGivesWhatTheJdksSecretKeyFactoryGives() throws Exception {
        byte[] salt = b("0123456789ab");
        for (String password : new String[] {"secret", "pässwörd", "x".repeat(200)}) {
            byte[] expected = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512")
                    .generateSecret(new PBEKeySpec(password.toCharArray(), salt, 101, 512)).getEncoded();
            assertThat(PasswordHash.pbkdf2(b(password), salt, 101)).isEqualTo(expected);
        }
    }

    @Test
    void aNewHashIsMosquittos$7$WithATwelveByteSaltAnd101IterationsAndVerifies() {
        PasswordHash h = PasswordHash.create(b("secret"));
        String[] parts = h.encode().split("\\$");
        assertThat(parts[1]).isEqualTo("7");
        assertThat(parts[2]).isEqualTo("101");
        assertThat(Base64.getDecoder().decode(parts[3])).hasSize(12);
        assertThat(Base64.getDecoder().decode(parts[4])).hasSize(64);
        PasswordHash parsed = PasswordHash.parse(h.encode());
        assertThat(parsed.matches(b("secret"))).isTrue();
        assertThat(parsed.matches(b("Secret"))).isFalse();
        assertThat(parsed.matches(new byte[0])).isFalse();
        assertThat(PasswordHash.create(b("secret")).encode()).as("a fresh salt each time").isNotEqualTo(h.encode());
    }

    @Test
    void anEmptyPasswordHashesLikeAnyOther() {
        assertThat(PasswordHash.create(new byte[0]).matches(new byte[0])).isTrue();
        assertThat(PasswordHash.create(new byte[0]).matches(b("x"))).isFalse();
    }

    @Test
    void aHandMade$6$LineIsSha512OfPasswordThenSalt() throws Exception {
        byte[] salt = b("saltsaltsalt");
        MessageDigest md = MessageDigest.getInstance("SHA-512");
        md.update(b("old-secret"));
        md.update(salt);
        String line = "olduser:$6$" + Base64.getEncoder().encodeToString(salt) + "$"
                + Base64.getEncoder().encodeToString(md.digest());
        Path f = Files.writeString(dir.resolve("passwd"), "# made by hand\n\n" + line + "\n");
        PasswordFile users = PasswordFile.load(f);
        assertThat(users.check("olduser", b("old-secret"))).isTrue();
        assertThat(users.check("olduser", b("old-secreT"))).isFalse();
        assertThat(users.check("nobody", b("old-secret"))).isFalse();
    }

    @Test
    void filesWrittenByTheRealMosquittoPasswdWorkUnchanged() throws Exception {
        Assumptions.assumeTrue(SecurityFiles.onPath("mosquitto_passwd"), "mosquitto_passwd is not installed");
        Path f = dir.resolve("passwd");
        SecurityFiles.mosquittoPasswd(f, "alice", "alice-pw", "-c"); // $7$ by default
        SecurityFiles.mosquittoPasswd(f, "bob", "bob pw with spaces");
        SecurityFiles.mosquittoPasswd(f, "carol", "carol-pw", "-H", "sha512"); // the old $6$
        assertThat(Files.readString(f)).contains("alice:$7$101$").contains("carol:$6$");
        PasswordFile users = PasswordFile.load(f);
        assertThat(users.size()).isEqualTo(3);
        assertThat(users.check("alice", b("alice-pw"))).isTrue();
        assertThat(users.check("alice", b("bob pw with spaces"))).isFalse();
        assertThat(users.check("bob", b("bob pw with spaces"))).isTrue();
        assertThat(users.check("carol", b("carol-pw"))).isTrue();
        assertThat(users.check("carol", b("carol-pX"))).isFalse();
    }

    @Test
    void setUserAddsUpdatesKeepsOtherLinesAndCreatesAnOwnerOnlyFile() throws Exception {
        Path f = dir.resolve("new-passwd");
        PasswordFile.setUser(f, "alice", b("one"));
        assertThat(Files.getPosixFilePermissions(f)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        Files.writeString(f, "# users of the plant\n" + Files.readString(f));
        PasswordFile.setUser(f, "bob", b("two"));
        PasswordFile.setUser(f, "alice", b("three"));
        String text = Files.readString(f);
        assertThat(text).startsWith("# users of the plant\nalice:$7$101$");
        assertThat(text.lines().filter(l -> l.startsWith("alice:"))).hasSize(1);
        PasswordFile users = PasswordFile.load(f);
        assertThat(users.check("alice", b("three"))).isTrue();
        assertThat(users.check("alice", b("one"))).isFalse();
        assertThat(users.check("bob", b("two"))).isTrue();
        assertThatThrownBy(() -> PasswordFile.setUser(f, "a:b", b("x"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBadLineIsReportedWithFileAndLineButNoHash() throws Exception {
        String good = "alice:" + PasswordHash.create(b("x")).encode();
        assertError(good + "\n\nbob\n", ":3: not a 'user:hash' line");
        assertError("# c\n" + good + "\nbob:$5$abc$def\n", ":3: user 'bob': not a $6$ or $7$ password hash");
        assertError("bob:$7$many$c2FsdA==$aGFzaA==\n", ":1: user 'bob': the iteration count of a $7$ hash is not a number");
        assertError("bob:$7$101$c2FsdA==$aGFzaA==\n", ":1: user 'bob': the hash is 4 bytes, SHA-512 gives 64");
        assertError("bob:$6$!!!$aGFzaA==\n", ":1: user 'bob': the salt of the hash is not base64");
        assertError(good + "\n" + good + "\n", ":2: user 'alice' appears a second time");
        assertError("bob:plaintext\n", ":1: user 'bob': not a $6$ or $7$");
    }

    private void assertError(String content, String expected) throws Exception {
        Path f = Files.writeString(dir.resolve("bad"), content);
        assertThatThrownBy(() -> PasswordFile.load(f)).isInstanceOf(SecurityFileException.class)
                .hasMessageStartingWith(f + expected)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("aGFzaA=="));
    }

    @Test
    void anUnknownUserCostsAsMuchHashingAsAWrongPassword() throws Exception {
        Path f = dir.resolve("passwd");
        PasswordFile.setUser(f, "alice", b("secret"));
        PasswordFile users = PasswordFile.load(f);
        for (int i = 0; i < 200; i++) { // warm up both paths
            users.check("alice", b("wrong"));
            users.check("nobody", b("wrong"));
        }
        long known = time(() -> users.check("alice", b("wrong")));
        long unknown = time(() -> users.check("nobody", b("wrong")));
        // both run 101 PBKDF2 rounds; a map miss alone would be a hundred times faster
        assertThat((double) unknown / known).isBetween(0.5, 2.0);
    }

    private static long time(Runnable r) {
        long t0 = System.nanoTime();
        for (int i = 0; i < 300; i++) {
            r.run();
        }
        return System.nanoTime() - t0;
    }
}
