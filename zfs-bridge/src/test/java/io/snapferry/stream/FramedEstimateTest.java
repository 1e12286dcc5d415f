package io.snapferry.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.ForwardingDatasetProvider;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.dataset.SendRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The framed provider's size estimate: the payload's plus the exact framing, unknown when compressed. */
class FramedEstimateTest {
    private final InMemoryDatasetProvider memory = new InMemoryDatasetProvider(Clock.systemUTC(), "tank");
    /** The fake with an exact payload estimate (it measures a raw send). */
    private final DatasetProvider exact = new ForwardingDatasetProvider() {
        @Override
        protected DatasetProvider delegate() {
            return memory;
        }

        @Override
        public OptionalLong estimateSendSize(SendRequest request) {
            try {
                return OptionalLong.of(length(memory, request));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    };

    private static long length(DatasetProvider p, SendRequest r) throws IOException {
        try (InputStream in = p.send(r)) {
            return in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private SendRequest[] requests() {
        DatasetName ds = DatasetName.of("tank/data");
        memory.createDataset(ds);
        byte[] b = new byte[3 * StreamOptions.MIN_FRAME_SIZE + 1234];
        new Random(5).nextBytes(b);
        memory.write(ds, "f", b);
        memory.createSnapshots(List.of(ds.snapshot("s1")));
        memory.write(ds, "g", new byte[10]);
        memory.createSnapshots(List.of(ds.snapshot("s2")));
        return new SendRequest[] {SendRequest.full(ds.snapshot("s1")), SendRequest.incremental(ds.snapshot("s1"), ds.snapshot("s2"), false)};
    }

    @Test
    void plainAndEncryptedStreamsAreEstimatedToTheByte() throws IOException {
        SendRequest[] rs = requests();
        for (StreamOptions o : List.of(StreamOptions.defaults(), StreamOptions.defaults().withFrameSize(StreamOptions.MIN_FRAME_SIZE),
                StreamOptions.defaults().withFrameSize(StreamOptions.MIN_FRAME_SIZE).withKey(StreamKey.generate("k")))) {
            FramedDatasetProvider framed = new FramedDatasetProvider(exact, "box-a", o, KeyResolver.NONE, r -> { });
            for (SendRequest r : rs) {
                assertThat(framed.estimateSendSize(r)).as(o + " " + r).hasValue(length(framed, r));
            }
        }
    }

    @Test
    void compressedStreamsAndProvidersWithoutAnEstimateAreUnknown() {
        SendRequest[] rs = requests();
        FramedDatasetProvider zstd = new FramedDatasetProvider(exact, "box-a", StreamOptions.defaults().withCompression(Compression.ZSTD),
                KeyResolver.NONE, r -> { });
        FramedDatasetProvider noEstimate = new FramedDatasetProvider(memory, "box-a", StreamOptions.defaults(), KeyResolver.NONE, r -> { });
        assertThat(zstd.estimateSendSize(rs[0])).isEmpty();
        assertThat(noEstimate.estimateSendSize(rs[0])).isEmpty();
    }
}
