package io.cairn.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files of a TLS listener: a certificate chain, and a private key in PKCS#8
 * ({@code BEGIN PRIVATE KEY}, any algorithm the JDK knows) or PKCS#1 ({@code BEGIN RSA PRIVATE KEY},
 * what {@code openssl genrsa} wrote before OpenSSL 3 and many deployments still carry).
 *
 * <p>PKCS#1 is converted here by wrapping it in a PKCS#8 envelope (a fixed DER prefix around the same
 * bytes), which is all Netty would need BouncyCastle for: the broker's jar stays without 8 MB of
 * cryptography library, and start-up errors name the file. Every failure is an IOException whose
 * message names the file and what was wrong with it. Both the configuration loader (so that
 * {@code check-config} refuses what start-up would) and the listeners read the files through here.
 *
 * <p>Threading: stateless; safe from any thread.
 */
public final class PemFiles {

    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    /** AlgorithmIdentifier { rsaEncryption, NULL }, the fixed part of an RSA PrivateKeyInfo. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
            (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"};

    private PemFiles() {
    }

    private record Block(String label, byte[] der) {}

    /** Every certificate of a PEM file, in file order (leaf first for a chain); at least one. */
    public static X509Certificate[] certificates(Path file) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(file)) {
                if (b.label.equals("CERTIFICATE")) {
                    out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der)));
                }
            }
        } catch (CertificateException e) {
            throw new IOException(file + ": not a valid PEM certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in it");
        }
        return out.toArray(new X509Certificate[0]);
    }

    /** The first private key of a PEM file. */
    public static PrivateKey privateKey(Path file) throws IOException {
        for (Block b : blocks(file)) {
            switch (b.label) {
                case "PRIVATE KEY" -> {
                    return pkcs8(file, b.der);
                }
                case "RSA PRIVATE KEY" -> {
                    return pkcs8(file, rsaPkcs1ToPkcs8(b.der));
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new IOException(file
                        + ": the key is encrypted; give the broker an unencrypted key (openssl pkey -in KEY -out PLAIN)");
                case "EC PRIVATE KEY" -> throw new IOException(file
                        + ": an SEC1 EC key; convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY8)");
                default -> {
                    // other blocks (EC PARAMETERS, certificates in a combined file) are skipped
                }
            }
        }
        throw new IOException(file + ": no PEM private key (-----BEGIN PRIVATE KEY----- or "
                + "-----BEGIN RSA PRIVATE KEY-----) in it");
    }

    /**
     * Fails unless {@code key} is the private half of the leaf certificate: a swapped or stale key
     * file would otherwise only show when every handshake fails.
     */
    public static void checkPair(Path certFile, X509Certificate leaf, Path keyFile, PrivateKey key) throws IOException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null; // no cheap check; the handshake will tell
        };
        if (algorithm == null) {
            return;
        }
        try {
            byte[] probe = "cairn".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another algorithm than the certificate's lands here too
        }
        throw new IOException(keyFile + ": this private key does not belong to the first certificate of " + certFile);
    }

    private static List<Block> blocks(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read: " + e, e);
        }
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": a PEM block " + m.group(1) + " that is not valid base64", e);
            }
        }
        return out;
    }

    private static PrivateKey pkcs8(Path file, byte[] der) throws IOException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm: PKCS#8 names its algorithm inside, the JDK wants it named outside
            }
        }
        throw new IOException(file + ": not a private key the JDK can read (RSA, EC, Ed25519, Ed448)");
    }

    /** PrivateKeyInfo ::= SEQUENCE { INTEGER 0, AlgorithmIdentifier rsaEncryption, OCTET STRING pkcs1 }. */
    static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(RSA_ALGORITHM);
        body.write(0x04);
        body.writeBytes(derLength(pkcs1.length));
        body.writeBytes(pkcs1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        out.writeBytes(derLength(body.size()));
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static byte[] derLength(int length) {
        if (length < 0x80) {
            return new byte[] {(byte) length};
        }
        if (length < 0x100) {
            return new byte[] {(byte) 0x81, (byte) length};
        }
        if (length < 0x10000) {
            return new byte[] {(byte) 0x82, (byte) (length >> 8), (byte) length};
        }
        return new byte[] {(byte) 0x83, (byte) (length >> 16), (byte) (length >> 8), (byte) length};
    }
}
