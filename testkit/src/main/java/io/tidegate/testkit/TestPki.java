package io.tidegate.testkit;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made at test time with Bouncy Castle (no private key is committed):
 * issues server and client certificates and writes them as PEM files (PKCS#8 keys), as an
 * operator would with openssl. Not thread-safe.
 */
public final class TestPki {

    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());
    private static final Instant BASE = Instant.now();
    private static final AtomicLong BUMPS = new AtomicLong();

    private final KeyPair caKeys;
    private final X509Certificate ca;
    private final X500Name caName;

    /** A leaf certificate and its key. */
    public record Issued(X509Certificate certificate, PrivateKey key) {
        public BigInteger serial() {
            return certificate.getSerialNumber();
        }
    }

    public TestPki(String name) throws Exception {
        caKeys = ecKeys();
        caName = new X500Name("CN=" + name);
        X509v3CertificateBuilder b = builder(caName, caName, caKeys);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        ca = sign(b, caKeys.getPrivate());
    }

    public X509Certificate ca() {
        return ca;
    }

    /** A server certificate for localhost and 127.0.0.1. */
    public Issued server() throws Exception {
        KeyPair keys = ecKeys();
        X509v3CertificateBuilder b = builder(caName, new X500Name("CN=localhost"), keys);
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        return new Issued(sign(b, caKeys.getPrivate()), keys.getPrivate());
    }

    /** A client certificate with this CN and, when not null, this URI SAN. */
    public Issued client(String cn, String uri) throws Exception {
        KeyPair keys = ecKeys();
        X509v3CertificateBuilder b = builder(caName, new X500Name("CN=" + cn), keys);
        if (uri != null) {
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
        }
        return new Issued(sign(b, caKeys.getPrivate()), keys.getPrivate());
    }

    /** Writes the CA certificate as PEM. */
    public Path writeCa(Path file) throws IOException {
        Files.writeString(file, pem(ca));
        return file;
    }

    /** Writes the certificate chain (leaf, CA) and the PKCS#8 key, with a modification time later than before. */
    public void write(Issued issued, Path chain, Path key) throws IOException {
        replace(chain, pem(issued.certificate()) + pem(ca));
        replace(key, pkcs8(issued.key()));
    }

    /**
     * Replaces a file as rotation tools do (write aside, then rename over it), with a modification
     * time later than any before, so a watcher sees one change even within one clock tick.
     */
    public static void replace(Path file, String content) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".new");
        Files.writeString(aside, content);
        bump(aside);
        Files.move(aside, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public static void bump(Path file) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(BASE.plusSeconds(BUMPS.incrementAndGet())));
    }

    public static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(new JcaMiscPEMGenerator(object));
        }
        return out.toString();
    }

    public static String pkcs8(PrivateKey key) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(new JcaPKCS8Generator(key, null));
        }
        return out.toString();
    }

    private static KeyPair ecKeys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        return g.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIALS.incrementAndGet()),
                Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(1, ChronoUnit.DAYS)), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey caKey) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey)));
    }
}
