package io.snapferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The line 'replication run --wait' prints for a running replication. */
class ProgressLineTest {
    private static JsonNode json(String s) throws Exception {
        return new ObjectMapper().readTree(s);
    }

    @Test
    void withAnEstimateItShowsTheSizeAndTheEta() throws Exception {
        JsonNode p = json("{\"dataset\":\"tank/data\",\"snapshot\":\"auto-1\",\"bytes\":10485760,\"totalBytes\":104857600,"
                + "\"bytesPerSecond\":1048576,\"etaSeconds\":90,\"runBytes\":10485760}");
        assertThat(ReplicationCommands.progressLine(p)).isEqualTo("tank/data@auto-1  10.0M of 100M  1.0 MiB/s  ETA 1 min 30 s");
    }

    @Test
    void withoutAnEstimateItSaysUnknown() throws Exception {
        JsonNode p = json("{\"dataset\":\"tank/data\",\"snapshot\":\"auto-2\",\"bytes\":2048,\"totalBytes\":null,"
                + "\"bytesPerSecond\":1048576,\"etaSeconds\":null,\"runBytes\":5244928}");
        assertThat(ReplicationCommands.progressLine(p))
                .isEqualTo("tank/data@auto-2  2.0K (size unknown)  1.0 MiB/s  ETA unknown  (run: 5.0M)");
    }

    @Test
    void longEtasReadAsHours() throws Exception {
        JsonNode p = json("{\"dataset\":\"d\",\"snapshot\":\"s\",\"bytes\":0,\"totalBytes\":1,\"bytesPerSecond\":0,\"etaSeconds\":7380}");
        assertThat(ReplicationCommands.progressLine(p)).endsWith("ETA 2 h 03 min");
    }
}
