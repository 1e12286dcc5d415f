package io.snapferry.daemon.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskHistoryTest {
    @TempDir
    Path tmp;
    final Clock clock = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void runsSurviveReopening() throws Exception {
        Path f = tmp.resolve("history.jsonl");
        String id;
        try (TaskHistory h = new TaskHistory(f, clock, 100)) {
            id = h.start("snapshot", "daily");
            h.log(id, "INFO", "created tank@auto-1");
            h.end(id, TaskRun.State.SUCCEEDED, "1 snapshot");
        }
        try (TaskHistory h = new TaskHistory(f, clock, 100)) {
            TaskRun r = h.get(id).orElseThrow();
            assertThat(r.state()).isEqualTo(TaskRun.State.SUCCEEDED);
            assertThat(r.result()).isEqualTo("1 snapshot");
            assertThat(r.log()).extracting(TaskRun.LogLine::message).containsExactly("created tank@auto-1");
            assertThat(h.last("snapshot", "daily")).contains(r);
        }
    }

    @Test
    void aRunStartedAfterReopeningAtTheSameInstantGetsAFreshIdAndIsTheNewest() throws Exception {
        Path f = tmp.resolve("history.jsonl");
        String first;
        try (TaskHistory h = new TaskHistory(f, clock, 100)) {
            first = h.start("replication", "offsite");
            h.end(first, TaskRun.State.FAILED, "connection to b lost");
        }
        try (TaskHistory h = new TaskHistory(f, clock, 100)) {
            String again = h.start("replication", "offsite");
            h.end(again, TaskRun.State.SUCCEEDED, "replicated 1 snapshot");

            assertThat(again).isNotEqualTo(first);
            assertThat(h.get(first).orElseThrow().result()).isEqualTo("connection to b lost");
            assertThat(h.last("replication", "offsite").orElseThrow().id()).isEqualTo(again);
        }
    }

    @Test
    void aRunWithoutEndIsInterruptedAfterACrash() throws Exception {
        Path f = tmp.resolve("history.jsonl");
        String id;
        TaskHistory h = new TaskHistory(f, clock, 100);
        id = h.start("replication", "offsite");
        h.log(id, "INFO", "sending");
        // A crash: the journal is never closed, and the last line is torn mid-write.
        Files.writeString(f, "{\"event\":\"log\",\"id\":\"" + id + "\",\"ti", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        try (TaskHistory again = new TaskHistory(f, clock, 100)) {
            TaskRun r = again.get(id).orElseThrow();
            assertThat(r.state()).isEqualTo(TaskRun.State.INTERRUPTED);
            assertThat(r.result()).contains("interrupted");
            assertThat(r.log()).extracting(TaskRun.LogLine::message).contains("sending");
        }
        try (TaskHistory third = new TaskHistory(f, clock, 100)) {
            assertThat(third.get(id).orElseThrow().state()).isEqualTo(TaskRun.State.INTERRUPTED);
        }
        h.close();
    }

    @Test
    void compactionKeepsTheNewestRuns() throws Exception {
        Path f = tmp.resolve("history.jsonl");
        try (TaskHistory h = new TaskHistory(f, clock, 3)) {
            for (int i = 0; i < 5; i++) {
                h.end(h.start("snapshot", "s" + i), TaskRun.State.SUCCEEDED, "ok");
            }
        }
        try (TaskHistory h = new TaskHistory(f, clock, 3)) {
            assertThat(h.list(r -> true, 10)).extracting(TaskRun::subject).containsExactly("s4", "s3", "s2");
        }
    }

    @Test
    void subscribersHearStartLogAndEndInOrderUntilTheyUnsubscribe() throws Exception {
        java.util.List<TaskEvent> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (TaskHistory h = new TaskHistory(tmp.resolve("history.jsonl"), clock, 100)) {
            h.subscribe(e -> {
                throw new IllegalStateException("a broken listener does not stop the others");
            });
            AutoCloseable sub = h.subscribe(heard::add);
            String id = h.start("snapshot", "daily");
            h.log(id, "INFO", "created tank@auto-1");
            h.end(id, TaskRun.State.SUCCEEDED, "1 snapshot");
            sub.close();
            h.end(h.start("snapshot", "other"), TaskRun.State.FAILED, "unheard");

            assertThat(heard).hasSize(3);
            assertThat(heard.get(0)).isInstanceOf(TaskEvent.Started.class);
            assertThat(heard.get(0).run().state()).isEqualTo(TaskRun.State.RUNNING);
            assertThat(heard.get(1)).isInstanceOfSatisfying(TaskEvent.Logged.class, l -> {
                assertThat(l.line().message()).isEqualTo("created tank@auto-1");
                assertThat(l.run().subject()).isEqualTo("daily");
            });
            assertThat(heard.get(2)).isInstanceOf(TaskEvent.Ended.class);
            assertThat(heard.get(2).run().state()).isEqualTo(TaskRun.State.SUCCEEDED);
            assertThat(heard.get(2).run().result()).isEqualTo("1 snapshot");
            assertThat(heard).allSatisfy(e -> assertThat(e.run().id()).isEqualTo(id));
            assertThat(h.get(id).orElseThrow().state()).isEqualTo(TaskRun.State.SUCCEEDED);
        }
    }
}
