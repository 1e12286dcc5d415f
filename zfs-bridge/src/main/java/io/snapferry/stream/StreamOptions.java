package io.snapferry.stream;

import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link StreamWriter} frames its payload.
 *
 * @param compression  per-frame compression
 * @param level        the zstd level (1 to 19; 1 is the default and keeps up with a disk, 3 packs
 *                     ~10% tighter at about 60% of the speed); ignored for other compressions
 * @param key          when present, frames are encrypted with AES-256-GCM under this key
 * @param frameSize    the plaintext bytes per frame: 4 KiB to {@link #MAX_FRAME_SIZE}; 1 MiB by default
 * @param listener     told about every frame written (progress); {@link FrameListener#NONE} by default
 */
public record StreamOptions(Compression compression, int level, Optional<StreamKey> key, int frameSize,
                            FrameListener listener) {
    /** The default plaintext bytes per frame. */
    public static final int DEFAULT_FRAME_SIZE = 1 << 20;
    /** The format's hard cap on a frame's plaintext; readers refuse anything larger. */
    public static final int MAX_FRAME_SIZE = 8 << 20;
    /** The smallest frame size a writer may choose. */
    public static final int MIN_FRAME_SIZE = 4 << 10;

    public StreamOptions {
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(listener, "listener");
        if (level < 1 || level > 19) {
            throw new IllegalArgumentException("zstd level " + level + " is outside 1..19");
        }
        if (frameSize < MIN_FRAME_SIZE || frameSize > MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("frame size " + frameSize + " is outside " + MIN_FRAME_SIZE + ".." + MAX_FRAME_SIZE + " bytes");
        }
    }

    /** No compression, no encryption, 1 MiB frames. */
    public static StreamOptions defaults() {
        return new StreamOptions(Compression.NONE, 1, Optional.empty(), DEFAULT_FRAME_SIZE, FrameListener.NONE);
    }

    public StreamOptions withCompression(Compression c) {
        return new StreamOptions(c, level, key, frameSize, listener);
    }

    public StreamOptions withLevel(int zstdLevel) {
        return new StreamOptions(compression, zstdLevel, key, frameSize, listener);
    }

    public StreamOptions withKey(StreamKey k) {
        return new StreamOptions(compression, level, Optional.of(k), frameSize, listener);
    }

    public StreamOptions withFrameSize(int bytes) {
        return new StreamOptions(compression, level, key, bytes, listener);
    }

    public StreamOptions withListener(FrameListener l) {
        return new StreamOptions(compression, level, key, frameSize, l);
    }

    public Encryption encryption() {
        return key.isPresent() ? Encryption.AES_256_GCM : Encryption.NONE;
    }
}
