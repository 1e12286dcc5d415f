package io.snapferry.stream;

import java.io.InterruptedIOException;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A token-bucket bandwidth limit: on average at most {@link #bytesPerSecond()} bytes per second,
 * with bursts of up to {@link #burstBytes()} after idle time.
 *
 * <p>Thread-safe: one limiter may be shared by several streams to cap their sum. {@link #acquire}
 * reserves its bytes at once (the bucket may go into debt) and then waits outside any lock for the
 * debt to be paid back, so concurrent callers queue fairly and no caller sleeps holding the lock.
 */
public final class RateLimiter {
    private static final Pattern SPEC = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?)(?:i?B)?(?:/s)?", Pattern.CASE_INSENSITIVE);
    private static final long NANOS = 1_000_000_000L;

    private final long bytesPerSecond;
    private final long burstBytes;
    private final TimeSource time;
    private long tokens;
    private long last;

    /**
     * @param bytesPerSecond the average rate, at least 1
     * @param burstBytes     the bucket size: the most that passes at once after idle time, at least 1
     */
    public RateLimiter(long bytesPerSecond, long burstBytes, TimeSource time) {
        if (bytesPerSecond < 1) {
            throw new IllegalArgumentException("a bandwidth limit must be at least 1 byte/s, not " + bytesPerSecond);
        }
        if (burstBytes < 1) {
            throw new IllegalArgumentException("the burst must be at least 1 byte, not " + burstBytes);
        }
        this.bytesPerSecond = bytesPerSecond;
        this.burstBytes = burstBytes;
        this.time = Objects.requireNonNull(time, "time");
        this.tokens = burstBytes;
        this.last = time.nanoTime();
    }

    /** A limiter whose burst is a quarter second of traffic (at least 64 KiB). */
    public static RateLimiter of(long bytesPerSecond, TimeSource time) {
        return new RateLimiter(bytesPerSecond, Math.max(64 << 10, bytesPerSecond / 4), time);
    }

    /**
     * Parses a bandwidth such as {@code 800K}, {@code 50M}, {@code 1.5G} (bytes per second; K, M,
     * G, T are powers of 1024; an optional {@code B}/{@code iB} and {@code /s} may follow; no unit
     * means bytes).
     *
     * @throws IllegalArgumentException with what was wrong and an example
     */
    public static long parseBytesPerSecond(String spec) {
        Objects.requireNonNull(spec, "bandwidth");
        Matcher m = SPEC.matcher(spec.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid bandwidth '" + printable(spec)
                    + "': expected a number with an optional unit K, M, G or T (powers of 1024), e.g. 800K, 50M or 1.5G");
        }
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        BigDecimal value = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift));
        if (value.compareTo(BigDecimal.ONE) < 0) {
            throw new IllegalArgumentException("invalid bandwidth '" + printable(spec) + "': it must be at least 1 byte/s");
        }
        if (value.compareTo(BigDecimal.valueOf(1L << 50)) > 0) {
            throw new IllegalArgumentException("invalid bandwidth '" + printable(spec) + "': it is above 1024T per second");
        }
        return value.longValue();
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 40; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }

    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    public long burstBytes() {
        return burstBytes;
    }

    /**
     * Takes {@code bytes} from the bucket, waiting as long as the rate requires. Callers should
     * ask for at most {@link #burstBytes()} at a time so the flow stays smooth
     * ({@link RateLimitedOutputStream} does).
     */
    public void acquire(long bytes) throws InterruptedIOException {
        if (bytes <= 0) {
            return;
        }
        long wait;
        synchronized (this) {
            refill();
            tokens -= bytes;
            wait = tokens >= 0 ? 0 : nanosFor(-tokens);
        }
        if (wait > 0) {
            time.sleepNanos(wait);
        }
    }

    private void refill() {
        long now = time.nanoTime();
        long elapsed = now - last;
        if (elapsed <= 0) {
            return;
        }
        // Earn whole bytes only, and advance the clock by exactly the time they took, so no fraction is lost.
        long earned = multiplyDivide(elapsed, bytesPerSecond, NANOS);
        if (earned == 0) {
            return;
        }
        if (tokens + earned >= burstBytes) {
            tokens = burstBytes;
            last = now;
        } else {
            tokens += earned;
            last += nanosFor(earned);
        }
    }

    /** The time it takes to earn {@code bytes}, rounded up. */
    private long nanosFor(long bytes) {
        return ceilMultiplyDivide(bytes, NANOS, bytesPerSecond);
    }

    private static long multiplyDivide(long a, long b, long c) {
        return java.math.BigInteger.valueOf(a).multiply(java.math.BigInteger.valueOf(b))
                .divide(java.math.BigInteger.valueOf(c)).min(java.math.BigInteger.valueOf(Long.MAX_VALUE / 2)).longValue();
    }

    private static long ceilMultiplyDivide(long a, long b, long c) {
        java.math.BigInteger[] qr = java.math.BigInteger.valueOf(a).multiply(java.math.BigInteger.valueOf(b))
                .divideAndRemainder(java.math.BigInteger.valueOf(c));
        java.math.BigInteger q = qr[1].signum() == 0 ? qr[0] : qr[0].add(java.math.BigInteger.ONE);
        return q.min(java.math.BigInteger.valueOf(Long.MAX_VALUE / 2)).longValue();
    }
}
