package io.snapferry.stream;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The stream's digest: SHA-256 for plain streams, HMAC-SHA-256 under the per-stream digest key for
 * encrypted ones (so an encrypted stream does not publish hashes of its plaintext). One instance
 * is one running computation; not thread-safe.
 */
abstract class Digests {
    abstract void update(byte[] b, int off, int len);

    /** Writes the 32-byte result to {@code out[off..]} and resets. */
    abstract void finish(byte[] out, int off);

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    static Digests plain() {
        MessageDigest md = sha256();
        return new Digests() {
            @Override
            void update(byte[] b, int off, int len) {
                md.update(b, off, len);
            }

            @Override
            void finish(byte[] out, int off) {
                try {
                    md.digest(out, off, Wire.DIGEST);
                } catch (java.security.DigestException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }

    static Digests keyed(byte[] key) {
        Mac mac = hmac(key);
        return new Digests() {
            @Override
            void update(byte[] b, int off, int len) {
                mac.update(b, off, len);
            }

            @Override
            void finish(byte[] out, int off) {
                try {
                    mac.doFinal(out, off);
                } catch (javax.crypto.ShortBufferException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }

    static Mac hmac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no HmacSHA256", e);
        }
    }

    /** HKDF-SHA-256 (RFC 5869) with a 32-byte output: expand(extract(salt, ikm), info). */
    static byte[] hkdf(byte[] salt, byte[] ikm, String info) {
        byte[] prk = hmac(salt).doFinal(ikm);
        Mac expand = hmac(prk);
        expand.update(info.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        expand.update((byte) 1);
        return expand.doFinal();
    }
}
