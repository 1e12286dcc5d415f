package io.snapferry.web.tls;

import io.snapferry.daemon.config.AtomicFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The certificate the web server presents. At first start a self-signed ECDSA P-256 certificate
 * is generated and kept as {@code cert.pem} / {@code key.pem} (mode 0600) in the TLS directory;
 * an operator replaces it by putting their own PEM files there. Its SHA-256 fingerprint is what a
 * pairing box pins.
 */
public final class BoxCertificate {
    private final X509Certificate certificate;
    private final PrivateKey key;

    private BoxCertificate(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
    }

    /** Loads the certificate from {@code dir}, generating a self-signed one when there is none. */
    public static BoxCertificate loadOrCreate(Path dir) throws IOException {
        Path certFile = dir.resolve("cert.pem");
        Path keyFile = dir.resolve("key.pem");
        if (!Files.exists(certFile) || !Files.exists(keyFile)) {
            BoxCertificate fresh = generate();
            AtomicFiles.write(keyFile, pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(fresh.key, null)),
                    AtomicFiles.OWNER_ONLY);
            AtomicFiles.write(certFile, pem(fresh.certificate));
            return fresh;
        }
        return load(certFile, keyFile);
    }

    static BoxCertificate load(Path certFile, Path keyFile) throws IOException {
        try (PEMParser certs = new PEMParser(new StringReader(Files.readString(certFile)));
             PEMParser keys = new PEMParser(new StringReader(Files.readString(keyFile)))) {
            Object c = certs.readObject();
            if (!(c instanceof org.bouncycastle.cert.X509CertificateHolder holder)) {
                throw new IOException(certFile + " does not hold a PEM certificate");
            }
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(holder);
            Object k = keys.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            PrivateKey pk;
            if (k instanceof PEMKeyPair kp) {
                pk = conv.getPrivateKey(kp.getPrivateKeyInfo());
            } else if (k instanceof PrivateKeyInfo info) {
                pk = conv.getPrivateKey(info);
            } else {
                throw new IOException(keyFile + " does not hold an unencrypted PEM private key");
            }
            return new BoxCertificate(cert, pk);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the TLS certificate in " + certFile.getParent() + ": " + e.getMessage(), e);
        }
    }

    static BoxCertificate generate() throws IOException {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair kp = g.generateKeyPair();
            String host = hostname();
            X500Name subject = new X500Name("CN=snapferry " + host.replaceAll("[,=+<>#;\"\\\\]", "_"));
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, new BigInteger(127, new SecureRandom()),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(3650))), subject, kp.getPublic());
            List<GeneralName> sans = new ArrayList<>();
            sans.add(new GeneralName(GeneralName.dNSName, "localhost"));
            if (host.matches("[A-Za-z0-9.-]+")) {
                sans.add(new GeneralName(GeneralName.dNSName, host));
            }
            sans.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
            sans.add(new GeneralName(GeneralName.iPAddress, "::1"));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
            return new BoxCertificate(cert, kp.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot generate a TLS certificate: " + e.getMessage(), e);
        }
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static byte[] pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        }
        return w.toString().getBytes(StandardCharsets.US_ASCII);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** SHA-256 of the DER certificate, lower-case hex without separators. */
    public String fingerprint() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An in-memory key store for the web server, with the given password. */
    public KeyStore keyStore(char[] password) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("snapferry", key, password, new java.security.cert.Certificate[] {certificate});
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
