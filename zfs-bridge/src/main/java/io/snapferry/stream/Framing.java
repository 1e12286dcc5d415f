package io.snapferry.stream;

import java.util.Objects;
import java.util.Optional;

/**
 * The framing parameters a stream header announces.
 *
 * @param keyFingerprint the fingerprint of the key the stream was encrypted with (32 hex digits),
 *                       present exactly when {@code encryption} is not NONE
 */
public record Framing(Compression compression, Encryption encryption, int maxFrameSize,
                      Optional<String> keyFingerprint) {
    public Framing {
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(encryption, "encryption");
        Objects.requireNonNull(keyFingerprint, "keyFingerprint");
        if (keyFingerprint.isPresent() != (encryption != Encryption.NONE)) {
            throw new IllegalArgumentException("a key fingerprint goes with encryption and only with it");
        }
    }
}
