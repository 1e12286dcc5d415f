package io.snapferry.stream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * An {@link InputStream} that hands bytes out no faster than a {@link RateLimiter} allows: each
 * read is capped at the limiter's burst and paid for after it returns. Closing it closes the
 * wrapped stream. Not thread-safe itself (the limiter is).
 */
public final class RateLimitedInputStream extends FilterInputStream {
    private final RateLimiter limiter;
    private final int chunk;

    public RateLimitedInputStream(InputStream in, RateLimiter limiter) {
        super(Objects.requireNonNull(in, "in"));
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.chunk = (int) Math.min(limiter.burstBytes(), 1 << 20);
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            limiter.acquire(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, Math.min(len, chunk));
        if (n > 0) {
            limiter.acquire(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long s = in.skip(Math.min(n, chunk));
        if (s > 0) {
            limiter.acquire(s);
        }
        return s;
    }
}
