package io.snapferry.stream;

/**
 * What a complete stream held.
 *
 * @param frames        the number of frames
 * @param payloadBytes  the plaintext bytes carried
 * @param wireBytes     the bytes of the whole stream on the wire, header and trailer included
 * @param digest        the trailer's stream digest, 64 hex digits (see docs/stream-format.md)
 */
public record StreamSummary(long frames, long payloadBytes, long wireBytes, String digest) {
}
