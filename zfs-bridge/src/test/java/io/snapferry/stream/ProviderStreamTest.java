package io.snapferry.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A provider's send stream carried through the framing and received on the other side, unchanged. */
class ProviderStreamTest {
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void aFullAndAnIncrementalSendTravelEncryptedAndCompressed() throws IOException {
        InMemoryDatasetProvider source = new InMemoryDatasetProvider(clock, "tank");
        InMemoryDatasetProvider target = new InMemoryDatasetProvider(clock, "backup");
        DatasetName ds = DatasetName.of("tank/data");
        source.createDataset(ds);
        source.write(ds, "a.txt", Streams.compressible(3 << 20, 1));
        source.createSnapshots(List.of(ds.snapshot("one")));
        source.write(ds, "b.bin", Streams.bytes(1 << 20, 2));
        source.createSnapshots(List.of(ds.snapshot("two")));
        Snapshot one = source.listSnapshots(ds).get(0);
        Snapshot two = source.listSnapshots(ds).get(1);
        StreamOptions options = StreamOptions.defaults().withCompression(Compression.ZSTD).withKey(Streams.KEY);
        DatasetName into = DatasetName.of("backup/data");

        byte[] full = send(source, SendRequest.full(one.name()), StreamHeader.create(source.kind(), ds, Optional.empty(),
                SnapshotIdentity.of(one.name(), one.guid()), "box-a"), options);
        ReceiveResult r1 = receive(target, into, full, options.key());
        assertThat(r1.received()).containsExactly(into.snapshot("one"));

        byte[] incremental = send(source, SendRequest.incremental(one.name(), two.name(), false),
                StreamHeader.create(source.kind(), ds, Optional.of(SnapshotIdentity.of(one.name(), one.guid())),
                        SnapshotIdentity.of(two.name(), two.guid()), "box-a"), options);
        receive(target, into, incremental, options.key());
        assertThat(target.listSnapshots(into)).extracting(Snapshot::guid).containsExactly(one.guid(), two.guid());
        assertThat(target.read(into, "b.bin")).isEqualTo(source.read(ds, "b.bin"));
        assertThat(full.length).as("zstd made the text smaller").isLessThan(3 << 20);
    }

    @Test
    void aTruncatedStreamReachesTheProviderAsAFailureNotAsAShortPayload() throws IOException {
        InMemoryDatasetProvider source = new InMemoryDatasetProvider(clock, "tank");
        InMemoryDatasetProvider target = new InMemoryDatasetProvider(clock, "backup");
        DatasetName ds = DatasetName.of("tank/data");
        source.createDataset(ds);
        source.write(ds, "a.bin", Streams.bytes(3 << 20, 3));
        source.createSnapshots(List.of(ds.snapshot("one")));
        Snapshot one = source.listSnapshots(ds).get(0);
        byte[] wire = send(source, SendRequest.full(one.name()), StreamHeader.create("memory", ds, Optional.empty(),
                SnapshotIdentity.of(one.name(), one.guid()), "box-a"), StreamOptions.defaults());
        byte[] cut = java.util.Arrays.copyOf(wire, Streams.trailerSpan(wire).start());
        assertThatThrownBy(() -> receive(target, DatasetName.of("backup/data"), cut, Optional.empty())).isInstanceOf(IOException.class);
        assertThat(target.exists(DatasetName.of("backup/data"))).isFalse();
    }

    private static byte[] send(InMemoryDatasetProvider p, SendRequest request, StreamHeader header, StreamOptions options)
            throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        try (InputStream payload = p.send(request)) {
            StreamWriter.pump(payload, wire, header, options);
        }
        return wire.toByteArray();
    }

    private static ReceiveResult receive(InMemoryDatasetProvider p, DatasetName into, byte[] wire, Optional<StreamKey> key)
            throws IOException {
        try (StreamReader r = StreamReader.open(new ByteArrayInputStream(wire), key, StreamLimits.defaults())) {
            assertThat(r.header().to().name()).isIn("one", "two");
            return p.receive(into, r, ReceiveOptions.defaults());
        }
    }
}
