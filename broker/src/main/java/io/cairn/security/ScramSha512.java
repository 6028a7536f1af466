package io.cairn.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.Function;

/**
 * SCRAM-SHA-512 (RFC 5802, with SHA-512 where RFC 7677 uses SHA-256) as an MQTT 5.0 enhanced
 * authentication method, against the users of the password file. No channel binding: the gs2 header
 * is {@code n,,} (or {@code y,,}); no authorization identity. The password is used as its UTF-8 bytes
 * (no SASLprep), as {@code mosquitto_passwd} and {@code ./cairn passwd} hash it.
 *
 * <p>Only {@code $7$} entries can do SCRAM: their hash is PBKDF2-HMAC-SHA512(password, salt,
 * iterations), which is SCRAM's SaltedPassword, so the broker derives ClientKey, StoredKey and
 * ServerKey from it without knowing the password. A {@code $6$} entry (one salted SHA-512) cannot,
 * and such a user is refused (the log says why). An unknown user, or one with a {@code $6$} entry,
 * still gets a salt (made up, the same each time for the same name) and is refused only at the proof,
 * so the exchange does not tell which user names exist.
 *
 * <p>Threading: the authenticator is safe from any thread (its user lookup reads a volatile
 * reference); an exchange belongs to one connection's event loop. Each step costs a few HMACs.
 */
public final class ScramSha512 implements EnhancedAuthenticator {

    public static final String METHOD = "SCRAM-SHA-512";

    private static final Logger log = LoggerFactory.getLogger(ScramSha512.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NONCE_BYTES = 24;
    private static final int KEY_LEN = 64;

    private final Function<String, PasswordHash> users;
    /** Keys the made-up salts: a fixed salt per name, as a real user has, for this broker's lifetime. */
    private final byte[] fakeSaltKey = new byte[32];

    /** {@code users}: a user's hash, or null when there is no such user. */
    ScramSha512(Function<String, PasswordHash> users) {
        this.users = users;
        RANDOM.nextBytes(fakeSaltKey);
    }

    @Override
    public String method() {
        return METHOD;
    }

    @Override
    public Conversation begin(String clientId) {
        return new Exchange(clientId);
    }

    /** One SCRAM exchange: client-first, server-first, client-final, server-final. */
    private final class Exchange implements Conversation {
        private final String clientId;
        private String gs2Header;
        private String clientFirstBare;
        private String serverFirst;
        private String nonce;
        private String username;
        /** The user's hash; null when the user is unknown or has a $6$ entry (refused at the proof). */
        private PasswordHash hash;
        /** Why the proof will fail whatever it is, for the log; null for a SCRAM-capable user. */
        private String doomed;
        private boolean sixEntry;
        private boolean finished;

        Exchange(String clientId) {
            this.clientId = clientId;
        }

        @Override
        public Step start(byte[] data) {
            if (gs2Header != null || finished) {
                return malformed("client-first message sent twice");
            }
            try {
                return clientFirst(utf8(data));
            } catch (IllegalArgumentException e) {
                return malformed(e.getMessage());
            }
        }

        @Override
        public Step next(byte[] data) {
            if (serverFirst == null || finished) {
                return malformed("client-final message out of order");
            }
            finished = true;
            try {
                return clientFinal(utf8(data));
            } catch (IllegalArgumentException e) {
                return malformed(e.getMessage());
            }
        }

        private Step clientFirst(String m) {
            if (m.startsWith("p=")) {
                throw new IllegalArgumentException("channel binding is not offered");
            }
            int second = m.indexOf(',', 2);
            if (!(m.startsWith("n,") || m.startsWith("y,")) || second < 0) {
                throw new IllegalArgumentException("the gs2 header must be n,, or y,,");
            }
            if (second != 2) {
                throw new IllegalArgumentException("an authorization identity (a=) is not supported");
            }
            gs2Header = m.substring(0, second + 1);
            clientFirstBare = m.substring(second + 1);
            String[] attrs = clientFirstBare.split(",", -1);
            if (attrs.length < 2 || !attrs[0].startsWith("n=") || !attrs[1].startsWith("r=")) {
                throw new IllegalArgumentException("expected n=<user>,r=<nonce>"); // also refuses m= extensions
            }
            username = saslName(attrs[0].substring(2));
            String clientNonce = attrs[1].substring(2);
            checkPrintable(clientNonce);
            nonce = clientNonce + randomNonce();
            serverFirst = serverFirst(users.apply(username));
            return new Challenge(serverFirst.getBytes(StandardCharsets.UTF_8));
        }

        private String serverFirst(PasswordHash h) {
            byte[] salt;
            int iterations;
            if (h != null && h.scramCapable()) {
                hash = h;
                salt = h.salt();
                iterations = h.iterations();
            } else {
                sixEntry = h != null;
                doomed = h == null ? "no such user"
                        : "its password file entry is a $6$ hash, which cannot do SCRAM"
                        + " (set its password again with ./cairn passwd or mosquitto_passwd for a $7$ hash)";
                salt = Arrays.copyOf(hmac(fakeSaltKey, username), PasswordHash.SALT_LEN);
                iterations = PasswordHash.DEFAULT_ITERATIONS;
            }
            return "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(salt) + ",i=" + iterations;
        }

        private Step clientFinal(String m) {
            int p = m.lastIndexOf(",p=");
            if (p < 0) {
                throw new IllegalArgumentException("no proof (p=) in the client-final message");
            }
            String withoutProof = m.substring(0, p);
            byte[] proof = base64(m.substring(p + 3));
            String[] attrs = withoutProof.split(",", -1);
            if (attrs.length < 2 || !attrs[0].startsWith("c=") || !attrs[1].startsWith("r=")) {
                throw new IllegalArgumentException("expected c=<binding>,r=<nonce>,...,p=<proof>");
            }
            if (!MessageDigest.isEqual(base64(attrs[0].substring(2)), gs2Header.getBytes(StandardCharsets.UTF_8))) {
                throw new IllegalArgumentException("the channel binding (c=) is not the gs2 header");
            }
            if (!MessageDigest.isEqual(utf8Bytes(attrs[1].substring(2)), utf8Bytes(nonce))) {
                throw new IllegalArgumentException("the nonce is not the one of this exchange");
            }
            String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
            // an unknown user is checked against a random key: the same work, and it cannot match
            byte[] salted = hash != null ? hash.saltedPassword() : randomKey();
            byte[] storedKey = sha512(hmac(salted, "Client Key"));
            byte[] clientSignature = hmac(storedKey, authMessage);
            boolean proven = proof.length == KEY_LEN
                    && MessageDigest.isEqual(sha512(xor(proof, clientSignature)), storedKey) && hash != null;
            if (!proven) {
                refusedLog(doomed == null ? "wrong proof (wrong password)" : doomed);
                return new Failure(Authenticator.Verdict.BAD_CREDENTIALS, "bad user name or password", username);
            }
            byte[] serverSignature = hmac(hmac(salted, "Server Key"), authMessage);
            return new Success(username, ("v=" + Base64.getEncoder().encodeToString(serverSignature))
                    .getBytes(StandardCharsets.UTF_8));
        }

        private Step malformed(String why) {
            finished = true;
            log.debug("SCRAM-SHA-512 for client '{}' refused: {}", clientId, why);
            return new Failure(Authenticator.Verdict.NOT_AUTHORIZED, "malformed SCRAM-SHA-512 message", username);
        }

        /** A user with a $6$ entry is told of at warn: an operator can fix it; other failures are guesses. */
        private void refusedLog(String why) {
            if (sixEntry) {
                log.warn("SCRAM-SHA-512 for user '{}' (client '{}') refused: {}", username, clientId, doomed);
            } else {
                log.debug("SCRAM-SHA-512 for user '{}' (client '{}') refused: {}", username, clientId, why);
            }
        }
    }

    // ---------------------------------------------------------------- encoding

    /** Strict UTF-8: SCRAM messages are UTF-8 text; anything else is malformed. */
    private static String utf8(byte[] data) {
        if (data == null) {
            throw new IllegalArgumentException("no Authentication Data");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the message is not UTF-8");
        }
    }

    private static byte[] utf8Bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** RFC 5802 saslname: ',' and '=' arrive as =2C and =3D; any other '=' is malformed. */
    static String saslName(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '=') {
                b.append(c);
            } else if (s.startsWith("=2C", i)) {
                b.append(',');
                i += 2;
            } else if (s.startsWith("=3D", i)) {
                b.append('=');
                i += 2;
            } else {
                throw new IllegalArgumentException("a '=' in the user name that is not =2C or =3D");
            }
        }
        if (b.length() == 0) {
            throw new IllegalArgumentException("an empty user name");
        }
        return b.toString();
    }

    /** A nonce is printable ASCII without ',' (RFC 5802 section 7). */
    private static void checkPrintable(String nonce) {
        if (nonce.isEmpty() || nonce.chars().anyMatch(c -> c < 0x21 || c > 0x7E || c == ',')) {
            throw new IllegalArgumentException("the client nonce must be printable ASCII without ','");
        }
    }

    private static byte[] base64(String s) {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a value that is not base64");
        }
    }

    private static String randomNonce() {
        byte[] b = new byte[NONCE_BYTES];
        RANDOM.nextBytes(b);
        return Base64.getEncoder().withoutPadding().encodeToString(b).replace('+', '-').replace('/', '_');
    }

    private static byte[] randomKey() {
        byte[] b = new byte[KEY_LEN];
        RANDOM.nextBytes(b);
        return b;
    }

    // ---------------------------------------------------------------- SCRAM functions

    private static byte[] hmac(byte[] key, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA512");
            mac.init(new SecretKeySpec(key, "HmacSHA512"));
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA512 is missing from this JDK", e);
        }
    }

    private static byte[] sha512(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-512").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-512 is missing from this JDK", e);
        }
    }

    private static byte[] xor(byte[] a, byte[] b) {
        byte[] r = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (byte) (a[i] ^ b[i]);
        }
        return r;
    }
}
