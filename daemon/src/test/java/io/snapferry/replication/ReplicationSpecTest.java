package io.snapferry.replication;

import io.snapferry.dataset.DatasetName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplicationSpecTest {
    private static final DatasetName A = DatasetName.of("pool/a");
    private static final DatasetName T = DatasetName.of("backup/box1");

    private static ReplicationSpec spec(String task, List<DatasetName> sources, Set<DatasetName> exclude, int retries) {
        return new ReplicationSpec(task, sources, T, true, exclude, n -> true, false, retries);
    }

    @Test
    void oneRootMapsOntoTheTarget() {
        ReplicationSpec s = spec("t", List.of(A), Set.of(), 0);
        assertThat(s.targetRoot(A)).isEqualTo(T);
        assertThat(s.targetFor(A, DatasetName.of("pool/a/b/c"))).isEqualTo(DatasetName.of("backup/box1/b/c"));
    }

    @Test
    void severalRootsMapBelowTheTargetByLeaf() {
        DatasetName other = DatasetName.of("tank/other");
        ReplicationSpec s = spec("t", List.of(A, other), Set.of(), 0);
        assertThat(s.targetFor(A, DatasetName.of("pool/a/b"))).isEqualTo(DatasetName.of("backup/box1/a/b"));
        assertThat(s.targetRoot(other)).isEqualTo(DatasetName.of("backup/box1/other"));
    }

    @Test
    void excludeCoversDescendants() {
        ReplicationSpec s = spec("t", List.of(A), Set.of(DatasetName.of("pool/a/x")), 0);
        assertThat(s.excluded(DatasetName.of("pool/a/x/y"))).isTrue();
        assertThat(s.excluded(DatasetName.of("pool/a/xy"))).isFalse();
        assertThat(s.excluded(A)).isFalse();
    }

    @Test
    void badSpecsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> spec("-t", List.of(A), Set.of(), 0)).hasMessageContaining("task id '-t'");
        assertThatThrownBy(() -> spec("t t", List.of(A), Set.of(), 0)).hasMessageContaining("task id");
        assertThatThrownBy(() -> spec("t", List.of(), Set.of(), 0)).hasMessageContaining("at least one source");
        assertThatThrownBy(() -> spec("t", List.of(A, DatasetName.of("pool/a/b")), Set.of(), 0))
                .hasMessageContaining("pool/a/b is inside source pool/a");
        assertThatThrownBy(() -> spec("t", List.of(A, DatasetName.of("tank/a")), Set.of(), 0))
                .hasMessageContaining("backup/box1/a");
        assertThatThrownBy(() -> spec("t", List.of(A), Set.of(DatasetName.of("tank/x")), 0))
                .hasMessageContaining("not inside any source");
        assertThatThrownBy(() -> spec("t", List.of(A), Set.of(), -1)).hasMessageContaining("retries");
    }

    @Test
    void holdTagsNameTheTask() {
        assertThat(ReplicationHolds.cursorTag("t1")).isEqualTo("snapferry-repl-t1");
        assertThat(ReplicationHolds.stepTag("t1")).isEqualTo("snapferry-step-t1");
        assertThat(ReplicationHolds.taskOf("snapferry-repl-t1")).contains("t1");
        assertThat(ReplicationHolds.taskOf("snapferry-step-t9")).contains("t9");
        assertThat(ReplicationHolds.taskOf("backup-tool")).isEmpty();
        assertThat(ReplicationHolds.heldByReplication(List.of("other", "snapferry-step-x"))).isTrue();
        assertThat(ReplicationHolds.heldByReplication(List.of("other"))).isFalse();
    }
}
