package io.snapferry.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.testing.Poll;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The sending side of frame retransmission: bytes unchanged, frames sent again from the window. */
class FrameReplayInputStreamTest {
    private static final int FRAME = StreamOptions.MIN_FRAME_SIZE;
    private static final StreamOptions SMALL = StreamOptions.defaults().withFrameSize(FRAME);

    private final byte[] payload = Streams.bytes(8 * FRAME + 123, 31);

    private byte[] wire(StreamOptions options) throws IOException {
        return Streams.write(payload, options);
    }

    private static byte[] readAll(InputStream in, int chunk) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[chunk];
        int n;
        while ((n = in.read(buf, 0, chunk)) >= 0) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static byte[] range(byte[] wire, int from, int to) {
        return Arrays.copyOfRange(wire, from, to);
    }

    @Test
    void bytesPassUnchangedWhateverTheReadSize() throws IOException {
        for (StreamOptions o : List.of(SMALL, SMALL.withCompression(Compression.LZ4).withKey(Streams.KEY))) {
            byte[] wire = wire(o);
            for (int chunk : new int[] {1, 7, 18, FRAME + 54, 1 << 20}) {
                try (FrameReplayInputStream in = new FrameReplayInputStream(new ByteArrayInputStream(wire))) {
                    assertThat(readAll(in, chunk)).as("reads of %d bytes", chunk).isEqualTo(wire);
                    assertThat(in.resends()).isZero();
                }
            }
        }
    }

    @Test
    void aRequestSendsTheFrameAndEverythingAfterItAgain() throws IOException {
        byte[] wire = wire(SMALL);
        List<Streams.Span> f = Streams.frames(wire);
        try (FrameReplayInputStream in = new FrameReplayInputStream(new ByteArrayInputStream(wire))) {
            byte[] first = in.readNBytes(f.get(3).end());
            assertThat(first).isEqualTo(range(wire, 0, f.get(3).end()));
            in.requestFrom(1);
            byte[] rest = readAll(in, 1000);
            assertThat(rest).isEqualTo(range(wire, f.get(1).start(), wire.length));
            assertThat(in.resends()).isOne();
        }
    }

    @Test
    void aRequestDuringAFrameTakesEffectAtItsEnd() throws IOException {
        byte[] wire = wire(SMALL);
        List<Streams.Span> f = Streams.frames(wire);
        int middle = f.get(2).start() + 100;
        try (FrameReplayInputStream in = new FrameReplayInputStream(new ByteArrayInputStream(wire))) {
            in.readNBytes(middle);
            in.requestFrom(0);
            byte[] rest = readAll(in, 333);
            assertThat(rest).isEqualTo(Streams.concat(range(wire, middle, f.get(2).end()), range(wire, f.get(0).start(), wire.length)));
        }
    }

    @Test
    void framesCanBeAskedForAfterTheEndAndAgainDuringAReplay() throws IOException {
        byte[] wire = wire(SMALL);
        List<Streams.Span> f = Streams.frames(wire);
        try (FrameReplayInputStream in = new FrameReplayInputStream(new ByteArrayInputStream(wire))) {
            assertThat(readAll(in, 4096)).isEqualTo(wire);
            in.requestFrom(6);
            assertThat(in.readNBytes(f.get(7).end() - f.get(6).start())).isEqualTo(range(wire, f.get(6).start(), f.get(7).end()));
            in.requestFrom(7);
            assertThat(readAll(in, 4096)).isEqualTo(range(wire, f.get(7).start(), wire.length));
            assertThat(in.resends()).isEqualTo(2);
        }
    }

    @Test
    void aFrameNoLongerKeptOrNeverSentIsRefusedClearly() throws IOException {
        byte[] wire = wire(SMALL);
        List<Streams.Span> f = Streams.frames(wire);
        int frameBytes = f.get(0).end() - f.get(0).start();
        try (FrameReplayInputStream in = new FrameReplayInputStream(new ByteArrayInputStream(wire), 2L * frameBytes)) {
            in.readNBytes(f.get(5).end());
            assertThatThrownBy(() -> in.requestFrom(2)).isInstanceOf(IOException.class)
                    .hasMessageContaining("cannot send frame 2 again").hasMessageContaining("frames 4 to 5")
                    .hasMessageContaining("the whole stream has to be sent again");
            assertThatThrownBy(() -> in.requestFrom(6)).isInstanceOf(IOException.class).hasMessageContaining("never sent");
            in.requestFrom(4);
            assertThat(readAll(in, 999)).isEqualTo(range(wire, f.get(4).start(), wire.length));
        }
        try (FrameReplayInputStream in = new FrameReplayInputStream(new ByteArrayInputStream(wire), 0)) {
            in.readNBytes(f.get(5).end());
            assertThatThrownBy(() -> in.requestFrom(4)).isInstanceOf(IOException.class);
            in.requestFrom(5);
            assertThat(readAll(in, 999)).as("the last whole frame is always kept")
                    .isEqualTo(range(wire, f.get(5).start(), wire.length));
        }
    }

    @Test
    void aSourceThatIsNotAStreamFailsTheFirstRead() {
        FrameReplayInputStream in = new FrameReplayInputStream(new ByteArrayInputStream(new byte[100]));
        assertThatThrownBy(in::read).isInstanceOfSatisfying(StreamCorruptException.class,
                e -> assertThat(e.code()).isEqualTo(StreamCorruptException.Code.BAD_MAGIC));
    }

    @Test
    void aRequestFromAnotherThreadDoesNotWaitForABlockedRead() throws Exception {
        byte[] wire = wire(SMALL);
        List<Streams.Span> f = Streams.frames(wire);
        Gate source = new Gate(wire, f.get(2).end());
        FrameReplayInputStream in = new FrameReplayInputStream(source);
        byte[] first = in.readNBytes(f.get(2).end());
        assertThat(first).isEqualTo(range(wire, 0, f.get(2).end()));
        CompletableFuture<byte[]> rest = CompletableFuture.supplyAsync(() -> {
            try {
                return readAll(in, 512);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Poll.until(Duration.ofSeconds(10), "the reader blocks on the source", source::waiting);
        in.requestFrom(1); // returns while the read is still blocked
        assertThat(rest).isNotDone();
        source.open();
        assertThat(rest.get(10, TimeUnit.SECONDS)).as("the frame being read first, then frames 1 onwards")
                .isEqualTo(Streams.concat(range(wire, f.get(3).start(), f.get(3).end()), range(wire, f.get(1).start(), wire.length)));
    }

    @Test
    void aReaderWithTheChannelGetsAStreamDamagedOnTheLinkIntact() throws IOException {
        byte[] wire = wire(SMALL.withCompression(Compression.ZSTD).withKey(Streams.KEY));
        List<Streams.Span> f = Streams.frames(wire);
        FrameReplayInputStream replay = new FrameReplayInputStream(new ByteArrayInputStream(wire));
        FlippingInputStream link = new FlippingInputStream(replay, f.get(3).start() + 30, f.get(6).start() + 40);
        List<Long> asked = new java.util.ArrayList<>();
        try (StreamReader r = StreamReader.open(link, fp -> Optional.of(Streams.KEY), StreamLimits.defaults(), seq -> {
            asked.add(seq);
            replay.requestFrom(seq);
        })) {
            assertThat(r.readAllBytes()).isEqualTo(payload);
            assertThat(asked).as("frame 3 once; the second flip lands in the copy of frame 5 (frames have one size here)").containsExactly(3L, 5L);
            assertThat(r.resentFrames()).isEqualTo(2);
            assertThat(link.flipped()).isEqualTo(2);
        }
    }

    /** Hands out the first {@code open} bytes, then blocks until {@link #open()} before the rest. */
    private static final class Gate extends InputStream {
        private final ByteArrayInputStream bytes;
        private final CountDownLatch opened = new CountDownLatch(1);
        private int left;
        private volatile boolean waiting;

        Gate(byte[] all, int before) {
            this.bytes = new ByteArrayInputStream(all);
            this.left = before;
        }

        boolean waiting() {
            return waiting;
        }

        void open() {
            opened.countDown();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0 && opened.getCount() > 0) {
                waiting = true;
                try {
                    opened.await();
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }
            int n = bytes.read(b, off, left > 0 ? Math.min(len, left) : len);
            left -= left > 0 ? Math.max(n, 0) : 0;
            return n;
        }
    }
}
