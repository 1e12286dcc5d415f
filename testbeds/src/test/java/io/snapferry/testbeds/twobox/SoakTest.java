package io.snapferry.testbeds.twobox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 6: 200 small incremental runs in a row, A reaching B through a {@link FaultProxy}.
 * Before about one run in seven a seeded random breaks it: the link is cut at a random byte of
 * the run (handshake, listings, holds or the stream itself), or B restarts while the link holds
 * still at such a byte. A run that meets a fault may fail (with a clear error) and the next run
 * catches up; a run that meets none succeeds. At the end both sides hold the same snapshots with
 * the same GUIDs and every file written on A is on B.
 */
class SoakTest {
    static final int RUNS = 200;
    /** Override with {@code -Dsnapferry.soak.seed=N} to replay a failure. */
    static final long SEED = Long.getLong("snapferry.soak.seed", 20261122L);

    @RegisterExtension
    final TestWatcher seed = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            System.out.println(context.getDisplayName() + " failed with seed " + SEED + " (-Dsnapferry.soak.seed=" + SEED + ")");
        }
    };

    @TempDir
    Path tmp;

    private enum Fault { NONE, CUT_LINK, RESTART_B }

    @Test
    void twoHundredSmallRunsWithLinkCutsAndRestartsLoseNothing() throws Exception {
        Random random = new Random(SEED);
        try (TwoBoxes boxes = new TwoBoxes(tmp); FaultProxy link = new FaultProxy(boxes.b.sshPort())) {
            Box a = boxes.a;
            Box b = boxes.b;
            String data = boxes.onA("data");
            String replica = boxes.onB("fromA/data");
            Zfs.create(boxes.poolA, data);
            b.acceptPairingFrom(a, "b", "--receive-root", boxes.onB("fromA"));
            a.ok("connection", "update", "b", "--port", Integer.toString(link.port()));
            a.ok("replication", "create", "--name", "soak", "--transport", "ssh", "--connection", "b", "--source", data,
                    "--target", replica, "--naming", "s-%Y-%m-%d_%H-%M", "--retention", "none", "--retries", "0");
            List<String> faults = new ArrayList<>();
            int failed = 0;
            long cleanRunBytes = 0;
            long[] nanos = new long[3];
            for (int i = 0; i < RUNS; i++) {
                long t0 = System.nanoTime();
                boxes.clock.advance(Duration.ofMinutes(1));
                Zfs.write(boxes.poolA, data, "f" + i, Zfs.random(4096, i));
                long t1 = System.nanoTime();
                a.ok("snapshot", "create", String.format("%s@s-2026-11-22_%02d-%02d", data, i / 60, i % 60));
                long t2 = System.nanoTime();
                int dice = random.nextInt(14);
                // the first run is the full one; its size tells where the later ones may be broken
                Fault fault = i == 0 ? Fault.NONE : dice < 1 ? Fault.RESTART_B : dice < 2 ? Fault.CUT_LINK : Fault.NONE;
                long offset = fault == Fault.NONE ? 0 : random.nextLong(cleanRunBytes);
                int firedBefore = link.fired();
                long before = link.forwarded();
                Box.Result r = run(boxes, link, fault, offset);
                boolean fired = link.fired() > firedBefore;
                nanos[0] += t1 - t0;
                nanos[1] += t2 - t1;
                nanos[2] += System.nanoTime() - t2;
                if (fault != Fault.NONE) {
                    faults.add(i + ":" + fault + "@" + offset + (fired ? "" : "(not reached)") + (r.exit() == 0 ? "" : "->failed"));
                }
                if (r.exit() != 0) {
                    failed++;
                    assertThat(fired).as("run %d failed without a fault (seed %d): %s", i, SEED, r.all()).isTrue();
                    assertThat(LinkFaultsTest.saysTheLinkBroke(r.all(), link.port()))
                            .as("run %d, broken by %s at byte %d, says so: %s", i, fault, offset, r.all()).isTrue();
                } else if (!fired) {
                    cleanRunBytes = link.forwarded() - before;
                }
            }
            a.ok("replication", "run", "soak", "--wait");
            System.out.printf("soak (seed %d): %d runs, %d faults, %d runs failed: %s%n", SEED, RUNS, faults.size(), failed, faults);
            System.out.printf("soak time: writing %d ms, snapshots %d ms, runs %d ms%n", nanos[0] / 1_000_000,
                    nanos[1] / 1_000_000, nanos[2] / 1_000_000);
            assertThat(failed).as("runs failed by the faults %s", faults).isPositive();
            assertThat(Zfs.snapshots(boxes.poolA, data)).hasSize(RUNS);
            assertThat(Zfs.snapshots(boxes.poolB, replica)).isEqualTo(Zfs.snapshots(boxes.poolA, data));
            for (int i = 0; i < RUNS; i++) {
                assertThat(Zfs.readReceived(boxes.poolB, replica, "f" + i)).as("file f%d on B", i).isEqualTo(Zfs.random(4096, i));
            }
        }
    }

    /** One run of the task, broken by {@code fault} at byte {@code offset} of the link when it gets that far. */
    private static Box.Result run(TwoBoxes boxes, FaultProxy link, Fault fault, long offset) throws Exception {
        Box a = boxes.a;
        switch (fault) {
            case NONE -> {
                return a.cli("replication", "run", "soak", "--wait");
            }
            case CUT_LINK -> {
                link.cutAt(offset);
                Box.Result r = a.cli("replication", "run", "soak", "--wait");
                link.disarm();
                return r;
            }
            default -> {
                link.freezeAt(offset);
                CompletableFuture<Box.Result> run = CompletableFuture.supplyAsync(() -> a.cli("replication", "run", "soak", "--wait"));
                link.awaitFrozen(run::isDone);
                boxes.b.restart();
                link.target(boxes.b.sshPort());
                link.disarm();
                return run.join();
            }
        }
    }
}
