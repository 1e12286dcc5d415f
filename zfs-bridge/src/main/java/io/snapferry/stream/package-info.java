/**
 * The snapferry stream format: the framing every send stream travels in between boxes. A
 * {@code zfs send} stream, or the embedded store's record stream, is carried inside unchanged as
 * opaque payload, cut into frames that are each digested (SHA-256), optionally compressed (lz4,
 * zstd) and encrypted (AES-256-GCM), between a header that says what the stream is and a trailer
 * without which no stream counts as complete. The byte layout is specified in
 * {@code docs/stream-format.md}.
 *
 * <p>Writing: {@link io.snapferry.stream.StreamWriter#open} or
 * {@link io.snapferry.stream.StreamWriter#pump}. Reading: {@link io.snapferry.stream.StreamReader#open},
 * an {@code InputStream} of verified plaintext, or {@link io.snapferry.stream.FrameDecoder} for
 * frame-by-frame access with re-sent frames. Frames damaged on the way are asked for again
 * through a {@link io.snapferry.stream.FrameResendChannel} (the receiver's side, given to
 * {@code StreamReader}) and sent again from a {@link io.snapferry.stream.FrameReplayInputStream}
 * (the sender's side). Problems with a stream are
 * {@link io.snapferry.stream.StreamCorruptException}s with a code. Bandwidth limits:
 * {@link io.snapferry.stream.RateLimiter} and {@link io.snapferry.stream.RateLimitedOutputStream}.
 */
package io.snapferry.stream;
