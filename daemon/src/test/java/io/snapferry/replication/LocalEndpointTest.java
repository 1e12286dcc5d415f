package io.snapferry.replication;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.InMemoryDatasetProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalEndpointTest {
    private final InMemoryDatasetProvider provider = new InMemoryDatasetProvider(Clock.systemUTC(), "tank");
    @TempDir
    Path dir;

    @Test
    void ownershipIsRecordedPerDatasetAndSurvivesANewEndpoint() throws Exception {
        LocalEndpoint e = new LocalEndpoint("box-b", provider, dir.resolve("owners"));
        DatasetName a = DatasetName.of("tank/a");
        DatasetName ab = DatasetName.of("tank/a/b");
        assertThat(e.ownership(a)).isEmpty();

        e.claim(a, new Ownership("box-a", "t1"));
        e.claim(ab, new Ownership("box-c", "t2"));

        LocalEndpoint again = new LocalEndpoint("box-b", provider, dir.resolve("owners"));
        assertThat(again.ownership(a)).contains(new Ownership("box-a", "t1"));
        assertThat(again.ownership(ab)).contains(new Ownership("box-c", "t2"));
        again.claim(a, new Ownership("box-d", "t1"));
        assertThat(e.ownership(a)).contains(new Ownership("box-d", "t1"));
        try (var files = Files.list(dir.resolve("owners"))) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("tank%a%b.json", "tank%a.json");
        }
    }

    @Test
    void aDamagedOwnershipRecordIsAnErrorNotAnAbsentOwner() throws Exception {
        LocalEndpoint e = new LocalEndpoint("box-b", provider, dir);
        Files.writeString(dir.resolve("tank%a.json"), "{\"dataset\":\"tank/other\",\"box\":\"x\",\"task\":\"y\"}");
        assertThatThrownBy(() -> e.ownership(DatasetName.of("tank/a")))
                .isInstanceOfSatisfying(DatasetException.class, x -> assertThat(x.code()).isEqualTo(ErrorCode.INTERNAL))
                .hasMessageContaining("re-initialise");
        Files.writeString(dir.resolve("tank%a.json"), "not json");
        assertThatThrownBy(() -> e.ownership(DatasetName.of("tank/a"))).isInstanceOf(DatasetException.class);
    }

    @Test
    void createParentsMakesTheMissingAncestorsOnly() {
        LocalEndpoint e = new LocalEndpoint("box-b", provider, dir);
        e.createParents(DatasetName.of("tank/x/y/z"));
        e.createParents(DatasetName.of("tank/x/y/z"));
        assertThat(provider.datasetNames()).contains(DatasetName.of("tank/x/y")).doesNotContain(DatasetName.of("tank/x/y/z"));
        e.createParents(DatasetName.of("tank"));
    }

    @Test
    void unsnapshottedDataIsDataWrittenWhileThereIsNoSnapshot() {
        LocalEndpoint e = new LocalEndpoint("box-b", provider, dir);
        DatasetName d = DatasetName.of("tank/d");
        provider.createDataset(d);
        assertThat(e.hasUnsnapshottedData(d)).isFalse();
        provider.write(d, "f", new byte[] {1});
        assertThat(e.hasUnsnapshottedData(d)).isTrue();
        provider.createSnapshots(List.of(d.snapshot("s1")));
        assertThat(e.hasUnsnapshottedData(d)).isFalse();
        assertThat(e.identity()).isEqualTo("box-b");
        assertThat(e.resumeToken(d)).isEqualTo(Optional.empty());
    }
}
