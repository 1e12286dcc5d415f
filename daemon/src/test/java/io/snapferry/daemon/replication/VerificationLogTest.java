package io.snapferry.daemon.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.dataset.DatasetName;
import io.snapferry.stream.FramedDatasetProvider.VerificationReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerificationLogTest {
    @TempDir
    Path tmp;

    @Test
    void eachReportIsAppendedAndKeptWithTheFramesSentAgain() throws IOException {
        Path file = tmp.resolve("state/verification.jsonl");
        VerificationLog log = new VerificationLog(file, Clock.fixed(Instant.parse("2026-11-23T08:00:00Z"), ZoneOffset.UTC));
        DatasetName target = DatasetName.of("pool/backup");
        log.record(new VerificationReport(target, List.of(target.snapshot("a")), 12, 4096, 5000, "ab", "", Duration.ofMillis(7), "ok", 2));
        log.record(new VerificationReport(target, List.of(), 0, 0, 100, "", "", Duration.ofMillis(1), "CHECKSUM_MISMATCH ...", 0));

        List<VerificationLog.Entry> recent = log.recent(10);
        assertThat(recent).extracting(VerificationLog.Entry::result).containsExactly("CHECKSUM_MISMATCH ...", "ok");
        assertThat(recent.get(1).resentFrames()).isEqualTo(2);
        assertThat(recent.get(1).frames()).isEqualTo(12);
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("\"resentFrames\":2").contains("\"target\":\"pool/backup\"");
    }
}
