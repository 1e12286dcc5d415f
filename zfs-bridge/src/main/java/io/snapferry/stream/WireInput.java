package io.snapferry.stream;

import java.io.IOException;
import java.io.InputStream;

/** Exact reads from the wire, counting bytes; a short read is TRUNCATED. Never reads ahead. */
final class WireInput {
    private final InputStream in;
    private long count;

    WireInput(InputStream in) {
        this.in = in;
    }

    long count() {
        return count;
    }

    /** Reads exactly {@code len} bytes or throws TRUNCATED naming {@code what}. */
    void readFully(byte[] b, int off, int len, long frame, String what) throws IOException {
        int n = 0;
        while (n < len) {
            int r = in.read(b, off + n, len - n);
            if (r < 0) {
                count += n;
                throw new StreamCorruptException(StreamCorruptException.Code.TRUNCATED, frame,
                        "the input ended " + n + " bytes into the " + len + "-byte " + what
                                + " (at wire offset " + count + "): the stream is incomplete");
            }
            n += r;
        }
        count += len;
    }

    /** The next byte, or -1 at the end of the input. */
    int readByteOrEnd() throws IOException {
        int b = in.read();
        if (b >= 0) {
            count++;
        }
        return b;
    }

    void close() throws IOException {
        in.close();
    }
}
