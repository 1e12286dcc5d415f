package io.snapferry.daemon.config;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS that trusts exactly one server certificate, named by the SHA-256 of its DER encoding, and
 * nothing else (no CA, no host name check: the pin is the identity).
 */
public final class PinnedTls {
    private PinnedTls() {
    }

    /**
     * @param certificateSha256 the pinned certificate's SHA-256
     * @param pinnedBy          what pins it, for the error message ("the pairing token", "api.json")
     */
    public static SSLContext context(byte[] certificateSha256, String pinnedBy) {
        byte[] want = certificateSha256.clone();
        X509ExtendedTrustManager tm = new X509ExtendedTrustManager() {
            private void check(X509Certificate[] chain) throws CertificateException {
                if (chain == null || chain.length == 0) {
                    throw new CertificateException("the server presented no certificate");
                }
                byte[] got;
                try {
                    got = MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded());
                } catch (GeneralSecurityException e) {
                    throw new CertificateException(e);
                }
                if (!MessageDigest.isEqual(got, want)) {
                    throw new CertificateException("the server's certificate SHA-256 is " + HexFormat.of().formatHex(got)
                            + ", but " + pinnedBy + " pins " + HexFormat.of().formatHex(want));
                }
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
                check(chain);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
                check(chain);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                check(chain);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
                throw new CertificateException("server certificates only");
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
                throw new CertificateException("server certificates only");
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("server certificates only");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {tm}, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
