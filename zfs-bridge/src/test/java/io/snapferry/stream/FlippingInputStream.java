package io.snapferry.stream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Damage on the link, for tests: flips one bit of the bytes at the given offsets of what passes
 * through it (counted over everything read, bytes sent again included).
 */
public final class FlippingInputStream extends FilterInputStream {
    private final long[] offsets;
    private long pos;
    private int flipped;

    public FlippingInputStream(InputStream in, long... offsets) {
        super(in);
        this.offsets = offsets.clone();
        Arrays.sort(this.offsets);
    }

    /** How many bytes were flipped so far. */
    public int flipped() {
        return flipped;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        for (int i = flipped; i < offsets.length && n > 0 && offsets[i] < pos + n; i++) {
            if (offsets[i] >= pos) {
                b[off + (int) (offsets[i] - pos)] ^= 0x10;
                flipped++;
            }
        }
        pos += Math.max(n, 0);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[8192];
        long done = 0;
        while (done < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - done));
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }
}
