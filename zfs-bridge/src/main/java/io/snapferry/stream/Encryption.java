package io.snapferry.stream;

/** Whether frames are encrypted, and how. */
public enum Encryption {
    NONE(0),
    /** AES-256-GCM with a per-stream key derived from a {@link StreamKey}; see docs/stream-format.md. */
    AES_256_GCM(1);

    private final int wireId;

    Encryption(int wireId) {
        this.wireId = wireId;
    }

    /** The byte that names this encryption on the wire. */
    public int wireId() {
        return wireId;
    }

    static Encryption ofWireId(int id) {
        for (Encryption e : values()) {
            if (e.wireId == id) {
                return e;
            }
        }
        return null;
    }
}
