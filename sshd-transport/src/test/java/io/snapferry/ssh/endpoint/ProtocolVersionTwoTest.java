package io.snapferry.ssh.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The operations of protocol version 2 without SSH: version gating, validation, store failures. */
class ProtocolVersionTwoTest {
    private static final EndpointIdentity B = new EndpointIdentity("box-b", "0.1.0");

    private static List<Frames.Frame> serve(OwnershipStore owners, byte[] input, boolean expectProtocolError) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EndpointServer server = new EndpointServer(EndpointServerTest.provider(), EndpointServerTest.PEER, B, owners);
        if (expectProtocolError) {
            assertThatThrownBy(() -> server.serve(new ByteArrayInputStream(input), out)).isInstanceOf(ProtocolException.class);
        } else {
            server.serve(new ByteArrayInputStream(input), out);
        }
        return Conversations.frames(out.toByteArray());
    }

    private static String message(Frames.Frame f) throws ProtocolException {
        return Conversations.json(f).get("message").textValue();
    }

    @Test
    void versionTwoOperationsOnAVersionOneConnectionAreProtocolErrors() throws IOException {
        for (String op : List.of("hasUnsnapshottedData", "createParents", "ownership")) {
            List<Frames.Frame> out = serve(OwnershipStore.inMemory(), new Conversations().hello(1)
                    .message("{\"op\":\"" + op + "\",\"dataset\":\"pool/fromA/x\"}").bytes(), true);
            assertThat(Conversations.json(out.get(0)).get("version").intValue()).isEqualTo(1);
            assertThat(message(out.get(1))).isEqualTo("protocol error: operation '" + op
                    + "' needs protocol version 2, this connection speaks version 1");
        }
        List<Frames.Frame> out = serve(OwnershipStore.inMemory(), new Conversations().hello(2)
                .message("{\"op\":\"createParents\",\"dataset\":\"pool/fromA/x/y\"}").bytes(), false);
        assertThat(Conversations.json(out.get(0)).get("version").intValue()).isEqualTo(2);
        assertThat(Conversations.json(out.get(1)).get("created").get(0).textValue()).isEqualTo("pool/fromA/x");
    }

    @Test
    void claimsAreValidated() throws IOException {
        OwnershipStore owners = OwnershipStore.inMemory();
        String[][] cases = {
            {"{\"op\":\"claim\",\"dataset\":\"pool/fromA/x\"}", "field 'owner' must be an object"},
            {"{\"op\":\"claim\",\"dataset\":\"pool/fromA/x\",\"owner\":\"box-a\"}", "field 'owner' must be an object"},
            {"{\"op\":\"claim\",\"dataset\":\"pool/fromA/x\",\"owner\":{\"boxId\":\"box-a\"}}", "field 'taskId' must be a string"},
            {"{\"op\":\"claim\",\"dataset\":\"pool/fromA/x\",\"owner\":{\"boxId\":\"box a\",\"taskId\":\"t\"}}", "box id must be"},
            {"{\"op\":\"claim\",\"dataset\":\"pool/fromA/x\",\"owner\":{\"boxId\":\"a\",\"taskId\":\"\"}}", "task id must be"},
            {"{\"op\":\"claim\",\"dataset\":\"pool/../x\",\"owner\":{\"boxId\":\"a\",\"taskId\":\"t\"}}", "invalid dataset name"},
            {"{\"op\":\"ownership\",\"dataset\":7}", "field 'dataset' must be a string"},
        };
        for (String[] c : cases) {
            List<Frames.Frame> out = serve(owners, new Conversations().hello(2).message(c[0]).bytes(), true);
            assertThat(message(out.get(1))).as(c[0]).startsWith("protocol error: ").contains(c[1]);
        }
        assertThat(owners.get(DatasetName.of("pool/fromA/x"))).isEmpty();
    }

    @Test
    void aFailingStoreIsAnErrorResponseAndTheConnectionGoesOn() throws IOException {
        OwnershipStore broken = new OwnershipStore() {
            @Override
            public Optional<TargetOwner> get(DatasetName target) {
                throw new DatasetException(ErrorCode.INTERNAL, "ownership record of " + target + " is damaged");
            }

            @Override
            public void put(DatasetName target, TargetOwner owner) {
                throw new java.io.UncheckedIOException(new IOException("disk full"));
            }
        };
        List<Frames.Frame> out = serve(broken, new Conversations().hello(2)
                .message("{\"op\":\"ownership\",\"dataset\":\"pool/fromA/x\"}")
                .message("{\"op\":\"claim\",\"dataset\":\"pool/fromA/x\",\"owner\":{\"boxId\":\"a\",\"taskId\":\"t\"}}")
                .message("{\"op\":\"listDatasets\",\"root\":\"pool/fromA\"}").bytes(), false);
        assertThat(out).hasSize(4);
        ObjectNode get = Conversations.json(out.get(1));
        assertThat(get.get("code").textValue()).isEqualTo("INTERNAL");
        assertThat(get.get("message").textValue()).isEqualTo("ownership record of pool/fromA/x is damaged");
        assertThat(Conversations.json(out.get(2)).get("code").textValue()).isEqualTo("INTERNAL");
        assertThat(message(out.get(2))).contains("claim failed").contains("disk full");
        assertThat(Conversations.json(out.get(3)).get("ok").booleanValue()).isTrue();
    }

    /** A client over a scripted server: the server's answers are {@code responses}, what the client sent lands in the returned buffer. */
    private static RemoteEndpoint scripted(Conversations responses, ByteArrayOutputStream sent) throws IOException {
        return RemoteEndpoint.open(new ByteArrayInputStream(responses.bytes()), sent, () -> { }, new EndpointIdentity("box-a", "0.1.0"));
    }

    @Test
    void theClientRefusesVersionTwoOperationsToAVersionOneRemoteWithoutAsking() throws IOException {
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        try (RemoteEndpoint ep = scripted(new Conversations()
                .message("{\"ok\":true,\"version\":1,\"boxId\":\"box-old\",\"software\":\"0.0.9\",\"peer\":\"boxa\"}"), sent)) {
            int afterHello = sent.size();
            DatasetName target = DatasetName.of("pool/fromA/x");
            List<ThrowingCall> calls = List.of(() -> ep.hasUnsnapshottedData(target), () -> ep.createParents(target),
                    () -> ep.ownership(target), () -> ep.claim(target, new TargetOwner("box-a", "t")));
            for (ThrowingCall call : calls) {
                assertThatThrownBy(call::run)
                        .isInstanceOf(DatasetException.class)
                        .hasMessageContaining("box-old speaks endpoint protocol version 1")
                        .hasMessageContaining("upgrade snapferry on that box")
                        .satisfies(e -> assertThat(((DatasetException) e).code()).isEqualTo(ErrorCode.UNSUPPORTED));
            }
            assertThat(sent.size()).isEqualTo(afterHello);
            assertThat(ep.isOpen()).isTrue();
        }
    }

    @Test
    void theClientValidatesTheAnswers() throws IOException {
        String hello = "{\"ok\":true,\"version\":2,\"boxId\":\"box-b\",\"software\":\"0.1.0\",\"peer\":\"boxa\"}";
        DatasetName target = DatasetName.of("pool/fromA/x/y");
        try (RemoteEndpoint ep = scripted(new Conversations().message(hello)
                .message("{\"ok\":true,\"created\":[\"pool/fromA\",\"pool/fromA/x\"]}")
                .message("{\"ok\":true,\"owner\":{\"boxId\":\"box-a\",\"taskId\":\"nightly\"}}")
                .message("{\"ok\":true,\"unsnapshotted\":true}"), new ByteArrayOutputStream())) {
            assertThat(ep.createParents(target)).containsExactly(DatasetName.of("pool/fromA"), DatasetName.of("pool/fromA/x"));
            assertThat(ep.ownership(target)).contains(new TargetOwner("box-a", "nightly"));
            assertThat(ep.hasUnsnapshottedData(target)).isTrue();
        }
        String[][] bad = {
            {"{\"ok\":true,\"created\":[\"pool/elsewhere\"]}", "not a parent of pool/fromA/x/y"},
            {"{\"ok\":true,\"created\":[\"pool/fromA/x/y\"]}", "not a parent of pool/fromA/x/y"},
            {"{\"ok\":true}", "field 'created' must be an array"},
        };
        for (String[] b : bad) {
            RemoteEndpoint ep = scripted(new Conversations().message(hello).message(b[0]), new ByteArrayOutputStream());
            assertThatThrownBy(() -> ep.createParents(target)).isInstanceOf(ProtocolException.class).hasMessageContaining(b[1]);
            assertThat(ep.isOpen()).isFalse();
        }
        RemoteEndpoint owner = scripted(new Conversations().message(hello)
                .message("{\"ok\":true,\"owner\":{\"boxId\":\"\",\"taskId\":\"t\"}}"), new ByteArrayOutputStream());
        assertThatThrownBy(() -> owner.ownership(target)).isInstanceOf(ProtocolException.class).hasMessageContaining("box id");
        RemoteEndpoint unsnap = scripted(new Conversations().message(hello)
                .message("{\"ok\":true,\"unsnapshotted\":\"yes\"}"), new ByteArrayOutputStream());
        assertThatThrownBy(() -> unsnap.hasUnsnapshottedData(target)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("'unsnapshotted' must be true or false");
    }

    interface ThrowingCall {
        void run() throws Exception;
    }
}
