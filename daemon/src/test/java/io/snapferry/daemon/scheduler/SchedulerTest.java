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

        EveryMinute(Optional<Instant> last) {
            this.last = last;
        }

        @Override
        public String id() {
            return "every-minute";
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
}
