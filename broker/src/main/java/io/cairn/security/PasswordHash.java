package io.cairn.security;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * One password hash in Mosquitto's encoding: {@code $6$<salt>$<hash>} (SHA-512 of password then
 * salt) or {@code $7$<iterations>$<salt>$<hash>} (PBKDF2-HMAC-SHA512, 64-byte hash), base64 with
 * padding. New hashes are {@code $7$} with 101 iterations and a 12-byte random salt, as
 * {@code mosquitto_passwd} 2.0 writes them (SALT_LEN and PW_DEFAULT_ITERATIONS in its
 * password_mosq.h).
 *
 * <p>PBKDF2 is computed here over the JDK's HmacSHA512 rather than with
 * {@code SecretKeyFactory("PBKDF2WithHmacSHA512")}, because the factory takes a {@code char[]}: MQTT
 * passwords are bytes, and bytes that are not UTF-8 would be folded to U+FFFD, so two different
 * passwords could share a hash. The tests check this implementation against the factory.
 *
 * <p>Threading: immutable; safe from any thread.
 */
public final class PasswordHash {

    static final int SALT_LEN = 12;
    static final int DEFAULT_ITERATIONS = 101;
    private static final int HASH_LEN = 64;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int type;
    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    private PasswordHash(int type, int iterations, byte[] salt, byte[] hash) {
        this.type = type;
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /** Parses the part after {@code user:}; throws IllegalArgumentException saying what is wrong. */
    public static PasswordHash parse(String encoded) {
        String[] parts = encoded.split("\\$", -1);
        if (parts.length == 4 && parts[0].isEmpty() && parts[1].equals("6")) {
            return new PasswordHash(6, 1, decode(parts[2], "salt"), hash(decode(parts[3], "hash")));
        }
        if (parts.length == 5 && parts[0].isEmpty() && parts[1].equals("7")) {
            int iterations;
            try {
                iterations = Integer.parseInt(parts[2]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the iteration count of a $7$ hash is not a number");
            }
            if (iterations < 1) {
                throw new IllegalArgumentException("the iteration count of a $7$ hash must be at least 1");
            }
            return new PasswordHash(7, iterations, decode(parts[3], "salt"), hash(decode(parts[4], "hash")));
        }
        throw new IllegalArgumentException("not a $6$ or $7$ password hash (expected user:$7$iterations$salt$hash)");
    }

    private static byte[] decode(String b64, String what) {
        try {
            byte[] bytes = Base64.getDecoder().decode(b64);
            if (bytes.length == 0) {
                throw new IllegalArgumentException("the " + what + " of the hash is empty");
            }
            return bytes;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the " + what + " of the hash is not base64");
        }
    }

    private static byte[] hash(byte[] h) {
        if (h.length != HASH_LEN) {
            throw new IllegalArgumentException("the hash is " + h.length + " bytes, SHA-512 gives 64");
        }
        return h;
    }

    /** A new {@code $7$} hash of {@code password} with a fresh random salt. */
    public static PasswordHash create(byte[] password) {
        byte[] salt = new byte[SALT_LEN];
        RANDOM.nextBytes(salt);
        return new PasswordHash(7, DEFAULT_ITERATIONS, salt, pbkdf2(password, salt, DEFAULT_ITERATIONS));
    }

    /** Whether {@code password} has this hash; the comparison takes the same time wherever they differ. */
    public boolean matches(byte[] password) {
        byte[] computed = type == 6 ? sha512(password, salt) : pbkdf2(password, salt, iterations);
        return MessageDigest.isEqual(computed, hash);
    }

    /**
     * Whether SCRAM can use this hash: a {@code $7$} hash is PBKDF2-HMAC-SHA512(password, salt,
     * iterations), which is SCRAM-SHA-512's SaltedPassword (RFC 5802 section 3, Hi() with SHA-512
     * gives one 64-byte block); a {@code $6$} hash is one salted SHA-512 and cannot serve.
     */
    boolean scramCapable() {
        return type == 7;
    }

    /** The salt SCRAM sends to the client (a copy). */
    byte[] salt() {
        return salt.clone();
    }

    int iterations() {
        return iterations;
    }

    /** SCRAM's SaltedPassword, for a {@link #scramCapable} hash only (a copy). */
    byte[] saltedPassword() {
        if (type != 7) {
            throw new IllegalStateException("a $6$ hash is not a SCRAM SaltedPassword");
        }
        return hash.clone();
    }

    /** Mosquitto's encoding, the part after {@code user:}. */
    public String encode() {
        Base64.Encoder b64 = Base64.getEncoder();
        String tail = b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
        return type == 6 ? "$6$" + tail : "$7$" + iterations + "$" + tail;
    }

    private static byte[] sha512(byte[] password, byte[] salt) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-512");
            md.update(password);
            md.update(salt);
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-512 is missing from this JDK", e);
        }
    }

    /** PBKDF2 (RFC 8018) with HMAC-SHA512 and a 64-byte output: one block. */
    static byte[] pbkdf2(byte[] password, byte[] salt, int iterations) {
        try {
            Mac mac = Mac.getInstance("HmacSHA512");
            // HMAC pads short keys with zeros, so the empty key equals {0}; SecretKeySpec refuses an empty one
            mac.init(new SecretKeySpec(password.length == 0 ? new byte[1] : password, "HmacSHA512"));
            mac.update(salt);
            byte[] u = mac.doFinal(new byte[] {0, 0, 0, 1});
            byte[] t = u.clone();
            for (int i = 1; i < iterations; i++) {
                u = mac.doFinal(u);
                for (int k = 0; k < t.length; k++) {
                    t[k] ^= u[k];
                }
            }
            return t;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA512 is missing from this JDK", e);
        }
    }
}
