package io.snapferry.stream;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A named 256-bit key for stream encryption. The {@link #fingerprint} (the first 16 bytes of the
 * key's SHA-256, in hex) travels in the stream header so a reader can tell a wrong key from a
 * damaged stream; the key itself never leaves this object except through {@link #bytes()}.
 *
 * <p>{@link #toString()} shows the name and fingerprint, never the key. Instances are immutable
 * (the array is copied in and out).
 *
 * @param name a label for logs and the UI: 1 to 64 of {@code [A-Za-z0-9_.:-]}
 */
public record StreamKey(String name, byte[] key) {
    /** The key length in bytes. */
    public static final int LENGTH = 32;
    /** The number of SHA-256 bytes that make the fingerprint. */
    public static final int FINGERPRINT_BYTES = 16;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

    public StreamKey {
        Objects.requireNonNull(name, "key name");
        Objects.requireNonNull(key, "key");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid key name: use 1 to 64 of letters, digits, '_', '.', ':' and '-'");
        }
        if (key.length != LENGTH) {
            throw new IllegalArgumentException("key '" + name + "' has " + key.length + " bytes; an AES-256 key has exactly " + LENGTH);
        }
        key = key.clone();
    }

    /** A new random key. */
    public static StreamKey generate(String name) {
        byte[] k = new byte[LENGTH];
        new SecureRandom().nextBytes(k);
        return new StreamKey(name, k);
    }

    /** A copy of the key bytes. */
    @Override
    public byte[] key() {
        return key.clone();
    }

    /** The first 16 bytes of SHA-256(key), 32 lower-case hex digits. */
    public String fingerprint() {
        return HexFormat.of().formatHex(fingerprintBytes());
    }

    byte[] fingerprintBytes() {
        return Arrays.copyOf(sha256(key), FINGERPRINT_BYTES);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StreamKey k && k.name.equals(name) && MessageDigest.isEqual(k.key, key);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(key);
    }

    @Override
    public String toString() {
        return "StreamKey[" + name + ", " + fingerprint() + "]";
    }
}
