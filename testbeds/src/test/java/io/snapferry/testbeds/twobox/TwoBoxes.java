package io.snapferry.testbeds.twobox;

import io.snapferry.dataset.DatasetProvider;
import io.snapferry.testing.MutableClock;
import io.snapferry.testing.Requirements;
import io.snapferry.zfs.ZfsCommandProvider;
import io.snapferry.zfs.ZfsTestPool;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Box A (source, pool {@code poolA}) and box B (target, pool {@code poolB}): two appliances on one
 * injected clock, each with its own zfs-fuse pool. Closing stops both boxes and destroys both pools.
 */
final class TwoBoxes implements AutoCloseable {
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T09:59:30Z"), ZoneOffset.UTC);
    final ZfsTestPool poolA;
    final ZfsTestPool poolB;
    final Box a;
    final Box b;

    TwoBoxes(Path tmp, long poolBytesA, long poolBytesB) throws IOException {
        Requirements.require(Requirements.onPath("zfs"), "zfs-fuse");
        ZfsTestPool pa = null;
        ZfsTestPool pb = null;
        Box ba = null;
        try {
            pa = ZfsTestPool.create(poolBytesA);
            pb = ZfsTestPool.create(poolBytesB);
            ba = new Box(tmp.resolve("a"), clock, TwoBoxes::zfs);
            b = new Box(tmp.resolve("b"), clock, TwoBoxes::zfs);
        } catch (IOException | RuntimeException e) {
            if (ba != null) {
                ba.close();
            }
            if (pa != null) {
                pa.close();
            }
            if (pb != null) {
                pb.close();
            }
            throw e;
        }
        poolA = pa;
        poolB = pb;
        a = ba;
    }

    TwoBoxes(Path tmp) throws IOException {
        this(tmp, 512L << 20, 512L << 20);
    }

    static List<DatasetProvider> zfs() {
        return List.of(new ZfsCommandProvider());
    }

    /** A dataset of A's pool: {@code poolA/rel}. */
    String onA(String rel) {
        return poolA.name() + "/" + rel;
    }

    /** A dataset of B's pool: {@code poolB/rel}. */
    String onB(String rel) {
        return poolB.name() + "/" + rel;
    }

    @Override
    public void close() throws IOException {
        try {
            a.close();
            b.close();
        } finally {
            try {
                poolA.close();
            } finally {
                poolB.close();
            }
        }
    }
}
