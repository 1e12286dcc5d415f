package io.snapferry.stream;

import java.io.IOException;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A stream that cannot be trusted: malformed, truncated, tampered with, or not readable with the
 * key at hand. Carries a {@link Code} to branch on and, when the problem lies in one frame, that
 * frame's sequence number.
 */
public class StreamCorruptException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What was wrong. */
    public enum Code {
        /** The input ended before the stream did (no valid trailer). */
        TRUNCATED(false),
        /** The magic, a record type or the end marker is not what the format says. */
        BAD_MAGIC(false),
        /** The header names a format version this reader does not know. */
        UNSUPPORTED_VERSION(false),
        /** A declared length is above the format's or the caller's limit; nothing was allocated for it. */
        OVERSIZED(false),
        /** A header field, or a frame's field, holds a value the format does not allow. */
        MALFORMED(false),
        /** A frame's sequence number is not the next one (reordered, duplicated, replayed or missing frame). */
        OUT_OF_ORDER(false),
        /** A frame's CRC-32C over its wire bytes does not match: damaged in transit. */
        CHECKSUM_MISMATCH(true),
        /** A frame's plaintext does not match its SHA-256 (or its keyed digest), or the header's SHA-256 does not match. */
        DIGEST_MISMATCH(true),
        /** A frame failed AES-GCM authentication. */
        DECRYPT_FAILED(true),
        /** A frame did not decompress to exactly its declared length (corrupt data or a decompression bomb). */
        DECOMPRESS_FAILED(true),
        /** The stream is encrypted and no key was given, or a key was given and the stream is not encrypted. */
        ENCRYPTION_MISMATCH(false),
        /** The key given is not the key the stream was encrypted with. */
        FINGERPRINT_MISMATCH(false),
        /** The trailer's frame count, byte count or digest disagrees with the frames read. */
        TRAILER_MISMATCH(false),
        /** Bytes follow the end marker. */
        GARBAGE_AFTER_END(false);

        private final boolean frameLocal;

        Code(boolean frameLocal) {
            this.frameLocal = frameLocal;
        }

        /**
         * True when the problem is confined to one frame's contents while the framing around it is
         * intact, so the same frame sent again could be accepted (see {@link FrameDecoder}).
         */
        public boolean frameLocal() {
            return frameLocal;
        }
    }

    private final Code code;
    private final long frame;

    public StreamCorruptException(Code code, String message) {
        this(code, -1, message, null);
    }

    public StreamCorruptException(Code code, long frame, String message) {
        this(code, frame, message, null);
    }

    public StreamCorruptException(Code code, long frame, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.code = Objects.requireNonNull(code, "code");
        this.frame = frame;
    }

    public Code code() {
        return code;
    }

    /** The sequence number of the frame at fault; empty for the header and the trailer. */
    public OptionalLong frame() {
        return frame < 0 ? OptionalLong.empty() : OptionalLong.of(frame);
    }

    @Override
    public String getMessage() {
        return code + (frame >= 0 ? " in frame " + frame : "") + ": " + super.getMessage();
    }
}
