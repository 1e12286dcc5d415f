package io.snapferry.daemon.scheduler;

import java.time.Instant;
import java.util.Optional;

/** Something the scheduler runs on its own timetable. */
public interface ScheduledJob {
    /** Stable id, unique among jobs ("snapshot-task:daily", "replication:offsite"). */
    String id();

    /** The first fire time strictly after {@code after}, or empty when the job never fires by itself. */
    Optional<Instant> nextFireAfter(Instant after);

    /** When this job last started, from the task history; empty when it never ran. */
    Optional<Instant> lastStart();

    /** Runs once. Called on a worker thread; never concurrently for the same job. */
    void run(Trigger trigger);

    enum Trigger { SCHEDULE, CATCH_UP, MANUAL, AFTER_DEPENDENCY }
}
