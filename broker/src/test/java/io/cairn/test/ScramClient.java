package io.cairn.test;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The client side of SCRAM-SHA-512 (RFC 5802 with SHA-512, gs2 header {@code n,,}), written from the
 * RFC with the JDK alone (SaltedPassword from {@code SecretKeyFactory PBKDF2WithHmacSHA512}, not from
 * the broker's code), for tests of the broker's side: {@link #clientFirst}, then {@link #clientFinal}
 * of the server-first message, then {@link #verifyServerFinal}.
 *
 * <p>Threading: one exchange, one test thread.
 */
public final class ScramClient {

    private final String user;
    private final String password;
    private final String clientNonce;
    private String clientFirstBare;
    private String authMessage;
    private byte[] saltedPassword;

    public ScramClient(String user, String password) {
        this.user = user;
        this.password = password;
        byte[] n = new byte[18];
        new SecureRandom().nextBytes(n);
        this.clientNonce = Base64.getEncoder().encodeToString(n);
    }

    public byte[] clientFirst() {
        clientFirstBare = "n=" + user.replace("=", "=3D").replace(",", "=2C") + ",r=" + clientNonce;
        return utf8("n,," + clientFirstBare);
    }

    /** The client-final message for {@code serverFirst} ({@code r=...,s=...,i=...}). */
    public byte[] clientFinal(byte[] serverFirst) {
        String sf = new String(serverFirst, StandardCharsets.UTF_8);
        Map<String, String> attrs = attributes(sf);
        String nonce = attrs.get("r");
        if (!nonce.startsWith(clientNonce) || nonce.length() <= clientNonce.length()) {
            throw new IllegalStateException("the server nonce does not extend the client's: " + sf);
        }
        saltedPassword = pbkdf2(Base64.getDecoder().decode(attrs.get("s")), Integer.parseInt(attrs.get("i")));
        String withoutProof = "c=" + Base64.getEncoder().encodeToString(utf8("n,,")) + ",r=" + nonce;
        authMessage = clientFirstBare + "," + sf + "," + withoutProof;
        byte[] clientKey = hmac(saltedPassword, "Client Key");
        byte[] storedKey = sha512(clientKey);
        byte[] signature = hmac(storedKey, authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ signature[i]);
        }
        return utf8(withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof));
    }

    /** Whether {@code serverFinal} is {@code v=} the server signature: the broker knew the password's hash. */
    public boolean verifyServerFinal(byte[] serverFinal) {
        byte[] expected = hmac(hmac(saltedPassword, "Server Key"), authMessage);
        return MessageDigest.isEqual(serverFinal, utf8("v=" + Base64.getEncoder().encodeToString(expected)));
    }

    private static Map<String, String> attributes(String message) {
        Map<String, String> m = new HashMap<>();
        for (String a : message.split(",")) {
            m.put(a.substring(0, 1), a.substring(2));
        }
        return m;
    }

    private byte[] pbkdf2(byte[] salt, int iterations) {
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512")
                    .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 512)).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA512");
            mac.init(new SecretKeySpec(key, "HmacSHA512"));
            return mac.doFinal(utf8(text));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha512(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-512").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ reading AUTH and CONNACK

    /**
     * The value of property {@code id} of a 5.0 packet whose properties start at {@code offset}
     * (CONNACK 2, AUTH and DISCONNECT 1): the bytes of a string or binary property, null if absent.
     */
    public static byte[] property(RawClient.Packet p, int offset, int id) {
        Object v = Replies.properties5(p, offset).get(id);
        return v == null ? null : v instanceof byte[] bytes ? bytes : utf8(v.toString());
    }

    /** {@link #property} as a UTF-8 string. */
    public static String stringProperty(RawClient.Packet p, int offset, int id) {
        byte[] v = property(p, offset, id);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }
}
