package io.snapferry.ssh.endpoint;

import static io.snapferry.ssh.TwoBoxes.DATA;
import static io.snapferry.ssh.TwoBoxes.FROM_A;
import static io.snapferry.ssh.TwoBoxes.OTHER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.ssh.TwoBoxes;
import io.snapferry.ssh.server.Peer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operations a receiving box answers about its targets (protocol version 2), over a real SSH
 * connection: unsnapshotted data, creating parents, ownership, aborting a resumable receive.
 * Peer "boxa" may receive into pool/fromA only.
 */
class TargetOperationsOverSshTest {
    @TempDir
    Path tmp;
    TwoBoxes boxes;
    PendingReceives pending;
    OwnershipStore owners;

    @BeforeEach
    void start() throws IOException {
        owners = OwnershipStore.inMemory();
        boxes = new TwoBoxes(tmp, b -> pending = new PendingReceives(b), owners);
    }

    @AfterEach
    void stop() throws IOException {
        boxes.close();
    }

    private RemoteEndpoint open() throws IOException {
        return boxes.connector.openEndpoint(boxes.connection());
    }

    @Test
    void unsnapshottedDataIsWrittenDataWithoutASnapshot() throws IOException {
        DatasetName fresh = FROM_A.child("fresh");
        DatasetName written = FROM_A.child("written");
        boxes.b.createDataset(fresh);
        boxes.b.createDataset(written);
        boxes.b.write(written, "f", new byte[] {1, 2, 3});
        try (RemoteEndpoint ep = open()) {
            assertThat(ep.hello().protocolVersion()).isEqualTo(4);
            assertThat(ep.hasUnsnapshottedData(fresh)).isFalse();
            assertThat(ep.hasUnsnapshottedData(written)).isTrue();
            boxes.b.createSnapshots(List.of(written.snapshot("s1")));
            assertThat(ep.hasUnsnapshottedData(written)).isFalse();
            boxes.b.write(written, "g", new byte[] {4});
            assertThat(ep.hasUnsnapshottedData(written)).as("data after a snapshot is not unsnapshotted data").isFalse();
            assertThatThrownBy(() -> ep.hasUnsnapshottedData(FROM_A.child("missing")))
                    .isInstanceOf(DatasetException.class)
                    .satisfies(e -> assertThat(((DatasetException) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
            boxes.b.write(DATA, "f", new byte[] {1});
            refused(() -> ep.hasUnsnapshottedData(DATA), "not authorised: peer boxa may not inspect pool/data");
            assertThat(ep.isOpen()).isTrue();
        }
    }

    @Test
    void createParentsCreatesTheMissingAncestorsOnly() throws IOException {
        DatasetName deep = FROM_A.resolve("x/y/z");
        try (RemoteEndpoint ep = open()) {
            assertThat(ep.createParents(deep)).containsExactly(FROM_A.child("x"), FROM_A.resolve("x/y"));
            assertThat(boxes.b.datasetNames()).contains(FROM_A.child("x"), FROM_A.resolve("x/y")).doesNotContain(deep);
            assertThat(ep.createParents(deep)).as("idempotent").isEmpty();
            assertThat(ep.createParents(FROM_A.child("top"))).isEmpty();
            refused(() -> ep.createParents(OTHER.resolve("x/y")), "not authorised: peer boxa may not create the parents of pool/other/x/y");
            assertThat(boxes.b.datasetNames()).doesNotContain(OTHER.child("x"));
        }
    }

    @Test
    void createParentsMayCreateTheReceiveRootButNothingAboveIt() throws IOException {
        boxes.b.destroyDataset(FROM_A, true);
        try (RemoteEndpoint ep = open()) {
            assertThat(ep.createParents(FROM_A.child("src"))).containsExactly(FROM_A);
            assertThat(boxes.b.datasetNames()).contains(FROM_A).doesNotContain(FROM_A.child("src"));
        }
        DatasetName nested = DatasetName.of("pool/sinks/boxa");
        boxes.peers.put(new Peer("boxa", boxes.keyA.publicKey(), Optional.of(nested), List.of(DATA)));
        try (RemoteEndpoint ep = open()) {
            refused(() -> ep.createParents(nested.resolve("src/child")), "not authorised: peer boxa may not create pool/sinks");
            assertThat(boxes.b.datasetNames()).as("nothing created when one ancestor is refused")
                    .doesNotContain(DatasetName.of("pool/sinks"), nested, nested.child("src"));
        }
    }

    @Test
    void ownershipIsClaimedInTheServersStore() throws IOException {
        DatasetName target = FROM_A.child("src");
        TargetOwner first = new TargetOwner("box-a", "nightly");
        TargetOwner second = new TargetOwner("box-a", "hourly");
        try (RemoteEndpoint ep = open()) {
            assertThat(ep.ownership(target)).isEmpty();
            ep.claim(target, first);
            assertThat(ep.ownership(target)).contains(first);
            assertThat(owners.get(target)).contains(first);
        }
        try (RemoteEndpoint ep = open()) {
            assertThat(ep.ownership(target)).as("shared by connections").contains(first);
            ep.claim(target, second);
            assertThat(ep.ownership(target)).contains(second);
            refused(() -> ep.claim(OTHER.child("src"), first), "not authorised: peer boxa may not claim pool/other/src");
            refused(() -> ep.claim(DATA, first), "not authorised: peer boxa may not claim pool/data");
            refused(() -> ep.ownership(OTHER.child("src")), "not authorised: peer boxa may not read the owner of pool/other/src");
            assertThat(owners.get(OTHER.child("src"))).isEmpty();
            assertThat(owners.get(DATA)).isEmpty();
        }
    }

    @Test
    void abortReceiveDiscardsThePartialState() throws IOException {
        DatasetName target = FROM_A.child("src");
        DatasetName elsewhere = OTHER.child("src");
        pending.interrupt(target, "1-c0ffee-42");
        pending.interrupt(elsewhere, "1-beef-7");
        try (RemoteEndpoint ep = open()) {
            assertThat(ep.resumeToken(target)).contains("1-c0ffee-42");
            ep.abortReceive(target);
            assertThat(ep.resumeToken(target)).isEmpty();
            assertThat(pending.resumeToken(target)).isEmpty();
            ep.abortReceive(target);
            refused(() -> ep.abortReceive(elsewhere), "not authorised: peer boxa may not abort the receive into pool/other/src");
            assertThat(pending.resumeToken(elsewhere)).contains("1-beef-7");
        }
    }

    private static void refused(ThrowingRunnable call, String message) {
        assertThatThrownBy(call::run)
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((DatasetException) e).code()).isEqualTo(ErrorCode.PERMISSION));
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
