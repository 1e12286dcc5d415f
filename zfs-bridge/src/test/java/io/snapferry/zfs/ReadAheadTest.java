package io.snapferry.zfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.snapferry.testing.Poll;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReadAheadTest {

    /** Hands out {@code data} in reads of random sizes (1 to 70,000 bytes), then fails with {@code failure} if given. */
    private static InputStream ragged(byte[] data, long seed, IOException failure) {
        SplittableRandom random = new SplittableRandom(seed);
        return new InputStream() {
            int pos;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos == data.length) {
                    if (failure != null) {
                        throw failure;
                    }
                    return -1;
                }
                int n = Math.min(Math.min(len, data.length - pos), 1 + random.nextInt(70_000));
                System.arraycopy(data, pos, b, off, n);
                pos += n;
                return n;
            }

            @Override
            public int available() {
                return random.nextBoolean() ? data.length - pos : 0;
            }
        };
    }

    private static byte[] drain(InputStream in, int bufferBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[bufferBytes];
        for (int n; (n = in.read(buf)) >= 0; ) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void theBytesComeOutAsTheyWentInWhateverTheSizesOfTheReads() throws IOException {
        for (long seed = 1; seed <= 20; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            byte[] data = new byte[random.nextInt(600_000)];
            random.nextBytes(data);
            try (ReadAhead in = new ReadAhead(ragged(data, seed, null), 1 + random.nextInt(100_000), 1 + random.nextInt(4), "t")) {
                assertThat(drain(in, 1 + random.nextInt(200_000))).as("seed %d", seed).isEqualTo(data);
                assertThat(in.read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void aFailureOfTheSourceComesAfterEveryByteBeforeIt() throws IOException {
        byte[] data = new byte[300_000];
        new SplittableRandom(7).nextBytes(data);
        IOException broken = new IOException("connection reset");
        try (ReadAhead in = new ReadAhead(ragged(data, 7, broken), 65_536, 2, "t")) {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[10_000];
            IOException e = catchThrowableOfType(IOException.class, () -> {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    got.write(buf, 0, n);
                }
            });
            assertThat(e).isSameAs(broken);
            assertThat(got.toByteArray()).isEqualTo(data);
            assertThat(catchThrowableOfType(IOException.class, in::read)).isSameAs(broken);
        }
    }

    @Test
    void itReadsAheadNoMoreThanItsChunksAndStopsWhenClosed() throws IOException {
        AtomicLong served = new AtomicLong();
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                served.incrementAndGet();
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                int n = Math.min(len, 1000);
                served.addAndGet(n);
                return n;
            }

            @Override
            public int available() {
                return 1 << 20;
            }
        };
        ReadAhead in = new ReadAhead(endless, 10_000, 3, "t");
        // chunks queued (3 + a last place) plus the one the thread holds while it waits to queue it
        Poll.until(Duration.ofSeconds(10), "the read-ahead to fill its chunks", () -> served.get() >= 4 * 10_000);
        assertThat(in.read(new byte[25_000])).isEqualTo(10_000);
        Poll.until(Duration.ofSeconds(10), "the read-ahead to refill", () -> served.get() >= 5 * 10_000);
        assertThat(served.get()).isLessThanOrEqualTo(5 * 10_000 + 10_000);
        in.close();
        assertThat(catchThrowableOfType(IOException.class, in::read)).hasMessageContaining("closed");
    }

    @Test
    void anInterruptedReadSaysSoAndClosingTheSourceEndsTheReadAhead() throws IOException {
        PipedOutputStream writer = new PipedOutputStream();
        PipedInputStream source = new PipedInputStream(writer);
        try (ReadAhead in = new ReadAhead(source, 1000, 2, "t")) {
            Thread.currentThread().interrupt();
            try {
                assertThat(catchThrowableOfType(InterruptedIOException.class, in::read)).isNotNull();
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
            } finally {
                Thread.interrupted();
            }
            writer.write(new byte[] {1, 2, 3});
            writer.flush();
            byte[] buf = new byte[10];
            assertThat(in.read(buf)).isEqualTo(3);
            writer.close();
            assertThat(in.read(buf)).isEqualTo(-1);
        }
    }
}
