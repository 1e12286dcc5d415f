package io.snapferry.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class NamesTest {
    @ParameterizedTest
    @ValueSource(strings = {"tank", "tank/a", "tank/a-b.c_d:e", "t1/x/y/z", "Tank/0day"})
    void validDatasetNames(String name) {
        assertThat(DatasetName.of(name).value()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/tank", "tank/", "tank//a", "tank/../x", "tank/.", "1tank", "-tank", "tank/-rf",
            "tank/a b", "tank/a;rm", "tank/$(x)", "tank@s", "tank#b", "tank/.hidden", "tank/a\nb", "tank/é"})
    void invalidDatasetNames(String name) {
        assertThatThrownBy(() -> DatasetName.of(name))
                .isInstanceOf(DatasetException.class)
                .hasMessageStartingWith("invalid dataset name")
                .satisfies(e -> assertThat(((DatasetException) e).code()).isEqualTo(ErrorCode.INVALID_NAME));
    }

    @Test
    void overlongNameIsRefused() {
        assertThatThrownBy(() -> DatasetName.of("tank/" + "a".repeat(190) + "/" + "b".repeat(70)))
                .hasMessageContaining("longer than 255");
    }

    @Test
    void snapshotNamesParse() {
        SnapshotName s = SnapshotName.parse("tank/a@auto-2026-11-22_10-00");
        assertThat(s.dataset()).isEqualTo(DatasetName.of("tank/a"));
        assertThat(s.name()).isEqualTo("auto-2026-11-22_10-00");
        assertThat(s.toString()).isEqualTo("tank/a@auto-2026-11-22_10-00");
        assertThat(SnapshotName.parse("tank@x+0100").name()).isEqualTo("x+0100");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tank", "tank@", "tank@a@b", "tank@-x", "tank@a b", "@x", "tank@a/b"})
    void invalidSnapshotNames(String name) {
        assertThatThrownBy(() -> SnapshotName.parse(name)).isInstanceOf(DatasetException.class);
    }

    @Test
    void treeNavigation() {
        DatasetName d = DatasetName.of("tank/a/b");
        assertThat(d.pool()).isEqualTo("tank");
        assertThat(d.parent()).isEqualTo(DatasetName.of("tank/a"));
        assertThat(DatasetName.of("tank").parent()).isNull();
        assertThat(d.leaf()).isEqualTo("b");
        assertThat(DatasetName.of("tank/a").contains(d)).isTrue();
        assertThat(DatasetName.of("tank/a").contains(DatasetName.of("tank/ab"))).isFalse();
        assertThat(DatasetName.of("tank").relativize(d)).isEqualTo("a/b");
        assertThat(DatasetName.of("pool/x").resolve("a/b")).isEqualTo(DatasetName.of("pool/x/a/b"));
        assertThat(d.lineage()).extracting(DatasetName::value).containsExactly("tank", "tank/a", "tank/a/b");
        assertThat(d.depth()).isEqualTo(2);
    }
}
