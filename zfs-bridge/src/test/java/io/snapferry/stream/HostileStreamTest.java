package io.snapferry.stream;

import static io.snapferry.stream.StreamCorruptException.Code.BAD_MAGIC;
import static io.snapferry.stream.StreamCorruptException.Code.CHECKSUM_MISMATCH;
import static io.snapferry.stream.StreamCorruptException.Code.DECOMPRESS_FAILED;
import static io.snapferry.stream.StreamCorruptException.Code.DECRYPT_FAILED;
import static io.snapferry.stream.StreamCorruptException.Code.DIGEST_MISMATCH;
import static io.snapferry.stream.StreamCorruptException.Code.ENCRYPTION_MISMATCH;
import static io.snapferry.stream.StreamCorruptException.Code.FINGERPRINT_MISMATCH;
import static io.snapferry.stream.StreamCorruptException.Code.GARBAGE_AFTER_END;
import static io.snapferry.stream.StreamCorruptException.Code.MALFORMED;
import static io.snapferry.stream.StreamCorruptException.Code.OUT_OF_ORDER;
import static io.snapferry.stream.StreamCorruptException.Code.OVERSIZED;
import static io.snapferry.stream.StreamCorruptException.Code.TRAILER_MISMATCH;
import static io.snapferry.stream.StreamCorruptException.Code.TRUNCATED;
import static io.snapferry.stream.StreamCorruptException.Code.UNSUPPORTED_VERSION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HostileStreamTest {
    private static final int FRAME = StreamOptions.MIN_FRAME_SIZE;
    private static final StreamOptions SMALL = StreamOptions.defaults().withFrameSize(FRAME);

    private static StreamCorruptException corrupt(byte[] wire, Optional<StreamKey> key) {
        return corrupt(wire, key, StreamLimits.defaults());
    }

    private static StreamCorruptException corrupt(byte[] wire, Optional<StreamKey> key, StreamLimits limits) {
        try {
            byte[] out = Streams.read(wire, key, limits);
            throw new AssertionError("the stream was accepted (" + out.length + " payload bytes)");
        } catch (StreamCorruptException e) {
            return e;
        } catch (IOException e) {
            throw new AssertionError("expected a StreamCorruptException, got " + e, e);
        }
    }

    private static void assertCode(byte[] wire, Optional<StreamKey> key, StreamCorruptException.Code code) {
        assertThat(corrupt(wire, key).code()).isEqualTo(code);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void everyTruncationIsDetectedAsTruncated(Compression c) throws IOException {
        for (boolean encrypted : new boolean[] {false, true}) {
            StreamOptions options = SMALL.withCompression(c);
            Optional<StreamKey> key = encrypted ? Optional.of(Streams.KEY) : Optional.empty();
            if (encrypted) {
                options = options.withKey(Streams.KEY);
            }
            byte[] wire = Streams.write(Streams.compressible(2 * FRAME + 100, 1), options);
            assertThat(Streams.read(wire, key)).hasSize(2 * FRAME + 100);
            for (int cut = 0; cut < wire.length; cut++) {
                StreamCorruptException e = corrupt(Arrays.copyOf(wire, cut), key);
                if (e.code() != TRUNCATED) {
                    fail("cut at " + cut + " of " + wire.length + " gave " + e.getMessage());
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void everySingleBitFlipIsDetected(Compression c) throws IOException {
        for (boolean encrypted : new boolean[] {false, true}) {
            StreamOptions options = SMALL.withCompression(c);
            Optional<StreamKey> key = encrypted ? Optional.of(Streams.KEY) : Optional.empty();
            if (encrypted) {
                options = options.withKey(Streams.KEY);
            }
            // two frames when compressed; one short frame when not, to keep the number of flips small
            byte[] payload = Streams.compressible(c == Compression.NONE ? 1500 : FRAME + 700, 2);
            byte[] wire = Streams.write(payload, options);
            Set<StreamCorruptException.Code> seen = EnumSet.noneOf(StreamCorruptException.Code.class);
            for (int bit = 0; bit < wire.length * 8; bit++) {
                byte[] flipped = wire.clone();
                flipped[bit / 8] ^= (byte) (1 << (bit % 8));
                seen.add(corrupt(flipped, key).code());
            }
            assertThat(seen).contains(BAD_MAGIC, UNSUPPORTED_VERSION, DIGEST_MISMATCH, CHECKSUM_MISMATCH, TRAILER_MISMATCH);
        }
    }

    @Test
    void reorderedDuplicatedAndMissingFramesAreRefused() throws IOException {
        byte[] wire = Streams.write(Streams.bytes(4 * FRAME, 3), SMALL);
        byte[] head = Streams.headerSpan(wire).of(wire);
        List<Streams.Span> f = Streams.frames(wire);
        byte[] trailer = Streams.trailerSpan(wire).of(wire);
        byte[] f0 = f.get(0).of(wire);
        byte[] f1 = f.get(1).of(wire);
        byte[] f2 = f.get(2).of(wire);
        byte[] f3 = f.get(3).of(wire);

        StreamCorruptException swapped = corrupt(Streams.concat(head, f0, f2, f1, f3, trailer), Optional.empty());
        assertThat(swapped.code()).isEqualTo(OUT_OF_ORDER);
        assertThat(swapped.frame()).hasValue(2);
        assertThat(swapped.getMessage()).contains("frame 2 arrived where frame 1 was expected");

        StreamCorruptException duplicated = corrupt(Streams.concat(head, f0, f1, f1, f2, f3, trailer), Optional.empty());
        assertThat(duplicated.code()).isEqualTo(OUT_OF_ORDER);
        assertThat(duplicated.getMessage()).contains("duplicate or replay");

        assertCode(Streams.concat(head, f0, f2, f3, trailer), Optional.empty(), OUT_OF_ORDER);
        StreamCorruptException lastMissing = corrupt(Streams.concat(head, f0, f1, f2, trailer), Optional.empty());
        assertThat(lastMissing.code()).isEqualTo(TRAILER_MISMATCH);
        assertThat(lastMissing.getMessage()).contains("counts 4 frames but 3 were received");
        assertCode(Streams.concat(head, f0, f1, f2, f3), Optional.empty(), TRUNCATED);
    }

    @Test
    void framesOfAnotherStreamUnderTheSameKeyDoNotDecrypt() throws IOException {
        StreamOptions options = SMALL.withKey(Streams.KEY);
        byte[] a = Streams.write(Streams.bytes(2 * FRAME, 4), options);
        byte[] b = Streams.write(Streams.bytes(2 * FRAME, 5), options);
        byte[] spliced = Streams.concat(Streams.headerSpan(a).of(a), Streams.frames(a).get(0).of(a),
                Streams.frames(b).get(1).of(b), Streams.trailerSpan(a).of(a));
        StreamCorruptException e = corrupt(spliced, Optional.of(Streams.KEY));
        assertThat(e.code()).isEqualTo(DECRYPT_FAILED);
        assertThat(e.frame()).hasValue(1);
    }

    @Test
    void anEncryptedStreamsHeaderCannotBeRewritten() throws IOException {
        byte[] wire = Streams.write(Streams.bytes(FRAME, 6), SMALL.withKey(Streams.KEY));
        // change the last character of the dataset name "tank/data" -> "tank/datb" and re-seal the header's SHA-256
        int at = indexOf(wire, "tank/data".getBytes(java.nio.charset.StandardCharsets.US_ASCII)) + 8;
        wire[at] = 'b';
        Streams.resealHeader(wire);
        assertCode(wire, Optional.of(Streams.KEY), DECRYPT_FAILED);

        // an empty stream has no frame to fail: its keyed trailer digest covers the header
        byte[] empty = Streams.write(new byte[0], SMALL.withKey(Streams.KEY));
        int e = indexOf(empty, "tank/data".getBytes(java.nio.charset.StandardCharsets.US_ASCII)) + 8;
        empty[e] = 'b';
        Streams.resealHeader(empty);
        assertCode(empty, Optional.of(Streams.KEY), TRAILER_MISMATCH);
    }

    @Test
    void anOversizedFrameLengthFailsBeforeAnythingIsReadOrAllocated() throws IOException {
        byte[] wire = Streams.write(Streams.bytes(FRAME, 7), SMALL);
        byte[] head = Streams.headerSpan(wire).of(wire);
        byte[] frameHead = Arrays.copyOf(Streams.frames(wire).get(0).of(wire), Wire.FRAME_HEAD);
        Wire.putInt(frameHead, 10, Integer.MIN_VALUE); // 2^31 plaintext bytes
        Wire.putInt(frameHead, 14, Integer.MIN_VALUE);
        long before = System.nanoTime();
        // thenFail() fails the test if the decoder tries to read a single byte of the declared payload
        StreamCorruptException e = org.junit.jupiter.api.Assertions.assertThrows(StreamCorruptException.class,
                () -> StreamReader.open(Streams.thenFail(Streams.concat(head, frameHead)), Optional.empty(), StreamLimits.defaults()).read());
        assertThat(e.code()).isEqualTo(OVERSIZED);
        assertThat(e.getMessage()).contains("2147483648 plaintext bytes");
        assertThat(System.nanoTime() - before).isLessThan(1_000_000_000L);

        byte[] storedTooLarge = Arrays.copyOf(Streams.frames(wire).get(0).of(wire), Wire.FRAME_HEAD);
        Wire.putInt(storedTooLarge, 14, 0x7fffffff);
        StreamCorruptException s = org.junit.jupiter.api.Assertions.assertThrows(StreamCorruptException.class,
                () -> StreamReader.open(Streams.thenFail(Streams.concat(head, storedTooLarge)), Optional.empty(), StreamLimits.defaults()).read());
        assertThat(s.code()).isEqualTo(OVERSIZED);
    }

    @Test
    void oversizedHeaderFieldsAreRefusedBeforeAllocation() throws IOException {
        byte[] wire = Streams.write(Streams.bytes(10, 8), SMALL);
        byte[] longBody = Arrays.copyOf(wire, Wire.HEADER_PREFIX);
        Wire.putInt(longBody, 10, Integer.MAX_VALUE);
        StreamCorruptException e = org.junit.jupiter.api.Assertions.assertThrows(StreamCorruptException.class,
                () -> StreamReader.open(Streams.thenFail(longBody), Optional.empty(), StreamLimits.defaults()));
        assertThat(e.code()).isEqualTo(OVERSIZED);

        byte[] hugeFrames = wire.clone();
        Wire.putInt(hugeFrames, Wire.HEADER_PREFIX + 4, Integer.MIN_VALUE); // max frame size 2^31
        Streams.resealHeader(hugeFrames);
        assertCode(hugeFrames, Optional.empty(), OVERSIZED);

        byte[] big = Streams.write(Streams.bytes(10, 8), StreamOptions.defaults());
        StreamCorruptException limited = corrupt(big, Optional.empty(), StreamLimits.defaults().withMaxFrameSize(64 << 10));
        assertThat(limited.code()).isEqualTo(OVERSIZED);
        assertThat(limited.getMessage()).contains("1048576").contains("65536");

        byte[] many = Streams.write(Streams.bytes(3 * FRAME, 8), SMALL);
        assertThat(corrupt(many, Optional.empty(), StreamLimits.defaults().withMaxPayloadBytes(2 * FRAME)).code()).isEqualTo(OVERSIZED);
    }

    @Test
    void headerFieldsAreValidatedAfterTheDigest() throws IOException {
        byte[] wire = Streams.write(Streams.bytes(10, 9), SMALL);
        byte[] badCompression = wire.clone();
        badCompression[Wire.HEADER_PREFIX] = 9;
        Streams.resealHeader(badCompression);
        assertThat(corrupt(badCompression, Optional.empty()).getMessage()).contains("unknown compression id 9");

        byte[] badName = wire.clone();
        int at = indexOf(badName, "tank/data".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        badName[at + 4] = '@';
        Streams.resealHeader(badName);
        StreamCorruptException e = corrupt(badName, Optional.empty());
        assertThat(e.code()).isEqualTo(MALFORMED);
        assertThat(e.getMessage()).contains("invalid dataset name");
    }

    @Test
    void garbageAfterTheTrailerIsRefused() throws IOException {
        byte[] wire = Streams.write(Streams.bytes(FRAME + 1, 10), SMALL);
        StreamCorruptException e = corrupt(Streams.concat(wire, new byte[] {0}), Optional.empty());
        assertThat(e.code()).isEqualTo(GARBAGE_AFTER_END);
        assertCode(Streams.concat(wire, wire), Optional.empty(), GARBAGE_AFTER_END);
    }

    @Test
    void wrongMissingAndUnexpectedKeysAreNamed() throws IOException {
        byte[] wire = Streams.write(Streams.bytes(FRAME, 11), SMALL.withKey(Streams.KEY));
        StreamCorruptException wrong = corrupt(wire, Optional.of(Streams.OTHER_KEY));
        assertThat(wrong.code()).isEqualTo(FINGERPRINT_MISMATCH);
        assertThat(wrong.getMessage()).contains("fingerprint mismatch: stream was encrypted with key "
                + Streams.KEY.fingerprint() + ", this key is " + Streams.OTHER_KEY.fingerprint());

        StreamCorruptException missing = corrupt(wire, Optional.empty());
        assertThat(missing.code()).isEqualTo(ENCRYPTION_MISMATCH);
        assertThat(missing.getMessage()).contains("no key was given").contains(Streams.KEY.fingerprint());

        byte[] plain = Streams.write(Streams.bytes(FRAME, 11), SMALL);
        assertThat(corrupt(plain, Optional.of(Streams.KEY)).code()).isEqualTo(ENCRYPTION_MISMATCH);
    }

    @Test
    void decompressionBombsFailCleanly() throws IOException {
        byte[] zeros = new byte[512 << 10];
        byte[] declaredDigest = new byte[32];
        for (Compression c : List.of(Compression.LZ4, Compression.ZSTD)) {
            byte[] wire = Streams.write(Streams.bytes(10, 12), SMALL.withCompression(c));
            byte[] bomb = c == Compression.LZ4
                    ? LZ4Factory.fastestInstance().fastCompressor().compress(zeros)
                    : Zstd.compress(zeros, 19);
            assertThat(bomb.length).isLessThan(FRAME);
            byte[] frame = Streams.frameRecord(c.wireId(), 0, FRAME, bomb, declaredDigest);
            byte[] stream = Streams.concat(Streams.headerSpan(wire).of(wire), frame, Streams.trailerSpan(wire).of(wire));
            StreamCorruptException e = corrupt(stream, Optional.empty());
            assertThat(e.code()).as(c.toString()).isEqualTo(DECOMPRESS_FAILED);
            assertThat(e.frame()).hasValue(0);
        }
    }

    @Test
    void aFrameDecompressingToTheWrongLengthOrCodecIsRefused() throws IOException {
        byte[] wire = Streams.write(Streams.bytes(10, 13), SMALL.withCompression(Compression.ZSTD));
        byte[] head = Streams.headerSpan(wire).of(wire);
        byte[] shortOne = Zstd.compress(new byte[100], 3);
        byte[] frame = Streams.frameRecord(2, 0, 200, shortOne, new byte[32]);
        assertThat(corrupt(Streams.concat(head, frame), Optional.empty()).code()).isEqualTo(DECOMPRESS_FAILED);
        byte[] lz4InZstdStream = Streams.frameRecord(1, 0, 100, new byte[10], new byte[32]);
        assertThat(corrupt(Streams.concat(head, lz4InZstdStream), Optional.empty()).code()).isEqualTo(MALFORMED);
    }

    @Test
    void theDecoderReportsABadFrameAndAcceptsItSentAgain() throws IOException {
        byte[] payload = Streams.bytes(4 * FRAME, 14);
        byte[] wire = Streams.write(payload, SMALL.withCompression(Compression.LZ4).withKey(Streams.KEY));
        List<Streams.Span> f = Streams.frames(wire);
        byte[] damaged = f.get(1).of(wire);
        damaged[Wire.FRAME_HEAD + 3] ^= 0x10;
        byte[] stream = Streams.concat(Streams.headerSpan(wire).of(wire), f.get(0).of(wire), damaged,
                f.get(2).of(wire), // already in flight when the receiver noticed
                f.get(1).of(wire), f.get(2).of(wire), f.get(3).of(wire), Streams.trailerSpan(wire).of(wire));

        try (FrameDecoder d = FrameDecoder.open(new ByteArrayInputStream(stream), Optional.of(Streams.KEY), StreamLimits.defaults())) {
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            StringBuilder log = new StringBuilder();
            for (Optional<Frame> next = d.next(); next.isPresent(); next = d.next()) {
                Frame frame = next.get();
                log.append(frame.seq()).append(frame.status()).append(' ');
                if (frame.status() == Frame.Status.OK) {
                    got.write(frame.buffer(), 0, frame.length());
                }
                if (frame.status() == Frame.Status.BAD) {
                    assertThat(frame.problem().orElseThrow().code()).isEqualTo(CHECKSUM_MISMATCH);
                    assertThat(frame.problem().orElseThrow().code().frameLocal()).isTrue();
                    assertThat(d.awaitingResend()).hasValue(1);
                }
            }
            assertThat(log.toString()).isEqualTo("0OK 1BAD 2SKIPPED 1OK 2OK 3OK ");
            assertThat(got.toByteArray()).isEqualTo(payload);
            assertThat(d.summary()).isPresent();
            assertThat(d.summary().get().frames()).isEqualTo(4);
        }

        StreamCorruptException strict = corrupt(stream, Optional.of(Streams.KEY));
        assertThat(strict.code()).isEqualTo(CHECKSUM_MISMATCH);
        assertThat(strict.frame()).hasValue(1);
    }

    @Test
    void aBadFrameNeverSentAgainFailsAtTheEndOfTheInput() throws IOException {
        byte[] wire = Streams.write(Streams.bytes(2 * FRAME, 15), SMALL);
        List<Streams.Span> f = Streams.frames(wire);
        byte[] damaged = f.get(1).of(wire);
        damaged[Wire.FRAME_HEAD] ^= 1;
        byte[] stream = Streams.concat(Streams.headerSpan(wire).of(wire), f.get(0).of(wire), damaged, Streams.trailerSpan(wire).of(wire));
        try (FrameDecoder d = FrameDecoder.open(new ByteArrayInputStream(stream), Optional.empty(), StreamLimits.defaults())) {
            assertThat(d.next().orElseThrow().status()).isEqualTo(Frame.Status.OK);
            assertThat(d.next().orElseThrow().status()).isEqualTo(Frame.Status.BAD);
            Frame trailer = d.next().orElseThrow();
            assertThat(trailer.status()).as("the trailer in flight is skipped: it comes again after the frame").isEqualTo(Frame.Status.SKIPPED);
            assertThat(trailer.seq()).isEqualTo(Frame.TRAILER);
            assertThatThrownBy(d::next).isInstanceOfSatisfying(StreamCorruptException.class, e -> {
                assertThat(e.code()).isEqualTo(TRUNCATED);
                assertThat(e.getMessage()).contains("while frame 1 was awaited again");
            });
        }
    }

    @Test
    void aFailedReaderKeepsFailing() throws IOException {
        byte[] wire = Streams.write(Streams.bytes(3 * FRAME, 16), SMALL);
        byte[] cut = Arrays.copyOf(wire, Streams.frames(wire).get(2).start());
        StreamReader r = StreamReader.open(new ByteArrayInputStream(cut), Optional.empty(), StreamLimits.defaults());
        byte[] buf = new byte[FRAME];
        assertThat(r.readNBytes(buf, 0, FRAME)).isEqualTo(FRAME);
        assertThat(r.readNBytes(buf, 0, FRAME)).isEqualTo(FRAME);
        assertThatThrownBy(r::read).isInstanceOf(StreamCorruptException.class);
        assertThatThrownBy(r::read).isInstanceOfSatisfying(StreamCorruptException.class,
                e -> assertThat(e.code()).isEqualTo(TRUNCATED));
    }

    @Test
    void notAStreamAtAll() {
        assertThat(corrupt("hello, world, this is not a stream".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                Optional.empty()).getMessage()).contains("not a snapferry stream");
        assertCode(new byte[0], Optional.empty(), TRUNCATED);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
