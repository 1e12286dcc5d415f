package io.snapferry.daemon.tasks;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One run of a job.
 *
 * @param id      unique, sortable by start ("t-" + start millis in base 36 + counter)
 * @param kind    "snapshot", "replication", "retention", "verify", ...
 * @param subject the id of the job's configuration (a snapshot task's id, a replication's name)
 * @param state   RUNNING until it ends; INTERRUPTED when the daemon died while it ran
 * @param result  one line for people: what happened or why it failed
 */
public record TaskRun(String id, String kind, String subject, State state, Instant startedAt,
                      Optional<Instant> endedAt, String result, List<LogLine> log) {
    public enum State { RUNNING, SUCCEEDED, FAILED, SKIPPED, INTERRUPTED }

    public record LogLine(Instant time, String level, String message) {
    }

    public TaskRun {
        log = List.copyOf(log);
    }

    public boolean finished() {
        return state != State.RUNNING;
    }
}
