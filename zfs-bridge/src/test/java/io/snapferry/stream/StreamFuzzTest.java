package io.snapferry.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Assertions;

/**
 * Feeds random and mutated bytes to the reader. Whatever comes in, the reader either returns the
 * original payload (the mutation changed nothing) or throws a {@link StreamCorruptException}: never
 * another exception, never a different payload, never a hang.
 */
class StreamFuzzTest {
    private static final int FRAME = StreamOptions.MIN_FRAME_SIZE;
    private static final byte[] PAYLOAD = Streams.compressible(2 * FRAME + 321, 99);
    private static final StreamOptions[] OPTIONS = {
        StreamOptions.defaults().withFrameSize(FRAME),
        StreamOptions.defaults().withFrameSize(FRAME).withCompression(Compression.LZ4),
        StreamOptions.defaults().withFrameSize(FRAME).withCompression(Compression.ZSTD),
        StreamOptions.defaults().withFrameSize(FRAME).withCompression(Compression.ZSTD).withKey(Streams.KEY),
        StreamOptions.defaults().withFrameSize(FRAME).withKey(Streams.KEY),
    };
    private static final byte[][] SEEDS = new byte[OPTIONS.length][];

    static {
        try {
            for (int i = 0; i < OPTIONS.length; i++) {
                SEEDS[i] = Streams.write(PAYLOAD, OPTIONS[i]);
            }
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Property(tries = 300)
    void randomBytesAreRefused(@ForAll @Size(max = 4096) byte[] junk) {
        assertRefusedOrIntact(junk, Optional.empty());
    }

    @Property(tries = 300)
    void randomBytesAfterAPlausiblePrefixAreRefused(@ForAll @IntRange(min = 0, max = 4) int seed,
                                                    @ForAll @IntRange(min = 0, max = 400) int keep,
                                                    @ForAll @Size(max = 4096) byte[] junk) {
        byte[] prefix = Arrays.copyOf(SEEDS[seed], Math.min(keep, SEEDS[seed].length));
        assertRefusedOrIntact(Streams.concat(prefix, junk), OPTIONS[seed].key());
    }

    @Property(tries = 1500)
    void mutatedStreamsFailCleanly(@ForAll @IntRange(min = 0, max = 4) int seed, @ForAll long randomness,
                                   @ForAll @IntRange(min = 1, max = 4) int mutations) {
        Random r = new Random(randomness);
        byte[] b = SEEDS[seed].clone();
        for (int i = 0; i < mutations; i++) {
            b = mutate(b, r);
        }
        assertRefusedOrIntact(b, OPTIONS[seed].key());
    }

    @Property(tries = 500)
    void theFrameDecoderOnlyEverThrowsStreamCorruptException(@ForAll @IntRange(min = 0, max = 4) int seed,
                                                             @ForAll long randomness,
                                                             @ForAll @IntRange(min = 1, max = 3) int mutations) {
        Random r = new Random(randomness);
        byte[] b = SEEDS[seed].clone();
        for (int i = 0; i < mutations; i++) {
            b = mutate(b, r);
        }
        byte[] wire = b;
        Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            java.io.ByteArrayOutputStream accepted = new java.io.ByteArrayOutputStream();
            try (FrameDecoder d = FrameDecoder.open(new java.io.ByteArrayInputStream(wire), OPTIONS[seed].key(), StreamLimits.defaults())) {
                for (Optional<Frame> f = d.next(); f.isPresent(); f = d.next()) {
                    if (f.get().status() == Frame.Status.OK) {
                        accepted.write(f.get().buffer(), 0, f.get().length());
                    }
                }
                assertThat(accepted.toByteArray()).as("a stream the decoder completed must carry the original payload").isEqualTo(PAYLOAD);
            } catch (StreamCorruptException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        });
    }

    private static byte[] mutate(byte[] b, Random r) {
        if (b.length == 0) {
            return new byte[] {(byte) r.nextInt()};
        }
        int at = r.nextInt(b.length);
        switch (r.nextInt(8)) {
            case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
            case 1 -> b[at] = (byte) r.nextInt();
            case 2 -> { // a plausible-looking big or boundary number over a length field
                int[] values = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, FRAME, FRAME + 1, 8 << 20, (8 << 20) + 1, r.nextInt()};
                if (at + 4 <= b.length) {
                    Wire.putInt(b, at, values[r.nextInt(values.length)]);
                }
            }
            case 3 -> b = Arrays.copyOf(b, at);
            case 4 -> { // delete a range
                int len = Math.min(b.length - at, 1 + r.nextInt(64));
                byte[] out = new byte[b.length - len];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + len, out, at, b.length - at - len);
                b = out;
            }
            case 5 -> { // insert random bytes
                byte[] ins = new byte[1 + r.nextInt(64)];
                r.nextBytes(ins);
                b = Streams.concat(Arrays.copyOf(b, at), ins, Arrays.copyOfRange(b, at, b.length));
            }
            case 6 -> { // duplicate a range
                int len = Math.min(b.length - at, 1 + r.nextInt(2 * FRAME));
                b = Streams.concat(Arrays.copyOf(b, at + len), Arrays.copyOfRange(b, at, b.length));
            }
            default -> { // move a range elsewhere
                int len = Math.min(b.length - at, 1 + r.nextInt(FRAME));
                byte[] piece = Arrays.copyOfRange(b, at, at + len);
                byte[] rest = Streams.concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, at + len, b.length));
                int to = r.nextInt(rest.length + 1);
                b = Streams.concat(Arrays.copyOf(rest, to), piece, Arrays.copyOfRange(rest, to, rest.length));
            }
        }
        return b;
    }

    private static void assertRefusedOrIntact(byte[] wire, Optional<StreamKey> key) {
        Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            byte[] out;
            try {
                out = Streams.read(wire, key);
            } catch (StreamCorruptException expected) {
                assertThat(expected.code()).isNotNull();
                assertThat(expected.getMessage()).isNotBlank();
                return;
            }
            assertThat(out).as("a stream that was accepted must carry the original payload").isEqualTo(PAYLOAD);
        });
    }
}
