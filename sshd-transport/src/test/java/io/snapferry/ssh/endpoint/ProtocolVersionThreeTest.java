package io.snapferry.ssh.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.ssh.TwoBoxes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Protocol 3: a tree's snapshots and many snapshots' holds in one round trip, over SSH and frame by frame. */
class ProtocolVersionThreeTest {
    @TempDir
    Path tmp;
    TwoBoxes boxes;

    @BeforeEach
    void start() throws IOException {
        boxes = new TwoBoxes(tmp);
    }

    @AfterEach
    void stop() throws IOException {
        boxes.close();
    }

    @Test
    void aTreeIsListedInOneCallEvenWhenItsListingOutgrowsAMessage() throws IOException {
        // 3 datasets x 4,000 snapshots: ~1.8 MB of listing, more than one message frame may carry
        List<DatasetName> tree = List.of(TwoBoxes.DATA, TwoBoxes.DATA.child("vm"), TwoBoxes.DATA.child("vm").child("disk0"));
        for (DatasetName d : tree.subList(1, 3)) {
            boxes.b.createDataset(d);
        }
        for (int i = 0; i < 4000; i++) {
            List<SnapshotName> batch = new ArrayList<>();
            for (DatasetName d : tree) {
                batch.add(d.snapshot(String.format("auto-%05d", i)));
            }
            for (SnapshotName s : batch) {
                boxes.b.createSnapshots(List.of(s));
            }
        }
        boxes.b.createSnapshots(List.of(TwoBoxes.SECRET.snapshot("hidden")));
        boxes.b.hold(TwoBoxes.DATA.child("vm").snapshot("auto-00007"), "snapferry-repl-nightly");

        try (RemoteEndpoint ep = boxes.connector.openEndpoint(boxes.connection())) {
            assertThat(ep.listsTreesInOneCall()).isTrue();
            List<Snapshot> listed = ep.listSnapshotsBelow(TwoBoxes.DATA);
            assertThat(listed).containsExactlyElementsOf(boxes.b.listSnapshotsBelow(TwoBoxes.DATA));
            assertThat(listed).hasSize(12_000);

            List<SnapshotName> names = new ArrayList<>(listed.stream().map(Snapshot::name).toList());
            names.add(TwoBoxes.DATA.snapshot("gone"));
            Map<SnapshotName, Set<String>> holds = ep.holdsOf(names); // 12 batches
            assertThat(holds).hasSize(12_000).doesNotContainKey(TwoBoxes.DATA.snapshot("gone"));
            assertThat(holds.get(TwoBoxes.DATA.child("vm").snapshot("auto-00007"))).containsExactly("snapferry-repl-nightly");
            assertThat(holds.values().stream().filter(t -> !t.isEmpty())).hasSize(1);

            // what the peer may not see stays hidden, and the connection stays usable after a refusal
            assertThatThrownBy(() -> ep.listSnapshotsBelow(TwoBoxes.SECRET)).isInstanceOf(DatasetException.class)
                    .hasMessageContaining("not authorised: peer boxa may not list pool/secret");
            assertThatThrownBy(() -> ep.listSnapshotsBelow(DatasetName.of("pool"))).isInstanceOf(DatasetException.class)
                    .satisfies(e -> assertThat(((DatasetException) e).code()).isEqualTo(ErrorCode.PERMISSION));
            assertThatThrownBy(() -> ep.holdsOf(List.of(TwoBoxes.SECRET.snapshot("hidden")))).isInstanceOf(DatasetException.class)
                    .hasMessageContaining("may not list holds of pool/secret@hidden");
            assertThatThrownBy(() -> ep.listSnapshotsBelow(TwoBoxes.DATA.child("nothing"))).isInstanceOf(DatasetException.class)
                    .satisfies(e -> assertThat(((DatasetException) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
            assertThat(ep.listSnapshots(TwoBoxes.DATA)).hasSize(4000);
        }
    }

    @Test
    void versionThreeOperationsOnAVersionTwoConnectionAreProtocolErrors() throws IOException {
        for (String req : List.of("{\"op\":\"listSnapshotsBelow\",\"root\":\"pool/data\"}",
                "{\"op\":\"holdsOf\",\"snapshots\":[\"pool/data@a\"]}")) {
            List<Frames.Frame> out = EndpointServerTest.serve(EndpointServerTest.provider(), new Conversations().hello(2).message(req).bytes(), true);
            assertThat(Conversations.json(out.get(1)).get("message").textValue()).contains("needs protocol version 3, this connection speaks version 2");
        }
    }

    @Test
    void requestsAreValidated() throws IOException {
        StringBuilder tooMany = new StringBuilder("{\"op\":\"holdsOf\",\"snapshots\":[");
        for (int i = 0; i <= Messages.MAX_HOLDS_OF; i++) {
            tooMany.append(i == 0 ? "" : ",").append("\"pool/data@s").append(i).append('"');
        }
        tooMany.append("]}");
        String[][] cases = {
            {"{\"op\":\"listSnapshotsBelow\"}", "field 'root' must be a string"},
            {"{\"op\":\"listSnapshotsBelow\",\"root\":\"pool/../x\"}", "invalid dataset name"},
            {"{\"op\":\"holdsOf\",\"snapshots\":[7]}", "snapshots must be strings"},
            {"{\"op\":\"holdsOf\",\"snapshots\":[\"pool/data\"]}", "snapshot"},
            {tooMany.toString(), "holdsOf names at most 1000 snapshots"},
        };
        for (String[] c : cases) {
            List<Frames.Frame> out = EndpointServerTest.serve(EndpointServerTest.provider(), new Conversations().hello(3).message(c[0]).bytes(), true);
            assertThat(Conversations.json(out.get(1)).get("message").textValue()).as(c[0]).startsWith("protocol error: ").contains(c[1]);
        }
    }

    private static RemoteEndpoint scripted(Conversations responses) throws IOException {
        return RemoteEndpoint.open(new ByteArrayInputStream(responses.bytes()), new ByteArrayOutputStream(), () -> { },
                new EndpointIdentity("box-a", "0.1.0"));
    }

    private static final String HELLO3 = "{\"ok\":true,\"version\":3,\"boxId\":\"box-b\",\"software\":\"0.1.0\",\"peer\":\"boxa\"}";

    private static byte[] line(String json) {
        return (json + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static final String SNAP = "{\"name\":\"%s\",\"guid\":1,\"createTxg\":1,\"createdAt\":0,\"used\":0,\"referenced\":0,\"holds\":0}";

    @Test
    void theClientDistrustsAListingOutsideTheTreeOrCutShort() throws IOException {
        Object[][] bad = {
            {new Conversations().message(HELLO3).message("{\"ok\":true}").data(line(String.format(SNAP, "pool/other@x"))).end(),
                "the remote listed pool/other@x below pool/data"},
            {new Conversations().message(HELLO3).message("{\"ok\":true}").data(String.format(SNAP, "pool/data@x").getBytes()).end(),
                "the listing ended inside a line"},
            {new Conversations().message(HELLO3).message("{\"ok\":true}").data(new byte[Messages.MAX_LISTING_LINE + 1]).end(),
                "longer than 4096 bytes"},
            {new Conversations().message(HELLO3).message("{\"ok\":true}").data(line(String.format(SNAP, "pool/data@x"))),
                "no end marker"},
        };
        for (Object[] b : bad) {
            RemoteEndpoint ep = scripted((Conversations) b[0]);
            assertThatThrownBy(() -> ep.listSnapshotsBelow(TwoBoxes.DATA)).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining((String) b[1]);
            assertThat(ep.isOpen()).as("a remote that answers nonsense is not used further").isFalse();
        }
        RemoteEndpoint holds = scripted(new Conversations().message(HELLO3).message("{\"ok\":true,\"holds\":{\"pool/data@other\":[]}}"));
        assertThatThrownBy(() -> holds.holdsOf(List.of(TwoBoxes.DATA.snapshot("asked")))).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("which were not asked for");
        assertThat(holds.isOpen()).isFalse();
    }

    @Test
    void aVersionTwoRemoteIsNotAskedAndSaysWhy() throws IOException {
        RemoteEndpoint ep = scripted(new Conversations()
                .message("{\"ok\":true,\"version\":2,\"boxId\":\"box-old\",\"software\":\"0.0.9\",\"peer\":\"boxa\"}"));
        assertThat(ep.listsTreesInOneCall()).isFalse();
        assertThatThrownBy(() -> ep.listSnapshotsBelow(TwoBoxes.DATA)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("box-old speaks endpoint protocol version 2");
        assertThat(ep.isOpen()).isTrue();
    }
}
