package io.snapferry.stream;

/**
 * Told about each frame as it is written or verified, for live progress. Called on the thread
 * that writes or reads the stream, after the frame has been written (writer) or verified (reader);
 * it must be quick and must not throw.
 */
@FunctionalInterface
public interface FrameListener {
    /** Does nothing. */
    FrameListener NONE = (seq, plaintext, totalPlaintext, totalWire) -> { };

    /**
     * @param seq             the frame's sequence number
     * @param plaintextBytes  the frame's plaintext length
     * @param totalPlaintext  the plaintext bytes so far, this frame included
     * @param totalWire       the wire bytes so far (header included), this frame included
     */
    void onFrame(long seq, int plaintextBytes, long totalPlaintext, long totalWire);
}
