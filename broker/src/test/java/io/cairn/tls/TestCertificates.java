package io.cairn.tls;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Certificates made at test time with BouncyCastle (no private key lives in the repository): a CA,
 * a server certificate for 127.0.0.1 and localhost (SAN IP and DNS), a client certificate CN=alice
 * signed by the CA, and a client certificate from another CA, written as PEM files into a folder:
 * {@code ca.crt}, {@code server.crt}, {@code server.key} (PKCS#8), {@code server-rsa.key} (PKCS#1),
 * {@code alice.crt}/{@code alice.key}, {@code other-ca.crt}, {@code mallory.crt}/{@code mallory.key}.
 * Also the client-side {@link SSLContext}s that trust the CA, with or without a client certificate.
 *
 * <p>Threading: build and use on the test thread.
 */
public final class TestCertificates {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    final Path dir;
    final Issued ca;
    final Issued otherCa;
    final Issued server;
    final Issued alice;
    final Issued mallory;

    /** A certificate and its key pair. */
    record Issued(X509Certificate cert, KeyPair keys) {}

    private TestCertificates(Path dir) throws Exception {
        this.dir = dir;
        ca = selfSignedCa("Cairn Test CA");
        otherCa = selfSignedCa("Some Other CA");
        server = server(ca);
        alice = client(ca, "alice");
        mallory = client(otherCa, "mallory");
    }

    /** Makes everything and writes the PEM files into {@code dir}. */
    public static TestCertificates writeTo(Path dir) throws Exception {
        TestCertificates c = new TestCertificates(dir);
        writeCert(dir.resolve("ca.crt"), c.ca.cert);
        writeCert(dir.resolve("other-ca.crt"), c.otherCa.cert);
        writeCert(dir.resolve("server.crt"), c.server.cert, c.ca.cert); // a chain: leaf, then CA
        writePkcs8(dir.resolve("server.key"), c.server.keys);
        writePkcs1(dir.resolve("server-rsa.key"), c.server.keys);
        writeCert(dir.resolve("alice.crt"), c.alice.cert);
        writePkcs8(dir.resolve("alice.key"), c.alice.keys);
        writeCert(dir.resolve("mallory.crt"), c.mallory.cert);
        writePkcs8(dir.resolve("mallory.key"), c.mallory.keys);
        return c;
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    /** A fresh server certificate from the same CA (the one a reload picks up). */
    Issued newServer() throws Exception {
        return server(ca);
    }

    /** A server certificate for 127.0.0.1 with an EC P-256 key, from the same CA. */
    Issued ecServer() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair keys = g.generateKeyPair();
        X509v3CertificateBuilder b = builder(issuerName(ca), new X500Name("CN=localhost"), keys, ca.keys);
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
        return new Issued(sign(b, ca.keys), keys);
    }

    /** A client certificate from the CA whose subject has no CN (O=Cairn test only). */
    Issued clientWithoutCn() throws Exception {
        KeyPair keys = rsa();
        X509v3CertificateBuilder b = builder(issuerName(ca), new X500Name("O=Cairn test"), keys, ca.keys);
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        return new Issued(sign(b, ca.keys), keys);
    }

    /** Trusts the test CA; presents no client certificate. */
    SSLContext clientContext() throws Exception {
        return clientContext(null);
    }

    /** Trusts the test CA; presents {@code client} (null: none). */
    SSLContext clientContext(Issued client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (client != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", client.keys.getPrivate(), new char[0], new X509Certificate[] {client.cert});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : new KeyManager[] {alwaysOffer((X509KeyManager) kmf.getKeyManagers()[0])},
                tmf.getTrustManagers(), null);
        return ctx;
    }

    /**
     * The JDK offers a client certificate only when its issuer is among the CAs the server names;
     * to test that the broker refuses a certificate from another CA, the client must offer it anyway.
     */
    private static X509KeyManager alwaysOffer(X509KeyManager keys) {
        return new X509ExtendedKeyManager() {
            public String[] getClientAliases(String type, Principal[] issuers) {
                return new String[] {"client"};
            }

            public String chooseClientAlias(String[] type, Principal[] issuers, Socket socket) {
                return "client";
            }

            public String chooseEngineClientAlias(String[] type, Principal[] issuers, SSLEngine engine) {
                return "client";
            }

            public String[] getServerAliases(String type, Principal[] issuers) {
                return null;
            }

            public String chooseServerAlias(String type, Principal[] issuers, Socket socket) {
                return null;
            }

            public X509Certificate[] getCertificateChain(String alias) {
                return keys.getCertificateChain(alias);
            }

            public PrivateKey getPrivateKey(String alias) {
                return keys.getPrivateKey(alias);
            }
        };
    }

    // ---------------------------------------------------------------- making certificates

    private static Issued selfSignedCa(String name) throws Exception {
        KeyPair keys = rsa();
        X500Name subject = new X500Name("CN=" + name);
        X509v3CertificateBuilder b = builder(subject, subject, keys, keys);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new Issued(sign(b, keys), keys);
    }

    private static Issued server(Issued ca) throws Exception {
        KeyPair keys = rsa();
        X509v3CertificateBuilder b = builder(issuerName(ca), new X500Name("CN=localhost,O=Cairn test"), keys, ca.keys);
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        return new Issued(sign(b, ca.keys), keys);
    }

    private static Issued client(Issued ca, String cn) throws Exception {
        KeyPair keys = rsa();
        X509v3CertificateBuilder b = builder(issuerName(ca), new X500Name("CN=" + cn + ",O=Cairn test"), keys, ca.keys);
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        return new Issued(sign(b, ca.keys), keys);
    }

    private static X500Name issuerName(Issued ca) {
        return X500Name.getInstance(ca.cert.getSubjectX500Principal().getEncoded());
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys, KeyPair issuerKeys)
            throws Exception {
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject,
                keys.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
        b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
        return b;
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuer.getPrivate())));
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    // ---------------------------------------------------------------- PEM

    static void writeCert(Path file, X509Certificate... chain) throws Exception {
        StringBuilder s = new StringBuilder();
        for (X509Certificate c : chain) {
            s.append(pem("CERTIFICATE", c.getEncoded()));
        }
        Files.writeString(file, s, StandardCharsets.US_ASCII);
    }

    /** {@code BEGIN PRIVATE KEY}: the JDK encodes private keys as PKCS#8 already. */
    static void writePkcs8(Path file, KeyPair keys) throws IOException {
        Files.writeString(file, pem("PRIVATE KEY", keys.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
    }

    /** {@code BEGIN RSA PRIVATE KEY}: the RSAPrivateKey structure inside the PKCS#8 envelope. */
    static void writePkcs1(Path file, KeyPair keys) throws IOException {
        ASN1Encodable rsa = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded()).parsePrivateKey();
        Files.writeString(file, pem("RSA PRIVATE KEY", rsa.toASN1Primitive().getEncoded()), StandardCharsets.US_ASCII);
    }

    private static String pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }
}
