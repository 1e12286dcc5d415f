package io.snapferry.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RateLimiterTest {
    private static final long SECOND = 1_000_000_000L;

    /** A clock that only moves when someone sleeps or the test advances it. */
    static final class FakeTime implements TimeSource {
        long now = 5 * SECOND;
        final List<Long> sleeps = new ArrayList<>();

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleepNanos(long nanos) {
            sleeps.add(nanos);
            now += nanos;
        }

        long slept() {
            return sleeps.stream().mapToLong(Long::longValue).sum();
        }
    }

    @ParameterizedTest
    @CsvSource({
        "800K, 819200",
        "50M, 52428800",
        "1.5G, 1610612736",
        "100, 100",
        "2T, 2199023255552",
        "10MB/s, 10485760",
        "4MiB, 4194304",
        "64k, 65536",
        "' 3M ', 3145728",
        "0.5K, 512",
    })
    void parsesBandwidths(String spec, long expected) {
        assertThat(RateLimiter.parseBytesPerSecond(spec)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "fast", "-5M", "5X", "1.5.2G", "M", "50 M B", "1e6", "0", "0.0001K", "99999999T"})
    void refusesJunkWithAClearMessage(String spec) {
        assertThatThrownBy(() -> RateLimiter.parseBytesPerSecond(spec))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid bandwidth '" + spec + "'");
    }

    @Test
    void theMessageSaysWhatIsExpected() {
        assertThatThrownBy(() -> RateLimiter.parseBytesPerSecond("lots"))
                .hasMessage("invalid bandwidth 'lots': expected a number with an optional unit K, M, G or T (powers of 1024), e.g. 800K, 50M or 1.5G");
    }

    @Test
    void aLongTransferTakesAsLongAsTheRateSays() throws IOException {
        FakeTime time = new FakeTime();
        RateLimiter limiter = new RateLimiter(1 << 20, 64 << 10, time);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        long start = time.nanoTime();
        try (RateLimitedOutputStream out = new RateLimitedOutputStream(sink, limiter)) {
            byte[] block = new byte[300_000];
            for (int i = 0; i < 35; i++) {
                out.write(block);
            }
            out.write(7);
        }
        long bytes = 35L * 300_000 + 1;
        assertThat(sink.size()).isEqualTo(bytes);
        // the first 64 KiB pass at once (the full bucket), the rest at exactly 1 MiB/s
        double expected = (bytes - (64 << 10)) / (double) (1 << 20);
        assertThat((time.nanoTime() - start) / (double) SECOND).isCloseTo(expected, org.assertj.core.data.Offset.offset(0.001));
        assertThat(time.sleeps).allSatisfy(s -> assertThat(s).isLessThanOrEqualTo(SECOND / 16 + 1));
    }

    @Test
    void idleTimeRefillsTheBucketUpToTheBurstOnly() throws IOException {
        FakeTime time = new FakeTime();
        RateLimiter limiter = new RateLimiter(1000, 500, time);
        limiter.acquire(500);
        assertThat(time.slept()).isZero();
        time.now += 60 * SECOND; // a minute idle earns 60,000 bytes but the bucket holds 500
        limiter.acquire(500);
        assertThat(time.slept()).isZero();
        limiter.acquire(100);
        assertThat(time.slept()).isEqualTo(SECOND / 10);
    }

    @Test
    void concurrentCallersQueueBehindEachOthersDebt() throws IOException {
        FakeTime time = new FakeTime();
        // a fake clock that does not advance while sleeping models callers that reserve before any sleep ends
        TimeSource frozen = new TimeSource() {
            final List<Long> sleeps = new ArrayList<>();

            @Override
            public long nanoTime() {
                return time.now;
            }

            @Override
            public void sleepNanos(long nanos) {
                sleeps.add(nanos);
            }

            @Override
            public String toString() {
                return sleeps.toString();
            }
        };
        RateLimiter shared = new RateLimiter(1000, 1000, frozen);
        shared.acquire(1000); // empties the bucket
        shared.acquire(500);
        shared.acquire(500);
        assertThat(frozen.toString()).isEqualTo("[" + SECOND / 2 + ", " + SECOND + "]");
    }

    @Test
    void fractionalRatesLoseNoTime() throws IOException {
        FakeTime time = new FakeTime();
        RateLimiter limiter = new RateLimiter(3, 1, time); // one byte every 333,333,334 ns
        long start = time.now;
        for (int i = 0; i < 3001; i++) {
            limiter.acquire(1);
        }
        assertThat(time.now - start).isBetween(1000 * SECOND - 3 * SECOND / 1000, 1000 * SECOND + 3 * SECOND / 1000);
    }

    @Test
    void anInterruptedWaitEndsWithInterruptedIoException() {
        RateLimiter limiter = new RateLimiter(1, 1, TimeSource.system());
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> limiter.acquire(1_000_000)).isInstanceOf(InterruptedIOException.class);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void refusesNonsenseConstruction() {
        assertThatThrownBy(() -> new RateLimiter(0, 1, new FakeTime())).hasMessageContaining("at least 1 byte/s");
        assertThatThrownBy(() -> new RateLimiter(1, 0, new FakeTime())).hasMessageContaining("burst");
        assertThat(RateLimiter.of(100 << 20, new FakeTime()).burstBytes()).isEqualTo(25 << 20);
        assertThat(RateLimiter.of(1000, new FakeTime()).burstBytes()).isEqualTo(64 << 10);
    }
}
