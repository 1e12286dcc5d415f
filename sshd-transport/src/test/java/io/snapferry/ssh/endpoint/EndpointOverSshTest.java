package io.snapferry.ssh.endpoint;

import static io.snapferry.ssh.TwoBoxes.DATA;
import static io.snapferry.ssh.TwoBoxes.FROM_A;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.ssh.Processes;
import io.snapferry.ssh.TwoBoxes;
import io.snapferry.testing.Requirements;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two in-memory boxes talking the endpoint protocol over a real SSH connection on loopback. */
class EndpointOverSshTest {
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

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private ReceiveResult push(RemoteEndpoint ep, SendRequest request, DatasetName target) throws IOException {
        try (InputStream s = boxes.a.send(request)) {
            return ep.receive(target, s, ReceiveOptions.defaults());
        }
    }

    @Test
    void fullAndIncrementalPushArriveIntact() throws IOException {
        DatasetName src = DatasetName.of("pool/src");
        boxes.a.createDataset(src);
        byte[] big = random(9 << 20, 1);
        boxes.a.write(src, "big", big);
        boxes.a.createSnapshots(List.of(src.snapshot("s1")));
        boxes.a.write(src, "second", random(1 << 20, 2));
        boxes.a.createSnapshots(List.of(src.snapshot("s2")));
        boxes.a.write(src, "third", random(3000, 3));
        boxes.a.createSnapshots(List.of(src.snapshot("s3")));
        DatasetName target = FROM_A.child("src");

        try (RemoteEndpoint ep = boxes.connector.openEndpoint(boxes.connection())) {
            assertThat(ep.hello().protocolVersion()).isEqualTo(4);
            assertThat(ep.hello().remote()).isEqualTo(new EndpointIdentity("box-b", "0.1.0"));
            assertThat(ep.hello().peerName()).isEqualTo("boxa");

            ReceiveResult full = push(ep, SendRequest.full(src.snapshot("s1")), target);
            assertThat(full.received()).containsExactly(target.snapshot("s1"));
            assertThat(boxes.b.snapshotFiles(target.snapshot("s1")).get("big")).isEqualTo(big);

            ReceiveResult incr = push(ep, SendRequest.incremental(src.snapshot("s1"), src.snapshot("s3"), true), target);
            assertThat(incr.received()).containsExactly(target.snapshot("s2"), target.snapshot("s3"));
            assertThat(boxes.b.snapshotFiles(target.snapshot("s3"))).containsOnlyKeys("big", "second", "third");

            List<Snapshot> remote = ep.listSnapshots(target);
            assertThat(remote).extracting(Snapshot::guid)
                    .containsExactlyElementsOf(boxes.a.listSnapshots(src).stream().map(Snapshot::guid).toList());
            assertThat(ep.listDatasets(Optional.empty())).extracting(Dataset::name)
                    .containsExactly(DATA, FROM_A, target);
            assertThat(ep.resumeToken(target)).isEmpty();
        }
    }

    @Test
    void aPeerConfinedToItsReceiveRootCannotReceiveElsewhere() throws IOException {
        DatasetName src = DatasetName.of("pool/src");
        boxes.a.createDataset(src);
        boxes.a.write(src, "f", random(4 << 20, 4));
        boxes.a.createSnapshots(List.of(src.snapshot("s1")));
        try (RemoteEndpoint ep = boxes.connector.openEndpoint(boxes.connection())) {
            assertThatThrownBy(() -> push(ep, SendRequest.full(src.snapshot("s1")), DatasetName.of("pool/other/src")))
                    .isInstanceOf(DatasetException.class)
                    .hasMessageContaining("not authorised: peer boxa may not receive into pool/other/src")
                    .satisfies(e -> assertThat(((DatasetException) e).code()).isEqualTo(ErrorCode.PERMISSION));
            assertThatThrownBy(() -> push(ep, SendRequest.full(src.snapshot("s1")), DatasetName.of("pool/fromAB")))
                    .hasMessageContaining("not authorised");
            assertThat(boxes.b.datasetNames()).doesNotContain(DatasetName.of("pool/other/src"), DatasetName.of("pool/fromAB"));
            // the endpoint stays usable after a refusal
            assertThat(push(ep, SendRequest.full(src.snapshot("s1")), FROM_A.child("src")).received()).hasSize(1);
            // a refused receive in the middle of a stream: the target exists, nothing changes
            assertThatThrownBy(() -> push(ep, SendRequest.full(src.snapshot("s1")), FROM_A.child("src")))
                    .isInstanceOf(DatasetException.class)
                    .satisfies(e -> assertThat(((DatasetException) e).code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
            assertThat(ep.listSnapshots(FROM_A.child("src"))).hasSize(1);
        }
    }

    @Test
    void pullNeedsReadPermission() throws IOException {
        byte[] content = random(5 << 20, 5);
        boxes.b.write(DATA, "f", content);
        boxes.b.createSnapshots(List.of(DATA.snapshot("d1")));
        boxes.b.createSnapshots(List.of(TwoBoxes.SECRET.snapshot("x")));
        try (RemoteEndpoint ep = boxes.connector.openEndpoint(boxes.connection())) {
            try (InputStream in = ep.send(SendRequest.full(DATA.snapshot("d1")))) {
                boxes.a.receive(DatasetName.of("pool/pulled"), in, ReceiveOptions.defaults());
            }
            assertThat(boxes.a.snapshotFiles(DatasetName.of("pool/pulled").snapshot("d1")).get("f")).isEqualTo(content);
            assertThatThrownBy(() -> ep.send(SendRequest.full(TwoBoxes.SECRET.snapshot("x"))))
                    .isInstanceOf(DatasetException.class)
                    .hasMessageContaining("not authorised: peer boxa may not read pool/secret");
            assertThatThrownBy(() -> ep.listSnapshots(TwoBoxes.SECRET)).hasMessageContaining("not authorised");
            assertThatThrownBy(() -> ep.send(SendRequest.full(DATA.snapshot("nope"))))
                    .isInstanceOf(DatasetException.class)
                    .satisfies(e -> assertThat(((DatasetException) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
            // a pulled stream closed early closes the endpoint, never leaves it out of step
            InputStream partial = ep.send(SendRequest.full(DATA.snapshot("d1")));
            assertThat(partial.read(new byte[10])).isEqualTo(10);
            assertThatThrownBy(() -> ep.listSnapshots(DATA)).isInstanceOf(IllegalStateException.class);
            partial.close();
            assertThat(ep.isOpen()).isFalse();
        }
    }

    @Test
    void retentionAndHoldsOnTheReceivingSide() throws IOException {
        DatasetName src = DatasetName.of("pool/src");
        boxes.a.createDataset(src);
        boxes.a.createSnapshots(List.of(src.snapshot("s1")));
        boxes.a.createSnapshots(List.of(src.snapshot("s2")));
        DatasetName target = FROM_A.child("src");
        try (RemoteEndpoint ep = boxes.connector.openEndpoint(boxes.connection())) {
            push(ep, SendRequest.incremental(src.snapshot("s1"), src.snapshot("s2"), true), target);
        } catch (DatasetException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
        }
        try (RemoteEndpoint ep = boxes.connector.openEndpoint(boxes.connection())) {
            push(ep, SendRequest.full(src.snapshot("s1")), target);
            push(ep, SendRequest.incremental(src.snapshot("s1"), src.snapshot("s2"), false), target);
            SnapshotName s1 = target.snapshot("s1");
            ep.hold(s1, "snapferry-repl");
            assertThat(ep.holds(s1)).containsExactly("snapferry-repl");
            DestroyResult held = ep.destroySnapshots(List.of(s1));
            assertThat(held.destroyed()).isEmpty();
            assertThat(held.skipped()).containsKey(s1);
            ep.release(s1, "snapferry-repl");
            assertThat(ep.holds(s1)).isEmpty();
            assertThat(ep.destroySnapshots(List.of(s1)).destroyed()).containsExactly(s1);
            assertThat(ep.listSnapshots(target)).extracting(s -> s.name().name()).containsExactly("s2");
            boxes.b.createSnapshots(List.of(DATA.snapshot("d1")));
            assertThatThrownBy(() -> ep.destroySnapshots(List.of(DATA.snapshot("d1"))))
                    .hasMessageContaining("not authorised: peer boxa may not destroy snapshots of pool/data");
            // holds on a readable source snapshot are allowed (pull replication keeps its base)
            ep.hold(DATA.snapshot("d1"), "pull-base");
            assertThat(boxes.b.holds(DATA.snapshot("d1"))).containsExactly("pull-base");
            assertThatThrownBy(() -> ep.hold(DATA.snapshot("d1"), "bad tag")).isInstanceOf(DatasetException.class);
        }
    }

    /** Garbage on one channel closes that channel with a reason; the server goes on serving others. */
    @Test
    void malformedInputClosesOnlyItsChannel() throws Exception {
        Requirements.require(Requirements.onPath("ssh"), "OpenSSH ssh client");
        Path key = tmp.resolve("a-keys/tob.key");
        Path known = tmp.resolve("known_hosts");
        Files.writeString(known, "[127.0.0.1]:" + boxes.server.port() + " " + boxes.server.hostPublicKey() + "\n");
        List<String> ssh = List.of("ssh", "-F", "/dev/null", "-i", key.toString(), "-p", Integer.toString(boxes.server.port()),
                "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + known, "-o", "BatchMode=yes",
                "-o", "IdentitiesOnly=yes", "-s", "snapferry@127.0.0.1", EndpointServer.SUBSYSTEM);
        ByteArrayOutputStream oversized = new ByteArrayOutputStream();
        oversized.writeBytes(new Conversations().hello().bytes());
        oversized.writeBytes(new byte[] {0x10, 0, 0, 0, 1});
        oversized.writeBytes(new byte[4096]);
        Processes.Result r = Processes.runBytes(ssh, oversized.toByteArray(), tmp);
        List<Frames.Frame> frames = Conversations.frames(r.stdout().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(frames).hasSize(2);
        assertThat(Conversations.json(frames.get(0)).get("ok").booleanValue()).isTrue();
        assertThat(Conversations.json(frames.get(1)).get("message").textValue()).contains("protocol error").contains("exceeds the limit");

        Processes.Result garbage = Processes.runBytes(ssh, "GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII), tmp);
        assertThat(garbage.stdout()).contains("protocol error");

        try (RemoteEndpoint ep = boxes.connector.openEndpoint(boxes.connection())) {
            assertThat(ep.listDatasets(Optional.of(DATA))).extracting(Dataset::name).containsExactly(DATA);
        }
    }
}
