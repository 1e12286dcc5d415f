package io.snapferry.zfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.Snapshot;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ZfsOutputTest {
    private static final DatasetName DS = DatasetName.of("tank/data");

    /** Real zfs-fuse output of zfs get -Hp -d 1 -o name,property,value guid,createtxg,... on a dataset with a child. */
    private static final String ZFS_FUSE_GET = """
            tank/data\tguid\t8122160948098409641
            tank/data\tcreatetxg\t1
            tank/data\tcreation\t1795391808
            tank/data\tused\t819200
            tank/data\treferenced\t122880
            tank/data\tuserrefs\t-
            tank/data@b\tguid\t12255049909387319994
            tank/data@b\tcreatetxg\t24
            tank/data@b\tcreation\t1795391815
            tank/data@b\tused\t0
            tank/data@b\treferenced\t122880
            tank/data@b\tuserrefs\t1
            tank/data@a\tguid\t17157046680688295975
            tank/data@a\tcreatetxg\t10
            tank/data@a\tcreation\t1795391810
            tank/data@a\tused\t90112
            tank/data@a\treferenced\t114688
            tank/data@a\tuserrefs\t0
            tank/data/c\tguid\t6426375967229357482
            tank/data/c\tcreatetxg\t12
            tank/data/c\tcreation\t1795391815
            tank/data/c\tused\t237568
            tank/data/c\treferenced\t122880
            tank/data/c\tuserrefs\t-
            """;

    @Test
    void parsesZfsGetOutputOldestFirst() {
        List<Snapshot> s = ZfsOutput.snapshotsFromGet(ZFS_FUSE_GET, DS);
        assertThat(s).extracting(Snapshot::shortName).containsExactly("a", "b");
        Snapshot a = s.get(0);
        assertThat(a.guid()).isEqualTo(Long.parseUnsignedLong("17157046680688295975"));
        assertThat(a.createTxg()).isEqualTo(10);
        assertThat(a.createdAt()).isEqualTo(Instant.ofEpochSecond(1795391810));
        assertThat(a.used()).isEqualTo(90112);
        assertThat(a.referenced()).isEqualTo(114688);
        assertThat(s.get(1).holds()).isEqualTo(1);
    }

    @Test
    void parsesARecursiveZfsGetIntoGroupsByDataset() {
        String out = ZFS_FUSE_GET + """
                tank/data/c@z\tguid\t5
                tank/data/c@z\tcreatetxg\t30
                tank/data/c@z\tcreation\t1795391820
                tank/data/c@z\tused\t0
                tank/data/c@z\treferenced\t4096
                tank/data/c@z\tuserrefs\t0
                """;
        List<Snapshot> s = ZfsOutput.snapshotsBelowFromGet(out, DS);
        assertThat(s).extracting(x -> x.name().toString()).containsExactly("tank/data@a", "tank/data@b", "tank/data/c@z");
        assertThat(s.get(2).dataset()).isEqualTo(DS.child("c"));
        assertThat(ZfsOutput.snapshotsBelowFromGet(out, DS.child("c"))).extracting(Snapshot::shortName).containsExactly("z");
    }

    @Test
    void parsesARecursiveZfsListIntoGroupsByDatasetInTreeOrder() {
        String out = "tank/data/b@y\t42\t9\t1700000001\t0\t4096\t0\n"
                + "tank/data@x\t43\t12\t1700000002\t0\t4096\t2\n"
                + "tank/data-other@q\t44\t5\t1700000000\t0\t4096\t0\n"
                + "tank/data/a@w\t45\t14\t1700000003\t0\t4096\t0\n"
                + "tank/data@v\t46\t3\t1700000000\t0\t4096\t0\n";
        List<Snapshot> s = ZfsOutput.snapshotsBelowFromList(out, DS);
        assertThat(s).extracting(x -> x.name().toString())
                .containsExactly("tank/data@v", "tank/data@x", "tank/data/a@w", "tank/data/b@y");
        assertThat(s.get(1).holds()).isEqualTo(2);
    }

    @Test
    void parsesZfsListOutput() {
        String out = "tank/data@y\t42\t9\t1700000001\t0\t4096\t0\n"
                + "tank/data@x\t18446744073709551615\t7\t1700000000\t512\t2048\t2\n"
                + "tank/data2@z\t1\t1\t1\t1\t1\t0\n";
        List<Snapshot> s = ZfsOutput.snapshotsFromList(out, DS);
        assertThat(s).extracting(Snapshot::shortName).containsExactly("x", "y");
        assertThat(s.get(0).guid()).isEqualTo(-1L);
        assertThat(s.get(0).holds()).isEqualTo(2);
    }

    @Test
    void humanReadableNumbersAreRefusedNotMisread() {
        // what zfs-fuse's zfs list prints without -p: a GUID of "14.9E"
        DatasetException e = catchThrowableOfType(DatasetException.class,
                () -> ZfsOutput.snapshotsFromList("tank/data@a\t14.9E\t10\t1\t0\t112K\t0\n", DS));
        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(e.getMessage()).contains("tank/data@a");
    }

    @Test
    void aShortLineIsAnErrorNamingIt() {
        DatasetException e = catchThrowableOfType(DatasetException.class,
                () -> ZfsOutput.snapshotsFromList("tank/data@a\t1\t2\n", DS));
        assertThat(e.getMessage()).contains("tank/data@a\t1\t2");
    }

    @Test
    void tenThousandSnapshotsParseFast() {
        StringBuilder list = new StringBuilder();
        StringBuilder get = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            String n = "tank/data@auto-2026-11-22_" + String.format("%05d", i);
            long guid = 0x9e3779b97f4a7c15L * (i + 1);
            list.append(n).append('\t').append(Long.toUnsignedString(guid)).append('\t').append(100 + i).append('\t')
                    .append(1_700_000_000 + i).append('\t').append(4096).append('\t').append(1 << 20).append('\t').append(0).append('\n');
            get.append(n).append("\tguid\t").append(Long.toUnsignedString(guid)).append('\n')
                    .append(n).append("\tcreatetxg\t").append(100 + i).append('\n')
                    .append(n).append("\tcreation\t").append(1_700_000_000 + i).append('\n')
                    .append(n).append("\tused\t4096\n")
                    .append(n).append("\treferenced\t1048576\n")
                    .append(n).append("\tuserrefs\t0\n");
        }
        String l = list.toString();
        String g = get.toString();
        // best of five runs, so a machine busy with other work does not decide the outcome
        long bestList = Long.MAX_VALUE;
        long bestGet = Long.MAX_VALUE;
        List<Snapshot> a = null;
        List<Snapshot> b = null;
        for (int run = 0; run < 5; run++) {
            long t0 = System.nanoTime();
            a = ZfsOutput.snapshotsFromList(l, DS);
            long t1 = System.nanoTime();
            b = ZfsOutput.snapshotsFromGet(g, DS);
            long t2 = System.nanoTime();
            bestList = Math.min(bestList, t1 - t0);
            bestGet = Math.min(bestGet, t2 - t1);
        }
        assertThat(a).hasSize(10_000).isEqualTo(b);
        assertThat(a.get(9_999).createTxg()).isEqualTo(10_099);
        System.out.printf("10,000 snapshots: zfs list output %d ms, zfs get output %d ms%n", bestList / 1_000_000,
                bestGet / 1_000_000);
        assertThat(bestList / 1_000_000).as("ms to parse zfs list output").isLessThan(200);
        assertThat(bestGet / 1_000_000).as("ms to parse zfs get output").isLessThan(200);
    }
}
