package io.snapferry.daemon.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:30Z"), ZoneOffset.UTC);

    /** Fires every whole minute; records its runs. */
    static final class EveryMinute implements ScheduledJob {
        final List<Trigger> runs = new ArrayList<>();
        Optional<Instant> last;
        CountDownLatch release = new CountDownLatch(0);
        final String id;

        EveryMinute(Optional<Instant> last) {
            this("every-minute", last);
        }

        EveryMinute(String id, Optional<Instant> last) {
            this.id = id;
            this.last = last;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public Optional<Instant> nextFireAfter(Instant after) {
            return Optional.of(after.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1)));
        }

        @Override
        public Optional<Instant> lastStart() {
            return last;
        }

        @Override
        public void run(Trigger trigger) {
            synchronized (this) {
                runs.add(trigger);
            }
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void await(List<CompletableFuture<Void>> fs) {
        CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).join();
    }

    @Test
    void firesAtEachDueTimeAndNotBefore() {
        EveryMinute job = new EveryMinute(Optional.empty());
        Scheduler s = new Scheduler(clock, () -> List.of(job), 2);
        assertThat(s.runDue()).isEmpty();
        assertThat(s.nextFire("every-minute")).contains(Instant.parse("2026-11-22T10:01:00Z"));
        clock.set(Instant.parse("2026-11-22T10:00:59Z"));
        assertThat(s.runDue()).isEmpty();
        clock.set(Instant.parse("2026-11-22T10:01:00Z"));
        await(s.runDue());
        clock.set(Instant.parse("2026-11-22T10:02:00Z"));
        await(s.runDue());
        assertThat(job.runs).containsExactly(ScheduledJob.Trigger.SCHEDULE, ScheduledJob.Trigger.SCHEDULE);
    }

    @Test
    void downtimeGivesOneCatchUpNotABurst() {
        EveryMinute job = new EveryMinute(Optional.of(Instant.parse("2026-11-22T09:00:00Z")));
        Scheduler s = new Scheduler(clock, () -> List.of(job), 2);
        await(s.runDue());
        await(s.runDue());
        assertThat(job.runs).containsExactly(ScheduledJob.Trigger.CATCH_UP);
        assertThat(s.nextFire("every-minute")).contains(Instant.parse("2026-11-22T10:01:00Z"));
    }

    @Test
    void aRunningJobIsNotStartedTwice() {
        EveryMinute job = new EveryMinute(Optional.empty());
        job.release = new CountDownLatch(1);
        Scheduler s = new Scheduler(clock, () -> List.of(job), 2);
        s.runDue();
        clock.set(Instant.parse("2026-11-22T10:01:00Z"));
        List<CompletableFuture<Void>> first = s.runDue();
        assertThat(first).hasSize(1);
        assertThat(s.isRunning("every-minute")).isTrue();
        clock.set(Instant.parse("2026-11-22T10:02:00Z"));
        assertThat(s.runDue()).isEmpty();
        assertThat(s.runNow(job, ScheduledJob.Trigger.MANUAL)).isEmpty();
        job.release.countDown();
        await(first);
        assertThat(job.runs).hasSize(1);
        assertThat(s.runNow(job, ScheduledJob.Trigger.MANUAL)).isPresent();
    }

    @Test
    void aJobAddedDuringTheNapFiresForTheTimeThatPassedBeforeThePassSawIt() {
        List<ScheduledJob> jobs = new java.util.concurrent.CopyOnWriteArrayList<>();
        Scheduler s = new Scheduler(clock, () -> List.copyOf(jobs), 2);
        assertThat(s.runDue()).isEmpty(); // a pass at 10:00:30, then a nap
        EveryMinute job = new EveryMinute(Optional.empty());
        jobs.add(job); // added at 10:00:50, say; the next pass sees it at 10:01:15
        clock.set(Instant.parse("2026-11-22T10:01:15Z"));
        await(s.runDue());
        assertThat(job.runs).as("the 10:01 time is not skipped to 10:02").containsExactly(ScheduledJob.Trigger.SCHEDULE);
        assertThat(s.nextFire("every-minute")).contains(Instant.parse("2026-11-22T10:02:00Z"));
    }

    @Test
    void aJobAddedWithAWakeUpDoesNotFireForATimeBeforeItExisted() {
        List<ScheduledJob> jobs = new java.util.concurrent.CopyOnWriteArrayList<>();
        Scheduler s = new Scheduler(clock, () -> List.copyOf(jobs), 2);
        assertThat(s.runDue()).isEmpty(); // a pass at 10:00:30
        clock.set(Instant.parse("2026-11-22T10:01:05Z"));
        EveryMinute job = new EveryMinute(Optional.empty());
        jobs.add(job); // created at 10:01:05, and the API wakes the loop
        s.wakeUp();
        assertThat(s.runDue()).as("10:01 passed before the job existed").isEmpty();
        assertThat(s.nextFire("every-minute")).contains(Instant.parse("2026-11-22T10:02:00Z"));
    }

    @Test
    void aRunByHandAtAScheduledTimeIsThatTimesRun() {
        EveryMinute job = new EveryMinute(Optional.empty());
        Scheduler s = new Scheduler(clock, () -> List.of(job), 2);
        s.runDue(); // 10:00:30: next time 10:01
        clock.set(Instant.parse("2026-11-22T10:01:00Z"));
        job.last = Optional.of(Instant.parse("2026-11-22T10:01:00Z")); // run by hand just then
        assertThat(s.runDue()).isEmpty();
        assertThat(s.nextFire("every-minute")).contains(Instant.parse("2026-11-22T10:02:00Z"));
        clock.set(Instant.parse("2026-11-22T10:02:00Z"));
        await(s.runDue());
        assertThat(job.runs).containsExactly(ScheduledJob.Trigger.SCHEDULE);
    }

    @Test
    void anEditedJobIsNotFiredAgainForTheTimeItJustRan() {
        List<ScheduledJob> jobs = new java.util.concurrent.CopyOnWriteArrayList<>();
        EveryMinute before = new EveryMinute("task:v1", Optional.empty());
        jobs.add(before);
        Scheduler s = new Scheduler(clock, () -> List.copyOf(jobs), 2);
        s.runDue();
        clock.set(Instant.parse("2026-11-22T10:01:00Z"));
        await(s.runDue());
        assertThat(before.runs).hasSize(1);
        // Edited right after: a new job id, the same task and so the same last start.
        clock.set(Instant.parse("2026-11-22T10:01:00.200Z"));
        EveryMinute after = new EveryMinute("task:v2", Optional.of(Instant.parse("2026-11-22T10:01:00.100Z")));
        jobs.set(0, after);
        clock.set(Instant.parse("2026-11-22T10:01:20Z"));
        assertThat(s.runDue()).isEmpty();
        assertThat(s.nextFire("task:v2")).contains(Instant.parse("2026-11-22T10:02:00Z"));
    }

    @Test
    void wakeUpMakesTheLoopLookAtTheJobsBeforeItsNapEnds() throws Exception {
        java.util.concurrent.atomic.AtomicInteger passes = new java.util.concurrent.atomic.AtomicInteger();
        Scheduler s = new Scheduler(clock, () -> {
            passes.incrementAndGet();
            return List.of();
        }, 1);
        s.start();
        try {
            io.snapferry.testing.Poll.until(Duration.ofSeconds(10), "the first pass", () -> passes.get() >= 1);
            int seen = passes.get();
            s.wakeUp();
            // The loop naps up to 30 s between passes; woken, it passes again at once.
            io.snapferry.testing.Poll.until(Duration.ofSeconds(10), "a pass after wakeUp", () -> passes.get() > seen);
        } finally {
            s.stop();
        }
    }
}
