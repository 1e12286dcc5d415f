package io.snapferry.stream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Damage on the link that hits one frame every time it passes, for tests: follows the records of
 * a stream as they pass (also records sent again) and flips one bit of the stored payload of frame
 * {@code seq}, at {@code offset}, in its first {@code copies} copies.
 */
public final class FrameDamagingInputStream extends FilterInputStream {
    private final long seq;
    private final int offset;
    private final int copies;
    private final byte[] head = new byte[Wire.FRAME_HEAD];
    private long headerLeft = Wire.HEADER_PREFIX;
    private boolean headerLengthKnown;
    private final byte[] prefix = new byte[Wire.HEADER_PREFIX];
    private int headFill;
    private long recordLeft; // bytes of the current frame body (payload and tail) or trailer still to pass
    private long bodyPos;
    private boolean damaging;
    private int damaged;
    private int seen;

    public FrameDamagingInputStream(InputStream in, long seq, int offset, int copies) {
        super(in);
        this.seq = seq;
        this.offset = offset;
        this.copies = copies;
    }

    /** How many copies of the frame were damaged. */
    public int damaged() {
        return damaged;
    }

    /** How many copies of the frame passed. */
    public int seen() {
        return seen;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        for (int i = 0; i < n; i++) {
            b[off + i] = pass(b[off + i]);
        }
        return n;
    }

    private byte pass(byte v) {
        if (headerLeft > 0) {
            if (!headerLengthKnown) {
                prefix[(int) (Wire.HEADER_PREFIX - headerLeft)] = v;
            }
            headerLeft--;
            if (headerLeft == 0 && !headerLengthKnown) {
                headerLengthKnown = true;
                headerLeft = Wire.getInt(prefix, 10) + Wire.DIGEST;
            }
            return v;
        }
        if (recordLeft > 0) {
            recordLeft--;
            if (damaging && bodyPos++ == offset) {
                damaged++;
                return (byte) (v ^ 0x10);
            }
            return v;
        }
        if (headFill == 0 && (v & 0xff) == Wire.TYPE_TRAILER) {
            recordLeft = Wire.TRAILER_BODY;
            damaging = false;
            return v;
        }
        head[headFill++] = v;
        if (headFill == Wire.FRAME_HEAD) {
            headFill = 0;
            long s = Wire.getLong(head, 2);
            recordLeft = (Wire.getInt(head, 14) & 0xffffffffL) + Wire.FRAME_TAIL;
            bodyPos = 0;
            damaging = s == seq && seen++ < copies;
        }
        return v;
    }
}
