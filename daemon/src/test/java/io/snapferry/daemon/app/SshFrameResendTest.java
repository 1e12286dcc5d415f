package io.snapferry.daemon.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.replication.DatasetFailure;
import io.snapferry.replication.Endpoint;
import io.snapferry.replication.LocalEndpoint;
import io.snapferry.replication.ReplicationResult;
import io.snapferry.replication.ReplicationSpec;
import io.snapferry.replication.Replicator;
import io.snapferry.replication.StepContext;
import io.snapferry.replication.StreamTransform;
import io.snapferry.ssh.TwoBoxes;
import io.snapferry.ssh.endpoint.OwnershipStore;
import io.snapferry.stream.FrameDamagingInputStream;
import io.snapferry.stream.FramedDatasetProvider;
import io.snapferry.stream.KeyResolver;
import io.snapferry.stream.StreamOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replication over the ssh transport (a real SSH server, endpoint protocol 4) whose stream is
 * damaged between the sending box's replayable stream and the receiving box's verifier: the damaged
 * frame is sent again within the step, pushed and pulled; a frame damaged every time fails the
 * run at once.
 */
class SshFrameResendTest {
    private static final StreamOptions SMALL_FRAMES = StreamOptions.defaults().withFrameSize(StreamOptions.MIN_FRAME_SIZE);

    @TempDir
    Path tmp;
    TwoBoxes boxes;
    final List<FramedDatasetProvider.VerificationReport> verifiedOnB = Collections.synchronizedList(new ArrayList<>());
    final List<FramedDatasetProvider.VerificationReport> verifiedOnA = Collections.synchronizedList(new ArrayList<>());
    final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());
    final List<FrameDamagingInputStream> damage = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() throws IOException {
        boxes = new TwoBoxes(tmp, b -> new FramedDatasetProvider(b, "box-b", SMALL_FRAMES, KeyResolver.NONE, verifiedOnB::add),
                OwnershipStore.inMemory());
    }

    @AfterEach
    void stop() throws IOException {
        boxes.close();
    }

    private SshEndpoint remote() throws IOException {
        return new SshEndpoint(boxes.connector.openEndpoint(boxes.connection()), "b",
                () -> boxes.connector.openEndpoint(boxes.connection()));
    }

    private Endpoint local() {
        return new LocalEndpoint("box-a", new FramedDatasetProvider(boxes.a, "box-a", SMALL_FRAMES, KeyResolver.NONE,
                verifiedOnA::add), tmp.resolve("owners-a"));
    }

    /** Damages frame 20 of every step's stream, in its first {@code copies} copies, on its way to the receiver. */
    private StreamTransform damaging(int copies) {
        return new StreamTransform() {
            @Override
            public InputStream wrapSend(InputStream send, StepContext context) {
                FrameDamagingInputStream d = new FrameDamagingInputStream(send, 20, 100, copies);
                damage.add(d);
                return d;
            }

            @Override
            public InputStream wrapReceive(InputStream wire, StepContext context) {
                return wire;
            }
        };
    }

    private ReplicationResult run(DatasetName from, DatasetName to, Endpoint source, Endpoint target, int copies) {
        ReplicationSpec spec = new ReplicationSpec("t1", List.of(from), to, false, Set.of(), n -> n.startsWith("auto-"), false, 5);
        Replicator r = new Replicator(new Replicator.Settings(Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(60)),
                sleeps::add, damaging(copies));
        return r.run(spec, source, target, (d, s, b, t) -> { }, Clock.systemUTC());
    }

    private static byte[] random(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aDamagedFrameIsSentAgainWithinThePushedStep() throws IOException {
        boxes.a.createDataset(TwoBoxes.DATA);
        boxes.a.write(TwoBoxes.DATA, "f", random(300_000, 1));
        boxes.a.createSnapshots(List.of(TwoBoxes.DATA.snapshot("auto-1")));
        DatasetName target = TwoBoxes.FROM_A.child("data");
        try (SshEndpoint b = remote()) {
            ReplicationResult r = run(TwoBoxes.DATA, target, local(), b, 1);
            assertThat(r.ok()).as(r.toString()).isTrue();
            assertThat(r.datasets().get(0).attempts()).isEqualTo(1);
        }
        assertThat(boxes.b.read(target, "f")).isEqualTo(random(300_000, 1));
        assertThat(damage).hasSize(1);
        assertThat(damage.get(0).seen()).as("frame 20 went twice").isEqualTo(2);
        assertThat(verifiedOnB).hasSize(1);
        assertThat(verifiedOnB.get(0).resentFrames()).isOne();
        assertThat(sleeps).isEmpty();
    }

    @Test
    void aDamagedFrameIsSentAgainWithinThePulledStep() throws IOException {
        boxes.b.write(TwoBoxes.DATA, "f", random(300_000, 2));
        boxes.b.createSnapshots(List.of(TwoBoxes.DATA.snapshot("auto-1")));
        DatasetName target = DatasetName.of("pool/pulled");
        try (SshEndpoint b = remote()) {
            ReplicationResult r = run(TwoBoxes.DATA, target, b, local(), 1);
            assertThat(r.ok()).as(r.toString()).isTrue();
            assertThat(r.datasets().get(0).attempts()).isEqualTo(1);
        }
        assertThat(boxes.a.read(target, "f")).isEqualTo(random(300_000, 2));
        assertThat(damage.get(0).seen()).isEqualTo(2);
        assertThat(verifiedOnA).hasSize(1);
        assertThat(verifiedOnA.get(0).resentFrames()).isOne();
    }

    @Test
    void aFrameDamagedEveryTimeFailsTheRunAtOnceBothWays() throws IOException {
        boxes.a.createDataset(TwoBoxes.DATA);
        boxes.a.write(TwoBoxes.DATA, "f", random(300_000, 3));
        boxes.a.createSnapshots(List.of(TwoBoxes.DATA.snapshot("auto-1")));
        boxes.b.write(TwoBoxes.DATA, "f", random(300_000, 4));
        boxes.b.createSnapshots(List.of(TwoBoxes.DATA.snapshot("auto-1")));
        DatasetName pushed = TwoBoxes.FROM_A.child("data");
        DatasetName pulled = DatasetName.of("pool/pulled");
        try (SshEndpoint b = remote()) {
            List<ReplicationResult> results = List.of(run(TwoBoxes.DATA, pushed, local(), b, 3), run(TwoBoxes.DATA, pulled, b, local(), 3));
            for (ReplicationResult r : results) {
                assertThat(r.ok()).isFalse();
                DatasetFailure f = r.datasets().get(0).failure().orElseThrow();
                assertThat(f.code()).contains(ErrorCode.CORRUPT_STREAM);
                assertThat(f.category()).isEqualTo(ErrorCode.Category.PERMANENT);
                assertThat(f.message()).contains("frame 20 of pool/data@auto-1 failed verification 3 times")
                        .contains("check the link, memory and disks");
                assertThat(r.datasets().get(0).attempts()).as("the step is not sent again").isEqualTo(1);
            }
        }
        assertThat(boxes.b.exists(pushed)).isFalse();
        assertThat(boxes.a.exists(pulled)).isFalse();
        assertThat(sleeps).isEmpty();
        assertThat(damage).hasSize(2);
        assertThat(damage).allSatisfy(d -> assertThat(d.seen()).isEqualTo(3));
    }
}
