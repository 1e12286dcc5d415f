package io.snapferry.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.DatasetProviderContract;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.SendRequest;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The framing decorator keeps the SPI's contract, and its streams are verified on the way in. */
class FramedDatasetProviderTest extends DatasetProviderContract {
    private final InMemoryDatasetProvider memory = new InMemoryDatasetProvider(Clock.systemUTC(), "tank");
    private final List<FramedDatasetProvider.VerificationReport> reports = new ArrayList<>();
    private final FramedDatasetProvider framed = new FramedDatasetProvider(memory, "box-a",
            StreamOptions.defaults().withCompression(Compression.ZSTD).withFrameSize(StreamOptions.MIN_FRAME_SIZE),
            KeyResolver.NONE, reports::add);
    private final AtomicInteger n = new AtomicInteger();

    @Override
    protected DatasetProvider provider() {
        return framed;
    }

    @Override
    protected DatasetName scratch() {
        DatasetName d = DatasetName.of("tank/t" + n.incrementAndGet());
        memory.createDataset(d);
        return d;
    }

    @Override
    protected void writeFile(DatasetName dataset, String path, byte[] data) {
        memory.write(dataset, path, data);
    }

    @Override
    protected byte[] readFile(DatasetName dataset, String path) {
        return memory.read(dataset, path);
    }

    @Test
    void aDamagedFrameIsCorruptStreamAndReported() throws Exception {
        DatasetName src = scratch();
        writeFile(src, "f", random(100_000, 9));
        provider().createSnapshots(List.of(src.snapshot("s")));
        byte[] wire;
        try (InputStream in = provider().send(SendRequest.full(src.snapshot("s")))) {
            wire = in.readAllBytes();
        }
        wire[wire.length / 2] ^= 1;
        DatasetName dst = src.parent().child("copy" + n.get());
        DatasetException e = catchThrowableOfType(DatasetException.class,
                () -> provider().receive(dst, new ByteArrayInputStream(wire), ReceiveOptions.defaults()));
        assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_STREAM);
        assertThat(e.code().retryable()).isTrue();
        assertThat(memory.exists(dst)).isFalse();
        assertThat(reports).hasSize(1);
        assertThat(reports.get(0).ok()).isFalse();
    }

    @Test
    void anEncryptedStreamNeedsTheSendersKeyAndRecordsItsFingerprint() throws Exception {
        StreamKey k1 = StreamKey.generate("offsite");
        StreamKey k2 = StreamKey.generate("offsite");
        FramedDatasetProvider sender = new FramedDatasetProvider(memory, "box-a", StreamOptions.defaults().withKey(k1),
                KeyResolver.NONE, reports::add);
        FramedDatasetProvider wrongKey = new FramedDatasetProvider(memory, "box-b", StreamOptions.defaults(),
                fp -> fp.equals(k2.fingerprint()) ? Optional.of(k2) : Optional.empty(), reports::add);
        FramedDatasetProvider rightKey = new FramedDatasetProvider(memory, "box-b", StreamOptions.defaults(),
                fp -> fp.equals(k1.fingerprint()) ? Optional.of(k1) : Optional.empty(), reports::add);
        DatasetName src = scratch();
        writeFile(src, "f", random(50_000, 11));
        sender.createSnapshots(List.of(src.snapshot("s")));
        DatasetName dst = src.parent().child("enc" + n.get());
        byte[] wire;
        try (InputStream in = sender.send(SendRequest.full(src.snapshot("s")))) {
            wire = in.readAllBytes();
        }
        DatasetException e = catchThrowableOfType(DatasetException.class,
                () -> wrongKey.receive(dst, new ByteArrayInputStream(wire), ReceiveOptions.defaults()));
        assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION);
        assertThat(e.getMessage()).contains("fingerprint mismatch").contains(k1.fingerprint());
        assertThat(memory.exists(dst)).isFalse();

        rightKey.receive(dst, new ByteArrayInputStream(wire), ReceiveOptions.defaults());
        assertThat(memory.read(dst, "f")).isEqualTo(random(50_000, 11));
        assertThat(reports.get(reports.size() - 1).keyFingerprint()).isEqualTo(k1.fingerprint());
    }

    @Test
    void aGoodReceiveIsReportedWithItsDigest() throws Exception {
        DatasetName src = scratch();
        writeFile(src, "f", random(100_000, 10));
        provider().createSnapshots(List.of(src.snapshot("s")));
        try (InputStream in = provider().send(SendRequest.full(src.snapshot("s")))) {
            provider().receive(src.parent().child("copy" + n.get()), in, ReceiveOptions.defaults());
        }
        assertThat(reports).hasSize(1);
        FramedDatasetProvider.VerificationReport r = reports.get(0);
        assertThat(r.ok()).isTrue();
        assertThat(r.frames()).isGreaterThan(1);
        assertThat(r.digest()).hasSize(64);
        assertThat(r.received()).hasSize(1);
    }

    /** A stream damaged between sender and receiver, with the receive asking the sender for bad frames. */
    private io.snapferry.dataset.ReceiveResult receiveDamaged(DatasetName src, DatasetName dst, List<Long> asked,
                                                             java.util.function.Function<List<Streams.Span>, long[]> where) throws Exception {
        byte[] wire;
        try (InputStream in = provider().send(SendRequest.full(src.snapshot("s")))) {
            wire = in.readAllBytes();
        }
        long[] offsets = where.apply(Streams.frames(wire));
        try (InputStream in = provider().send(SendRequest.full(src.snapshot("s")))) {
            FrameReplayInputStream replay = (FrameReplayInputStream) in;
            InputStream link = FrameResendChannel.attach(new FlippingInputStream(replay, offsets), Optional.of(seq -> {
                asked.add(seq);
                replay.requestFrom(seq);
            }));
            return provider().receive(dst, link, ReceiveOptions.defaults());
        }
    }

    @Test
    void aFrameDamagedOnceIsAskedForAgainAndTheStreamArrivesIntact() throws Exception {
        DatasetName src = scratch();
        writeFile(src, "f", random(100_000, 12));
        provider().createSnapshots(List.of(src.snapshot("s")));
        DatasetName dst = src.parent().child("copy" + n.get());
        List<Long> asked = new ArrayList<>();
        receiveDamaged(src, dst, asked, f -> new long[] {f.get(7).start() + 25});
        assertThat(asked).containsExactly(7L);
        assertThat(memory.read(dst, "f")).isEqualTo(random(100_000, 12));
        assertThat(reports).hasSize(1);
        assertThat(reports.get(0).ok()).isTrue();
        assertThat(reports.get(0).resentFrames()).isOne();
    }

    @Test
    void aFrameDamagedThreeTimesFailsClearlyAndNothingIsReceived() throws Exception {
        DatasetName src = scratch();
        writeFile(src, "f", random(100_000, 13));
        provider().createSnapshots(List.of(src.snapshot("s")));
        DatasetName dst = src.parent().child("copy" + n.get());
        List<Long> asked = new ArrayList<>();
        // each copy of frame 7 follows the previous one at once: the receiver asks as soon as it has read it
        DatasetException e = catchThrowableOfType(DatasetException.class, () -> receiveDamaged(src, dst, asked, f -> {
            int len = f.get(7).end() - f.get(7).start();
            return new long[] {f.get(7).start() + 25, f.get(7).end() + 25, f.get(7).end() + len + 25};
        }));
        assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_STREAM);
        assertThat(e.getMessage()).contains("frame 7 of " + src + "@s failed verification 3 times")
                .contains("check the link, memory and disks");
        assertThat(asked).containsExactly(7L, 7L);
        assertThat(memory.exists(dst)).isFalse();
        assertThat(reports).hasSize(1);
        assertThat(reports.get(0).ok()).isFalse();
        assertThat(reports.get(0).resentFrames()).isEqualTo(2);
    }
}
