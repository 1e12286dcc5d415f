package io.snapferry.ssh.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.SnapshotName;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The endpoint server driven frame by frame, without SSH. */
class EndpointServerTest {
    static final DatasetName DATA = DatasetName.of("pool/data");
    static final DatasetName SINK = DatasetName.of("pool/fromA");

    /** Reads pool/data, receives under pool/fromA. */
    static final Permissions PEER = new Permissions() {
        @Override
        public String peerName() {
            return "boxa";
        }

        @Override
        public boolean mayReceive(DatasetName d) {
            return SINK.contains(d);
        }

        @Override
        public boolean mayRead(DatasetName d) {
            return DATA.contains(d);
        }

        @Override
        public List<DatasetName> visibleRoots() {
            return List.of(DATA, SINK);
        }
    };

    static InMemoryDatasetProvider provider() {
        InMemoryDatasetProvider p = new InMemoryDatasetProvider(Clock.systemUTC(), "pool");
        p.createDataset(DATA);
        p.createDataset(SINK);
        p.createDataset(DatasetName.of("pool/secret"));
        return p;
    }

    static List<Frames.Frame> serve(InMemoryDatasetProvider provider, byte[] input, boolean expectProtocolError) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EndpointServer server = new EndpointServer(provider, PEER, new EndpointIdentity("box-b", "0.1.0"));
        if (expectProtocolError) {
            assertThatThrownBy(() -> server.serve(new ByteArrayInputStream(input), out)).isInstanceOf(ProtocolException.class);
        } else {
            server.serve(new ByteArrayInputStream(input), out);
        }
        return Conversations.frames(out.toByteArray());
    }

    @Test
    void helloNegotiatesTheHighestCommonVersion() throws IOException {
        List<Frames.Frame> out = serve(provider(), new Conversations()
                .message("{\"op\":\"hello\",\"versions\":[7,1,3],\"boxId\":\"box-a\",\"software\":\"9.9\"}").bytes(), false);
        ObjectNode hello = Conversations.json(out.get(0));
        assertThat(hello.get("ok").booleanValue()).isTrue();
        assertThat(hello.get("version").intValue()).isEqualTo(3);
        assertThat(hello.get("boxId").textValue()).isEqualTo("box-b");
        assertThat(hello.get("peer").textValue()).isEqualTo("boxa");
    }

    @Test
    void noCommonVersionIsRefusedAndEndsTheConnection() throws IOException {
        List<Frames.Frame> out = serve(provider(), new Conversations()
                .message("{\"op\":\"hello\",\"versions\":[5,6],\"boxId\":\"box-a\",\"software\":\"9.9\"}")
                .message("{\"op\":\"listDatasets\"}").bytes(), false);
        assertThat(out).hasSize(1);
        ObjectNode m = Conversations.json(out.get(0));
        assertThat(m.get("code").textValue()).isEqualTo("UNSUPPORTED");
        assertThat(m.get("message").textValue()).contains("no common protocol version");
    }

    @Test
    void requestsBeforeHelloAreProtocolErrors() throws IOException {
        List<Frames.Frame> out = serve(provider(), new Conversations().message("{\"op\":\"listDatasets\"}").bytes(), true);
        assertThat(Conversations.json(out.get(0)).get("message").textValue()).contains("protocol error: the first request must be hello");
    }

    @Test
    void badNamesAndUnknownOperationsEndTheConnectionWithAReason() throws IOException {
        List<Frames.Frame> out = serve(provider(), new Conversations().hello()
                .message("{\"op\":\"listSnapshots\",\"dataset\":\"pool/../etc\"}").bytes(), true);
        assertThat(Conversations.json(out.get(1)).get("message").textValue()).contains("protocol error: invalid dataset name");
        out = serve(provider(), new Conversations().hello().message("{\"op\":\"format\"}").bytes(), true);
        assertThat(Conversations.json(out.get(1)).get("message").textValue()).contains("unknown operation 'format'");
        out = serve(provider(), new Conversations().hello().raw(new byte[] {0x7f, 0, 0, 0, 1}).bytes(), true);
        assertThat(Conversations.json(out.get(1)).get("message").textValue()).contains("exceeds the limit");
    }

    @Test
    void permissionsAreCheckedForEveryOperation() throws IOException {
        InMemoryDatasetProvider p = provider();
        p.createSnapshots(List.of(SnapshotName.parse("pool/secret@s1")));
        List<Frames.Frame> out = serve(p, new Conversations().hello()
                .message("{\"op\":\"listSnapshots\",\"dataset\":\"pool/secret\"}")
                .message("{\"op\":\"send\",\"snapshot\":\"pool/secret@s1\"}")
                .message("{\"op\":\"receive\",\"target\":\"pool/data/x\"}")
                .message("{\"op\":\"destroySnapshots\",\"snapshots\":[\"pool/data@s1\"]}")
                .message("{\"op\":\"hold\",\"snapshot\":\"pool/secret@s1\",\"tag\":\"t\"}")
                .message("{\"op\":\"resumeToken\",\"dataset\":\"pool/data\"}")
                .message("{\"op\":\"listDatasets\"}").bytes(), false);
        List<String> messages = out.stream().skip(1).limit(6).map(f -> {
            try {
                return Conversations.json(f).get("message").textValue();
            } catch (ProtocolException e) {
                throw new AssertionError(e);
            }
        }).toList();
        assertThat(messages).containsExactly(
                "not authorised: peer boxa may not list pool/secret",
                "not authorised: peer boxa may not read pool/secret",
                "not authorised: peer boxa may not receive into pool/data/x",
                "not authorised: peer boxa may not destroy snapshots of pool/data",
                "not authorised: peer boxa may not hold pool/secret@s1",
                "not authorised: peer boxa may not read the resume token of pool/data");
        ObjectNode list = Conversations.json(out.get(7));
        assertThat(list.get("datasets").findValuesAsText("name")).containsExactly("pool/data", "pool/fromA");
    }

    @Test
    void receiveTakesInlineChunksAndAnswersOnce() throws IOException {
        InMemoryDatasetProvider source = provider();
        source.write(DATA, "f", "hello".getBytes(StandardCharsets.UTF_8));
        source.createSnapshots(List.of(DATA.snapshot("s1")));
        byte[] stream;
        try (InputStream in = source.send(SendRequest.full(DATA.snapshot("s1")))) {
            stream = in.readAllBytes();
        }
        InMemoryDatasetProvider target = provider();
        Conversations c = new Conversations().hello().message("{\"op\":\"receive\",\"target\":\"pool/fromA/data\"}");
        for (int i = 0; i < stream.length; i += 7) {
            c.data(java.util.Arrays.copyOfRange(stream, i, Math.min(stream.length, i + 7)));
        }
        List<Frames.Frame> out = serve(target, c.end().message("{\"op\":\"listSnapshots\",\"dataset\":\"pool/fromA/data\"}").bytes(), false);
        assertThat(out).hasSize(4);
        assertThat(Conversations.json(out.get(2)).get("received").get(0).textValue()).isEqualTo("pool/fromA/data@s1");
        assertThat(target.read(DatasetName.of("pool/fromA/data"), "f")).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anAbortedStreamChangesNothing() throws IOException {
        InMemoryDatasetProvider target = provider();
        List<Frames.Frame> out = serve(target, new Conversations().hello()
                .message("{\"op\":\"receive\",\"target\":\"pool/fromA/data\"}")
                .data(new byte[100])
                .raw(abortFrame())
                .message("{\"op\":\"listDatasets\",\"root\":\"pool/fromA\"}").bytes(), false);
        assertThat(Conversations.json(out.get(2)).get("ok").booleanValue()).isFalse();
        assertThat(Conversations.json(out.get(3)).get("datasets").findValuesAsText("name")).containsExactly("pool/fromA");
    }

    private static byte[] abortFrame() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        new Frames.Writer(b).abort(Messages.error(io.snapferry.dataset.ErrorCode.CORRUPT_STREAM, "source failed"));
        return b.toByteArray();
    }
}
