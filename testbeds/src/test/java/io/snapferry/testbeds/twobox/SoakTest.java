package io.snapferry.testbeds.twobox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 6: many small incremental runs in a row, with B restarting now and then (about one
 * run in ten, chosen by a seeded random): a run that meets a restarted B fails, the owner points
 * the connection at B's new port, and the next run catches up. At the end both sides hold the
 * same snapshots with the same GUIDs and every file written on A is on B.
 */
class SoakTest {
    static final int RUNS = 50;

    @TempDir
    Path tmp;

    @Test
    void fiftySmallRunsWithFaultsLoseNothing() throws Exception {
        Random random = new Random(20261122L);
        try (TwoBoxes boxes = new TwoBoxes(tmp)) {
            Box a = boxes.a;
            Box b = boxes.b;
            String data = boxes.onA("data");
            String replica = boxes.onB("fromA/data");
            Zfs.create(boxes.poolA, data);
            b.acceptPairingFrom(a, "b", "--receive-root", boxes.onB("fromA"));
            a.ok("replication", "create", "--name", "soak", "--transport", "ssh", "--connection", "b", "--source", data,
                    "--target", replica, "--naming", "s-%Y-%m-%d_%H-%M", "--retention", "none", "--retries", "0");
            List<Integer> faults = new ArrayList<>();
            int failed = 0;
            for (int i = 0; i < RUNS; i++) {
                boxes.clock.advance(java.time.Duration.ofMinutes(1));
                Zfs.write(boxes.poolA, data, "f" + i, Zfs.random(4096, i));
                a.ok("snapshot", "create", String.format("%s@s-2026-11-22_%02d-%02d", data, i / 60, i % 60));
                boolean fault = random.nextInt(10) == 0;
                if (fault) {
                    faults.add(i);
                    b.restart();
                }
                Box.Result r = a.cli("replication", "run", "soak", "--wait");
                if (r.exit() != 0) {
                    failed++;
                    assertThat(fault).as("run %d failed without a fault: %s", i, r.all()).isTrue();
                    a.ok("connection", "update", "b", "--port", Integer.toString(b.sshPort()));
                }
            }
            a.ok("replication", "run", "soak", "--wait");
            System.out.printf("soak: %d runs, B restarted before runs %s, %d runs failed%n", RUNS, faults, failed);
            assertThat(faults).isNotEmpty();
            assertThat(failed).isEqualTo(faults.size());
            assertThat(Zfs.snapshots(boxes.poolA, data)).hasSize(RUNS);
            assertThat(Zfs.snapshots(boxes.poolB, replica)).isEqualTo(Zfs.snapshots(boxes.poolA, data));
            for (int i = 0; i < RUNS; i++) {
                assertThat(Zfs.readReceived(boxes.poolB, replica, "f" + i)).as("file f%d on B", i).isEqualTo(Zfs.random(4096, i));
            }
        }
    }
}
