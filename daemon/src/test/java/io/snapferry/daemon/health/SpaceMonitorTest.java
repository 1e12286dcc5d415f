package io.snapferry.daemon.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.daemon.notify.NotificationEvent;
import io.snapferry.daemon.notify.NotificationTarget;
import io.snapferry.daemon.notify.Notifier;
import io.snapferry.daemon.notify.SmtpClient;
import io.snapferry.daemon.notify.WebhookReceiver;
import io.snapferry.daemon.notify.WebhookSender;
import io.snapferry.daemon.pools.Pools;
import io.snapferry.daemon.tasks.TaskHistory;
import io.snapferry.dataset.PoolSpace;
import io.snapferry.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpaceMonitorTest {
    @TempDir
    Path tmp;

    @Test
    void lowSpaceIsNotifiedOncePerCrossingAndItsRecoveryOnce() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);
        AtomicLong free = new AtomicLong(500);
        AtomicInteger threshold = new AtomicInteger(10);
        try (WebhookReceiver hook = new WebhookReceiver();
             TaskHistory history = new TaskHistory(tmp.resolve("h.jsonl"), clock, 10)) {
            NotificationTarget target = new NotificationTarget("ops", true, List.of(NotificationEvent.LOW_SPACE, NotificationEvent.RECOVERY),
                    Optional.of(new NotificationTarget.Webhook(hook.url(), Optional.empty())), Optional.empty());
            Notifier notifier = new Notifier(() -> List.of(target), history, clock, "box1",
                    new WebhookSender(d -> { }, 1, Duration.ofSeconds(1)), new SmtpClient(clock));
            notifier.start();
            SpaceMonitor monitor = new SpaceMonitor(() -> List.of(
                    new Pools.PoolInfo("tank", "zfs", new PoolSpace("tank", 1000, 1000 - free.get(), free.get(), "DEGRADED")),
                    new Pools.PoolInfo("empty", "zfs", new PoolSpace("empty", 0, 0, 0, "ONLINE"))), threshold::get, notifier);
            monitor.start();
            assertThat(monitor.last()).extracting(SpaceMonitor.PoolReport::low).containsExactly(false, false);
            free.set(90);
            assertThat(monitor.check().get(0).low()).isTrue();
            free.set(40);
            monitor.check();
            free.set(99);
            monitor.check();
            free.set(100);
            SpaceMonitor.PoolReport back = monitor.check().get(0);
            assertThat(back.low()).isFalse();
            assertThat(back.freePercent()).isEqualTo(10.0);
            assertThat(back.health()).isEqualTo("DEGRADED");
            free.set(1);
            threshold.set(0);
            monitor.check();
            monitor.job().run(io.snapferry.daemon.scheduler.ScheduledJob.Trigger.SCHEDULE);
            notifier.stop();

            assertThat(hook.received()).extracting(n -> n.path("event").asText() + " " + n.path("subject").asText())
                    .containsExactly("LOW_SPACE tank", "RECOVERY tank");
            assertThat(hook.received().get(0).path("message").asText()).contains("9.0% free (90 of 1000 bytes), below the threshold of 10%");
            assertThat(monitor.job().nextFireAfter(clock.instant())).contains(clock.instant().plus(SpaceMonitor.INTERVAL));
        }
    }

    @Test
    void aPoolLeavingOnlineIsAFailureAndItsReturnARecovery() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);
        AtomicReference<String> state = new AtomicReference<>("ONLINE");
        try (WebhookReceiver hook = new WebhookReceiver();
             TaskHistory history = new TaskHistory(tmp.resolve("h.jsonl"), clock, 10)) {
            NotificationTarget target = new NotificationTarget("ops", true, List.of(NotificationEvent.FAILURE, NotificationEvent.RECOVERY),
                    Optional.of(new NotificationTarget.Webhook(hook.url(), Optional.empty())), Optional.empty());
            Notifier notifier = new Notifier(() -> List.of(target), history, clock, "box1",
                    new WebhookSender(d -> { }, 1, Duration.ofSeconds(1)), new SmtpClient(clock));
            notifier.start();
            SpaceMonitor monitor = new SpaceMonitor(() -> List.of(
                    new Pools.PoolInfo("tank", "zfs", new PoolSpace("tank", 1000, 0, 1000, state.get()))), () -> 10, notifier);
            monitor.check();
            state.set("DEGRADED");
            monitor.check();
            monitor.check();
            state.set("FAULTED");
            monitor.check();
            state.set("ONLINE");
            monitor.check();
            monitor.check();
            notifier.stop();
            assertThat(hook.received()).extracting(n -> n.path("event").asText() + ": " + n.path("message").asText()).containsExactly(
                    "FAILURE: pool tank is DEGRADED (was ONLINE); 'zpool status -x' tells more",
                    "FAILURE: pool tank is FAULTED (was DEGRADED); 'zpool status -x' tells more",
                    "RECOVERY: pool tank is ONLINE again (was FAULTED)");
        }
    }
}
