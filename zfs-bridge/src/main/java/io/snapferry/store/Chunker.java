package io.snapferry.store;

import java.util.SplittableRandom;

/**
 * Content-defined chunking with FastCDC's normalised gear hash: a cut point depends only on the
 * bytes just before it, so inserting or deleting bytes moves the cut points near the edit and
 * leaves the later ones (and so the later chunks' hashes) where they were.
 *
 * <p>No cut is made before {@code min} bytes; between {@code min} and {@code avg} a harder mask
 * (two more bits) is used, after {@code avg} an easier one (two fewer bits), and a chunk never
 * exceeds {@code max}. Stateless and thread-safe.
 */
final class Chunker {
    private static final long[] GEAR = new long[256];

    static {
        SplittableRandom r = new SplittableRandom(0x5eedc0deL);
        for (int i = 0; i < 256; i++) {
            GEAR[i] = r.nextLong();
        }
    }

    private final int min;
    private final int avg;
    private final int max;
    private final long maskHard;
    private final long maskEasy;

    /** @param avg a power of two; {@code 64 <= min < avg < max} */
    Chunker(int min, int avg, int max) {
        if (Integer.bitCount(avg) != 1 || min < 64 || min >= avg || avg >= max) {
            throw new IllegalArgumentException("chunk sizes must satisfy 64 <= min < avg < max with avg a power of two: "
                    + min + "/" + avg + "/" + max);
        }
        this.min = min;
        this.avg = avg;
        this.max = max;
        int bits = Integer.numberOfTrailingZeros(avg);
        this.maskHard = spreadMask(bits + 2);
        this.maskEasy = spreadMask(bits - 2);
    }

    /** The default sizing: 256 KiB / 1 MiB / 4 MiB. */
    static Chunker standard() {
        return new Chunker(256 * 1024, 1 << 20, 4 << 20);
    }

    int max() {
        return max;
    }

    /** A mask with {@code bits} one-bits spread over the top 48 bits of the hash (as FastCDC does). */
    private static long spreadMask(int bits) {
        long mask = 0;
        int step = 48 / bits;
        for (int i = 0; i < bits; i++) {
            mask |= 1L << (63 - i * step);
        }
        return mask;
    }

    /**
     * The length of the chunk that starts at {@code off}. {@code len} is what is available; unless
     * {@code eof}, callers must supply at least {@link #max()} bytes when they have them.
     */
    int cut(byte[] buf, int off, int len) {
        if (len <= min) {
            return len;
        }
        int end = Math.min(len, max);
        int normal = Math.min(end, avg);
        long fp = 0;
        int i = min;
        for (; i < normal; i++) {
            fp = (fp << 1) + GEAR[buf[off + i] & 0xff];
            if ((fp & maskHard) == 0) {
                return i + 1;
            }
        }
        for (; i < end; i++) {
            fp = (fp << 1) + GEAR[buf[off + i] & 0xff];
            if ((fp & maskEasy) == 0) {
                return i + 1;
            }
        }
        return end;
    }
}
