package io.snapferry.daemon.scheduler;

import io.snapferry.daemon.lifecycle.AbstractService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires {@link ScheduledJob}s at their times by the injected clock.
 *
 * <p>Rules: a job whose fire time passed while the daemon was down runs once at start
 * ({@link ScheduledJob.Trigger#CATCH_UP}), not once per missed time. A job still running when its
 * next time comes is not started twice; that time is skipped and logged. Tests drive
 * {@link #runDue()} with a clock they advance, and wait for the returned futures; the service
 * thread does the same against the real clock.
 */
public final class Scheduler extends AbstractService {
    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
    private static final Duration MAX_NAP = Duration.ofSeconds(30);

    private final Clock clock;
    private final Supplier<List<ScheduledJob>> jobs;
    private final ExecutorService workers;
    private final Map<String, Instant> nextFire = new HashMap<>();
    private final Set<String> running = new HashSet<>();
    private final Object wake = new Object();
    /** Set by {@link #wakeUp()}, cleared by the loop under {@code wake}: a wake-up is never lost. */
    private boolean woken;
    /** When the previous pass looked at the jobs; null before the first pass. */
    private Instant lastPass;
    /** When {@link #wakeUp()} was last called and no pass has run since; null otherwise. */
    private Instant wokenAt;
    private Thread loop;
    private volatile boolean stopping;

    /**
     * @param jobs asked on every pass, so added, changed and removed jobs take effect at once
     */
    public Scheduler(Clock clock, Supplier<List<ScheduledJob>> jobs, int workerThreads) {
        super("scheduler");
        this.clock = clock;
        this.jobs = jobs;
        this.workers = Executors.newFixedThreadPool(workerThreads, r -> {
            Thread t = new Thread(r, "snapferry-worker");
            t.setDaemon(true);
            return t;
        });
    }

    /** Forgets the computed fire time of a job (after an edit) and wakes the loop. */
    public void reschedule(String jobId) {
        synchronized (this) {
            nextFire.remove(jobId);
        }
        wakeUp();
    }

    /**
     * Makes the loop look at the jobs now rather than after its nap: call right after a job is
     * added, enabled or edited. A job the woken pass sees for the first time gets its first fire
     * time after this call, not after the previous pass: nothing fires for a time before the job
     * existed. Without the call a new job still gets every fire time since the previous pass.
     */
    public void wakeUp() {
        synchronized (this) {
            wokenAt = clock.instant();
        }
        synchronized (wake) {
            woken = true;
            wake.notifyAll();
        }
    }

    /** Starts every due job; returns their completions. */
    public synchronized List<CompletableFuture<Void>> runDue() {
        Instant now = clock.instant();
        List<CompletableFuture<Void>> started = new ArrayList<>();
        Set<String> live = new HashSet<>();
        Instant previous = lastPass == null || lastPass.isAfter(now) ? now : lastPass;
        // after a wake-up, the job that woke us was added or enabled just then: no time before that is its own
        Instant since = wokenAt != null && wokenAt.isAfter(previous) && !wokenAt.isAfter(now) ? wokenAt : previous;
        wokenAt = null;
        lastPass = now;
        for (ScheduledJob job : jobs.get()) {
            live.add(job.id());
            Instant due = nextFire.computeIfAbsent(job.id(), id -> firstFire(job, now, since));
            if (due == null || due.isAfter(now)) {
                continue;
            }
            ScheduledJob.Trigger trigger = due.isBefore(now.minusSeconds(60))
                    ? ScheduledJob.Trigger.CATCH_UP : ScheduledJob.Trigger.SCHEDULE;
            nextFire.put(job.id(), job.nextFireAfter(now).orElse(null));
            Optional<Instant> last = job.lastStart();
            if (last.isPresent() && !last.get().isBefore(due)) {
                LOG.debug("job {} already started at {}, at or after its time {}: that time is done", job.id(), last.get(), due);
                continue;
            }
            if (running.contains(job.id())) {
                LOG.warn("job {} is still running; its run due at {} is skipped", job.id(), due);
                continue;
            }
            started.add(submit(job, trigger));
        }
        nextFire.keySet().retainAll(live);
        return started;
    }

    /** Runs a job now, outside its schedule; empty when it is already running. */
    public synchronized Optional<CompletableFuture<Void>> runNow(ScheduledJob job, ScheduledJob.Trigger trigger) {
        if (running.contains(job.id())) {
            return Optional.empty();
        }
        return Optional.of(submit(job, trigger));
    }

    /** Jobs submitted and not finished (queued for a worker or running). */
    public synchronized int queueLength() {
        return running.size();
    }

    public synchronized boolean isRunning(String jobId) {
        return running.contains(jobId);
    }

    /** The next time the scheduler will fire this job, if known. */
    public synchronized Optional<Instant> nextFire(String jobId) {
        return Optional.ofNullable(nextFire.get(jobId));
    }

    /**
     * The first fire time to honour for a job this pass sees for the first time: after its last
     * run when there was one, so that a time missed while the daemon was down is due at once (one
     * catch-up); otherwise after the previous pass ({@code since}), because the job may have been
     * added at any moment of the nap between the two passes and a fire time in that nap is its
     * first (a job added at 12:59:50 and first seen at 13:00:15 fires for 13:00, not at 14:00).
     */
    private static Instant firstFire(ScheduledJob job, Instant now, Instant since) {
        Optional<Instant> last = job.lastStart();
        if (last.isPresent() && last.get().isBefore(now)) {
            Optional<Instant> missed = job.nextFireAfter(last.get());
            if (missed.isPresent() && !missed.get().isAfter(now)) {
                return missed.get();
            }
        }
        Instant from = last.isPresent() && last.get().isAfter(since) && last.get().isBefore(now) ? last.get() : since;
        return job.nextFireAfter(from).orElse(null);
    }

    private CompletableFuture<Void> submit(ScheduledJob job, ScheduledJob.Trigger trigger) {
        running.add(job.id());
        return CompletableFuture.runAsync(() -> {
            try {
                job.run(trigger);
            } catch (RuntimeException | Error e) {
                LOG.error("job {} failed", job.id(), e);
            } finally {
                synchronized (Scheduler.this) {
                    running.remove(job.id());
                }
            }
        }, workers);
    }

    private synchronized Duration untilNext() {
        Instant now = clock.instant();
        Instant soonest = now.plus(MAX_NAP);
        for (Instant t : nextFire.values()) {
            if (t != null && t.isBefore(soonest)) {
                soonest = t;
            }
        }
        Duration d = Duration.between(now, soonest);
        return d.isNegative() ? Duration.ZERO : d;
    }

    @Override
    protected void doStart() {
        stopping = false;
        loop = new Thread(() -> {
            while (!stopping) {
                try {
                    runDue();
                    long ms = Math.max(1, untilNext().toMillis());
                    synchronized (wake) {
                        if (!stopping && !woken) {
                            wake.wait(ms);
                        }
                        woken = false;
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.error("scheduler pass failed", e);
                    failed(e);
                    return;
                }
            }
        }, "snapferry-scheduler");
        loop.setDaemon(true);
        loop.start();
    }

    @Override
    protected void doStop() throws InterruptedException {
        stopping = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        loop.join(5000);
        workers.shutdown();
        if (!workers.awaitTermination(8, TimeUnit.SECONDS)) {
            LOG.warn("jobs still running at shutdown are abandoned; their runs will show as interrupted");
            workers.shutdownNow();
        }
    }
}
