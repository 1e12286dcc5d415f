package io.snapferry.testbeds.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.Json;
import io.snapferry.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon as a process: a one-minute cron really fires; kill -9 while a task runs leaves the
 * configuration intact and the run marked interrupted after a restart; a second daemon on the
 * same directory is refused; SIGTERM stops it within 10 s.
 */
class DaemonCrashTest {
    @TempDir
    Path tmp;

    private static DaemonProcess.Result ok(DaemonProcess d, String... args) {
        DaemonProcess.Result r = d.cli(args);
        assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }

    private static JsonNode json(String text) {
        try {
            return Json.mapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static String last(DaemonProcess.Result r) {
        List<String> lines = r.out().strip().lines().toList();
        return lines.get(lines.size() - 1);
    }

    @Test
    void aMinutelyTaskFiresAndKillNineMidTaskIsRecordedAsInterrupted() throws Exception {
        try (DaemonProcess d = new DaemonProcess(tmp.resolve("box")).start()) {
            ok(d, "dataset", "create", "local/docs");
            String minutely = last(ok(d, "snapshot-task", "create", "--dataset", "local/docs", "--naming", "auto-%Y-%m-%d_%H-%M",
                    "--schedule", "* * * * *", "--allow-empty"));
            java.util.concurrent.atomic.AtomicReference<String> seen = new java.util.concurrent.atomic.AtomicReference<>("nothing yet");
            try {
                // The next whole minute comes within 60 s; the rest is slack for a loaded machine, where
                // every poll is a CLI JVM. A skipped fire time would take 120 s and still fail here.
                Poll.until(Duration.ofSeconds(90), "the one-minute schedule to fire for real", () -> {
                    String out = d.cli("task", "list", "--kind", "snapshot", "--json").out();
                    seen.set(out);
                    JsonNode runs = json(out);
                    return runs.size() > 0 && runs.get(0).path("state").asText().equals("SUCCEEDED");
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; the last task list: " + seen.get() + "; snapshot tasks: "
                        + d.cli("snapshot-task", "list", "--json").out(), e);
            }
            JsonNode snaps = Json.mapper().readTree(ok(d, "snapshot", "list", "local/docs", "--json").out());
            assertThat(snaps.get(0).path("snapshot").asText()).matches("auto-\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}");
            ok(d, "snapshot-task", "disable", minutely);

            String slow = last(ok(d, "snapshot-task", "create", "--dataset", "local/docs", "--naming", "slow-%Y-%m-%d_%H-%M",
                    "--schedule", "daily", "--pre-hook", "sleep 120", "--hook-timeout", "300"));
            ok(d, "snapshot-task", "run", slow);
            Poll.until(Duration.ofSeconds(30), "the slow task to be running", () -> {
                JsonNode runs = json(d.cli("task", "list", "--json").out());
                return runs.size() > 0 && runs.get(0).path("subject").asText().equals(slow)
                        && runs.get(0).path("state").asText().equals("RUNNING");
            });
            d.kill9();

            // The lock died with the process: a new daemon starts on the same directory.
            d.start();
            JsonNode runs = Json.mapper().readTree(ok(d, "task", "list", "--json").out());
            JsonNode slowRun = null;
            for (JsonNode r : runs) {
                if (r.path("subject").asText().equals(slow)) {
                    slowRun = r;
                }
            }
            assertThat(slowRun).isNotNull();
            assertThat(slowRun.path("state").asText()).isEqualTo("INTERRUPTED");
            JsonNode tasks = Json.mapper().readTree(ok(d, "snapshot-task", "list", "--json").out());
            List<String> ids = new java.util.ArrayList<>();
            tasks.forEach(t -> ids.add(t.path("task").path("id").asText()));
            assertThat(ids).containsExactlyInAnyOrder(minutely, slow);
            assertThat(Json.mapper().readTree(ok(d, "snapshot", "list", "local/docs", "--json").out())).hasSameSizeAs(snaps);

            try (DaemonProcess second = new DaemonProcess(d.data())) {
                var e = org.assertj.core.api.Assertions.catchThrowable(second::start);
                assertThat(e).hasMessageContaining("exited");
            }
            assertThat(java.nio.file.Files.readString(tmp.resolve("box.log"))).contains("another snapferry daemon");

            ProcessHandle.of(d.pid()).orElseThrow().destroy();
            Poll.until(Duration.ofSeconds(10), "SIGTERM to stop the daemon within 10 s", () -> ProcessHandle.of(d.pid()).isEmpty()
                    || !ProcessHandle.of(d.pid()).get().isAlive());
            assertThat(d.dataDir().apiAddress()).as("a clean stop removes api.json").isEmpty();
        }
    }
}
