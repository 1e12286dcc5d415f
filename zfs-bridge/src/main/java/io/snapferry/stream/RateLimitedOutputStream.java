package io.snapferry.stream;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * An {@link OutputStream} that passes bytes on no faster than a {@link RateLimiter} allows,
 * cutting large writes into pieces of at most the limiter's burst. Closing it closes the wrapped
 * stream. Not thread-safe itself (the limiter is, so several of these may share one).
 */
public final class RateLimitedOutputStream extends FilterOutputStream {
    private final RateLimiter limiter;
    private final int chunk;

    public RateLimitedOutputStream(OutputStream out, RateLimiter limiter) {
        super(Objects.requireNonNull(out, "out"));
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.chunk = (int) Math.min(limiter.burstBytes(), 1 << 20);
    }

    @Override
    public void write(int b) throws IOException {
        limiter.acquire(1);
        out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        while (len > 0) {
            int n = Math.min(len, chunk);
            limiter.acquire(n);
            out.write(b, off, n);
            off += n;
            len -= n;
        }
    }
}
