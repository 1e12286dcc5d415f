package io.snapferry.daemon.tasks;

import java.time.Instant;

/**
 * What happened to a task run, as {@link TaskHistory} tells its subscribers: a run started, wrote
 * a log line, or ended. Further kinds (progress of a transfer) are added as further records.
 */
public sealed interface TaskEvent {
    /** The run concerned, without its log for {@link Started} and {@link Ended}. */
    TaskRun run();

    /** When it happened. */
    Instant time();

    /** A run started; {@code run} is in state RUNNING. */
    record Started(TaskRun run) implements TaskEvent {
        @Override
        public Instant time() {
            return run.startedAt();
        }
    }

    /** A run wrote a log line. */
    record Logged(TaskRun run, TaskRun.LogLine line) implements TaskEvent {
        @Override
        public Instant time() {
            return line.time();
        }
    }

    /** A run ended; {@code run} has its final state, result and end time. */
    record Ended(TaskRun run) implements TaskEvent {
        @Override
        public Instant time() {
            return run.endedAt().orElse(run.startedAt());
        }
    }
}
