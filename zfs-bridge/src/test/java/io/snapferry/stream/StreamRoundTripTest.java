package io.snapferry.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class StreamRoundTripTest {
    private static final int FRAME = StreamOptions.MIN_FRAME_SIZE;

    static Stream<Arguments> combinations() {
        List<Arguments> out = new ArrayList<>();
        int[] sizes = {0, 1, FRAME - 1, FRAME, FRAME + 1, 3 * FRAME + 17, 10 * FRAME + 4093};
        for (Compression c : Compression.values()) {
            for (boolean encrypted : new boolean[] {false, true}) {
                for (int size : sizes) {
                    for (boolean compressible : new boolean[] {false, true}) {
                        out.add(Arguments.of(c, encrypted, size, compressible));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} encrypted={1} size={2} compressible={3}")
    @MethodSource("combinations")
    void payloadSurvivesEveryCombination(Compression c, boolean encrypted, int size, boolean compressible) throws IOException {
        byte[] payload = compressible ? Streams.compressible(size, size) : Streams.bytes(size, size);
        StreamOptions options = StreamOptions.defaults().withCompression(c).withFrameSize(FRAME);
        if (encrypted) {
            options = options.withKey(Streams.KEY);
        }
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        StreamSummary written;
        try (StreamWriter w = StreamWriter.open(sink, Streams.header(), options)) {
            w.write(payload);
            written = w.finish();
        }
        byte[] wire = sink.toByteArray();
        assertThat(written.frames()).isEqualTo((size + FRAME - 1) / FRAME);
        assertThat(written.payloadBytes()).isEqualTo(size);
        assertThat(written.wireBytes()).isEqualTo(wire.length);
        if (c != Compression.NONE && compressible && size >= FRAME) {
            assertThat(wire.length).as("compressed wire size").isLessThan(size);
        }

        try (StreamReader r = StreamReader.open(new ByteArrayInputStream(wire), options.key(), StreamLimits.defaults())) {
            assertThat(r.header()).isEqualTo(Streams.header());
            assertThat(r.framing().compression()).isEqualTo(c);
            assertThat(r.framing().encryption()).isEqualTo(encrypted ? Encryption.AES_256_GCM : Encryption.NONE);
            assertThat(r.framing().maxFrameSize()).isEqualTo(FRAME);
            assertThat(r.framing().keyFingerprint()).isEqualTo(encrypted ? Optional.of(Streams.KEY.fingerprint()) : Optional.empty());
            assertThat(r.summary()).isEmpty();
            assertThat(r.readAllBytes()).isEqualTo(payload);
            assertThat(r.read()).isEqualTo(-1);
            assertThat(r.summary()).contains(written);
        }
    }

    @Test
    void transferToHandsOutWholeFramesAfterPartialReads() throws IOException {
        byte[] payload = Streams.bytes(3 * FRAME + 11, 21);
        byte[] wire = Streams.write(payload, StreamOptions.defaults().withFrameSize(FRAME).withCompression(Compression.LZ4));
        try (StreamReader r = StreamReader.open(new ByteArrayInputStream(wire), Optional.empty(), StreamLimits.defaults())) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(r.read());
            out.write(r.readNBytes(FRAME));
            assertThat(r.transferTo(out)).isEqualTo(payload.length - 1 - FRAME);
            assertThat(out.toByteArray()).isEqualTo(payload);
            assertThat(r.summary()).isPresent();
            assertThat(r.transferTo(out)).isZero();
        }
    }

    @Test
    void defaultFrameSizeCarriesManyMebibytes() throws IOException {
        byte[] payload = Streams.compressible(5 * StreamOptions.DEFAULT_FRAME_SIZE / 2 + 3, 1);
        for (Compression c : Compression.values()) {
            byte[] wire = Streams.write(payload, StreamOptions.defaults().withCompression(c));
            assertThat(Streams.frames(wire)).hasSize(3);
            assertThat(Streams.read(wire, Optional.empty())).isEqualTo(payload);
        }
    }

    @Test
    void encryptedStreamHidesThePlaintextAndItsDigests() throws IOException {
        byte[] payload = Streams.compressible(3 * FRAME, 5);
        StreamOptions options = StreamOptions.defaults().withFrameSize(FRAME);
        byte[] plainWire = Streams.write(payload, options);
        byte[] secretWire = Streams.write(payload, options.withKey(Streams.KEY));
        String secret = new String(secretWire, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(secret).doesNotContain("snapshot dataset").doesNotContain("snapshot ");
        // the frame digest of a plain stream is SHA-256 of the plaintext; the encrypted stream must not carry it
        Streams.Span plainFrame = Streams.frames(plainWire).get(0);
        byte[] sha = java.util.Arrays.copyOfRange(plainWire, plainFrame.end() - Wire.FRAME_TAIL, plainFrame.end() - 4);
        assertThat(secret).doesNotContain(new String(sha, java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(Streams.read(secretWire, Optional.of(Streams.KEY))).isEqualTo(payload);
    }

    @Test
    void pumpCopiesAnInputStreamThatDeliversOddSizedReads() throws IOException {
        byte[] payload = Streams.bytes(7 * FRAME + 333, 9);
        InputStream dribble = new ByteArrayInputStream(payload) {
            private int turn;

            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1 + (turn++ * 977) % 5000));
            }
        };
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        StreamSummary s = StreamWriter.pump(dribble, sink, Streams.header(),
                StreamOptions.defaults().withFrameSize(FRAME).withCompression(Compression.ZSTD));
        assertThat(s.frames()).isEqualTo(8);
        assertThat(s.payloadBytes()).isEqualTo(payload.length);
        assertThat(Streams.frames(sink.toByteArray())).hasSize(8);
        assertThat(Streams.read(sink.toByteArray(), Optional.empty())).isEqualTo(payload);
    }

    @Test
    void pumpLeavesTheStreamIncompleteWhenThePayloadFails() throws IOException {
        InputStream failing = new InputStream() {
            private int served;

            @Override
            public int read() throws IOException {
                if (served++ >= 3 * FRAME) {
                    throw new IOException("zfs send died");
                }
                return 'x';
            }
        };
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        assertThatThrownBy(() -> StreamWriter.pump(failing, sink, Streams.header(), StreamOptions.defaults().withFrameSize(FRAME)))
                .hasMessage("zfs send died");
        byte[] wire = sink.toByteArray();
        assertThat(Streams.frames(wire)).hasSize(3);
        assertThatThrownBy(() -> Streams.read(wire, Optional.empty()))
                .isInstanceOfSatisfying(StreamCorruptException.class,
                        e -> assertThat(e.code()).isEqualTo(StreamCorruptException.Code.TRUNCATED));
    }

    @Test
    void abortLeavesNoTrailerAndCloseAfterASinkFailureWritesNone() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        StreamWriter w = StreamWriter.open(sink, Streams.header(), StreamOptions.defaults().withFrameSize(FRAME));
        w.write(Streams.bytes(2 * FRAME, 1));
        w.abort();
        assertThatThrownBy(() -> Streams.read(sink.toByteArray(), Optional.empty()))
                .isInstanceOfSatisfying(StreamCorruptException.class,
                        e -> assertThat(e.code()).isEqualTo(StreamCorruptException.Code.TRUNCATED));

        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        OutputStream breaking = new OutputStream() {
            private int writes;

            @Override
            public void write(int b) {
                kept.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (++writes == 4) {
                    throw new IOException("connection reset");
                }
                kept.write(b, off, len);
            }
        };
        StreamWriter broken = StreamWriter.open(breaking, Streams.header(), StreamOptions.defaults().withFrameSize(FRAME));
        assertThatThrownBy(() -> broken.write(Streams.bytes(3 * FRAME, 2))).hasMessage("connection reset");
        assertThatThrownBy(() -> broken.write(1)).hasMessageContaining("failed earlier");
        broken.close();
        assertThatThrownBy(() -> Streams.read(kept.toByteArray(), Optional.empty()))
                .isInstanceOf(StreamCorruptException.class);
    }

    @Test
    void flushCutsAShortFrameAndFinishIsIdempotent() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        StreamWriter w = StreamWriter.open(sink, Streams.header(), StreamOptions.defaults().withFrameSize(FRAME));
        w.write("hello ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        w.flush();
        assertThat(w.frames()).isEqualTo(1);
        w.write('w');
        w.write("orld".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, 4);
        StreamSummary s = w.finish();
        assertThat(w.finish()).isEqualTo(s);
        assertThat(s.frames()).isEqualTo(2);
        assertThatThrownBy(() -> w.write(1)).hasMessageContaining("finished");
        w.close();
        assertThat(new String(Streams.read(sink.toByteArray(), Optional.empty()), java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("hello world");
    }

    @Test
    void listenersSeeEveryFrameOnBothSides() throws IOException {
        byte[] payload = Streams.bytes(5 * FRAME / 2, 3);
        List<long[]> written = new ArrayList<>();
        List<long[]> read = new ArrayList<>();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (StreamWriter w = StreamWriter.open(sink, Streams.header(), StreamOptions.defaults().withFrameSize(FRAME)
                .withListener((seq, n, total, wire) -> written.add(new long[] {seq, n, total, wire})))) {
            w.write(payload);
        }
        try (StreamReader r = StreamReader.open(new ByteArrayInputStream(sink.toByteArray()), Optional.empty(),
                StreamLimits.defaults(), (seq, n, total, wire) -> read.add(new long[] {seq, n, total, wire}))) {
            r.verifyToEnd();
        }
        assertThat(written).extracting(a -> a[0]).containsExactly(0L, 1L, 2L);
        assertThat(written).extracting(a -> a[2]).containsExactly((long) FRAME, 2L * FRAME, (long) payload.length);
        assertThat(read).extracting(a -> a[2]).containsExactly((long) FRAME, 2L * FRAME, (long) payload.length);
        assertThat(read).extracting(a -> a[3]).isEqualTo(written.stream().map(a -> a[3]).toList());
    }

    @Test
    void streamsEmbeddedInALongerConversationAreReadExactly() throws IOException {
        byte[] payload = Streams.bytes(2 * FRAME + 5, 4);
        byte[] wire = Streams.write(payload, StreamOptions.defaults().withFrameSize(FRAME).withCompression(Compression.LZ4));
        byte[] after = "NEXT MESSAGE".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ByteArrayInputStream in = new ByteArrayInputStream(Streams.concat(wire, after));
        StreamReader r = StreamReader.open(in, Optional.empty(), StreamLimits.defaults().withRequireEndOfInput(false));
        assertThat(r.readAllBytes()).isEqualTo(payload);
        assertThat(in.readAllBytes()).isEqualTo(after);
    }

    @Test
    void keysAndOptionsValidateTheirInput() {
        assertThatThrownBy(() -> new StreamKey("k", new byte[16])).hasMessageContaining("exactly 32");
        assertThatThrownBy(() -> new StreamKey("bad name", new byte[32])).hasMessageContaining("invalid key name");
        assertThatThrownBy(() -> StreamOptions.defaults().withFrameSize(StreamOptions.MAX_FRAME_SIZE + 1))
                .hasMessageContaining("outside");
        assertThat(Streams.KEY.toString()).contains(Streams.KEY.fingerprint()).doesNotContain("0x");
        assertThat(Streams.KEY.fingerprint()).hasSize(32).matches("[0-9a-f]+");
        byte[] raw = Streams.KEY.key();
        raw[0]++;
        assertThat(Streams.KEY.key()[0]).isNotEqualTo(raw[0]);
        assertThatThrownBy(() -> new SnapshotIdentity("-bad", 1)).hasMessageContaining("invalid snapshot name");
        assertThatThrownBy(() -> StreamHeader.create("ZFS", Streams.header().dataset(), Optional.empty(),
                new SnapshotIdentity("s", 1), "box")).hasMessageContaining("payload kind");
        assertThat(StreamHeader.create("zfs", Streams.header().dataset(), Optional.empty(), new SnapshotIdentity("s", 1), "b").streamId())
                .isNotEqualTo(StreamHeader.create("zfs", Streams.header().dataset(), Optional.empty(), new SnapshotIdentity("s", 1), "b").streamId());
    }
}
