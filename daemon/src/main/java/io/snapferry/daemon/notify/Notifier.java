package io.snapferry.daemon.notify;

import io.snapferry.daemon.lifecycle.AbstractService;
import io.snapferry.daemon.tasks.TaskHistory;
import io.snapferry.daemon.tasks.TaskRun;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notifier service: delivers {@link Notification}s to the configured targets that want their
 * event, on its own thread, so that a slow webhook never holds up a task.
 *
 * <p>Task failure and recovery come from the task history ({@link #taskEnded}, subscribed with
 * {@link TaskHistory#onEnd}): per (kind, subject) it remembers whether the last finished run
 * failed. The first failure after a success (or after start, when the history has no earlier
 * failure) sends {@link NotificationEvent#FAILURE}; further failures send nothing; the next
 * success sends {@link NotificationEvent#RECOVERY}. Skipped and interrupted runs change nothing.
 * Any task kind recorded in the history (snapshot, replication, verify ...) is covered.
 *
 * <p>Thread-safe. Notifications published while the service is not running are dropped (and
 * logged).
 */
public final class Notifier extends AbstractService {
    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);

    private final Supplier<List<NotificationTarget>> targets;
    private final TaskHistory history;
    private final Clock clock;
    private final String box;
    private final WebhookSender webhooks;
    private final SmtpClient smtp;
    private final Map<String, Boolean> failing = new ConcurrentHashMap<>();
    private ExecutorService sender;

    /**
     * @param targets read at each delivery, so edits take effect at once
     * @param history where earlier outcomes are looked up when a subject is first seen
     * @param box     the box's name in every notification
     */
    public Notifier(Supplier<List<NotificationTarget>> targets, TaskHistory history, Clock clock, String box,
                    WebhookSender webhooks, SmtpClient smtp) {
        super("notifier");
        this.targets = targets;
        this.history = history;
        this.clock = clock;
        this.box = box;
        this.webhooks = webhooks;
        this.smtp = smtp;
    }

    /** The outcome of delivering to one target. */
    public record Delivery(String target, String type, boolean ok, String detail) {
    }

    @Override
    protected void doStart() {
        sender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "snapferry-notifier");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    protected void doStop() throws InterruptedException {
        sender.shutdown();
        if (!sender.awaitTermination(5, TimeUnit.SECONDS)) {
            LOG.warn("notifications still being delivered at shutdown are abandoned");
            sender.shutdownNow();
        }
    }

    /** Builds a notification stamped with this box's name and the clock's time. */
    public Notification notification(NotificationEvent event, String kind, String subject, String message) {
        return new Notification(event, kind, subject, message, clock.instant(), box);
    }

    /** Queues {@code n} for every enabled target that wants its event; returns at once. */
    public void publish(Notification n) {
        ExecutorService s;
        synchronized (this) {
            s = state() == State.RUNNING ? sender : null;
        }
        if (s == null) {
            LOG.warn("notifier not running; dropped {}", n.title());
            return;
        }
        try {
            s.execute(() -> deliver(n, false));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.warn("notifier stopping; dropped {}", n.title());
        }
    }

    /** Shorthand for {@code publish(notification(...))}. */
    public void publish(NotificationEvent event, String kind, String subject, String message) {
        publish(notification(event, kind, subject, message));
    }

    /**
     * Sends a {@link NotificationEvent#TEST} to every enabled target that wants tests, or to the one
     * named (whatever its events, as long as it is enabled), now, on the caller's thread. Webhook
     * retries happen within the call. Delivery failures are in the results, not thrown.
     *
     * @throws InvalidTargetException (field "target") when the named target does not exist or is disabled
     */
    public List<Delivery> sendTest(Optional<String> targetId) {
        Notification n = notification(NotificationEvent.TEST, "test", targetId.orElse("all"),
                "a test notification from snapferry on " + box);
        if (targetId.isPresent()) {
            NotificationTarget t = targets.get().stream().filter(x -> x.id().equals(targetId.get())).findFirst()
                    .orElseThrow(() -> new InvalidTargetException("target", "no notification target " + targetId.get()));
            if (!t.enabled()) {
                throw new InvalidTargetException("target", "notification target " + t.id() + " is disabled");
            }
            return List.of(deliverTo(t, n));
        }
        return deliver(n, true);
    }

    private List<Delivery> deliver(Notification n, boolean quiet) {
        List<Delivery> out = new ArrayList<>();
        for (NotificationTarget t : targets.get()) {
            if (t.wants(n.event())) {
                Delivery d = deliverTo(t, n);
                if (!d.ok() && !quiet) {
                    LOG.warn("notification {} to {} failed: {}", n.title(), t.id(), d.detail());
                }
                out.add(d);
            }
        }
        return out;
    }

    private Delivery deliverTo(NotificationTarget t, Notification n) {
        try {
            if (t.webhook().isPresent()) {
                int attempts = webhooks.send(t.webhook().get(), n);
                return new Delivery(t.id(), t.type(), true, "delivered" + (attempts > 1 ? " after " + attempts + " attempts" : ""));
            }
            smtp.send(t.email().orElseThrow(), box, n.title(), text(n));
            return new Delivery(t.id(), t.type(), true, "delivered");
        } catch (DeliveryException e) {
            return new Delivery(t.id(), t.type(), false, e.getMessage());
        }
    }

    static String text(Notification n) {
        return n.message() + "\n\nevent: " + n.event() + "\nkind: " + n.kind() + "\nsubject: " + n.subject()
                + "\ntime: " + n.time() + "\nbox: " + n.box() + "\n";
    }

    /** Listener for {@link TaskHistory#onEnd}: turns outcome changes into FAILURE and RECOVERY. */
    public void taskEnded(TaskRun run) {
        boolean failed;
        switch (run.state()) {
            case FAILED -> failed = true;
            case SUCCEEDED -> failed = false;
            default -> {
                return;
            }
        }
        String key = run.kind() + "\u0000" + run.subject();
        Boolean before = failing.put(key, failed);
        if (before == null) {
            before = previousFailed(run);
        }
        if (failed && !before) {
            publish(NotificationEvent.FAILURE, run.kind(), run.subject(), run.kind() + " task " + run.subject() + " failed: " + run.result());
        } else if (!failed && before) {
            publish(NotificationEvent.RECOVERY, run.kind(), run.subject(), run.kind() + " task " + run.subject()
                    + " succeeded again: " + run.result());
        }
    }

    /** Whether the finished run before {@code run} of the same subject failed (false when there is none). */
    private boolean previousFailed(TaskRun run) {
        List<TaskRun> earlier = history.list(r -> r.kind().equals(run.kind()) && r.subject().equals(run.subject())
                && !r.id().equals(run.id()) && (r.state() == TaskRun.State.FAILED || r.state() == TaskRun.State.SUCCEEDED), 1);
        return !earlier.isEmpty() && earlier.get(0).state() == TaskRun.State.FAILED;
    }
}
