package io.snapferry.daemon.health;

import io.snapferry.daemon.scheduler.ScheduledJob;
import io.snapferry.daemon.tasks.TaskHistory;
import io.snapferry.daemon.tasks.TaskRun;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.schedule.Schedule;
import io.snapferry.store.EmbeddedStore;
import io.snapferry.store.VerifyReport;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Scheduled verification of the embedded store: re-hashes every chunk of each pool on a schedule
 * inside a time-of-day window (by default Sundays 03:00, "0 3 * * 0"). A pool with damage is
 * quarantined (no new writes) and the run fails, which notifies; the report names the damaged
 * snapshots. ZFS pools verify themselves with scrubs, whose status the pool list shows.
 */
public final class Verifier {
    public static final String KIND = "verify";

    private final Supplier<List<DatasetProvider>> providers;
    private final Quarantine quarantine;
    private final TaskHistory history;
    private final Clock clock;
    private final Supplier<ZoneId> zone;
    private final Schedule schedule;

    public Verifier(Supplier<List<DatasetProvider>> providers, Quarantine quarantine, TaskHistory history, Clock clock,
                    Supplier<ZoneId> zone, Schedule schedule) {
        this.providers = providers;
        this.quarantine = quarantine;
        this.history = history;
        this.clock = clock;
        this.zone = zone;
        this.schedule = schedule;
    }

    /** The embedded-store pools this box verifies. */
    public List<String> pools() {
        List<String> out = new ArrayList<>();
        for (DatasetProvider p : providers.get()) {
            if (p.unwrapped() instanceof EmbeddedStore s) {
                out.addAll(s.pools());
            }
        }
        return out;
    }

    private Optional<EmbeddedStore> storeOf(String pool) {
        for (DatasetProvider p : providers.get()) {
            if (p.unwrapped() instanceof EmbeddedStore s && s.pools().contains(pool)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** Verifies one pool now, as a task in the history; quarantines it when damaged. */
    public VerifyReport verify(String pool) {
        EmbeddedStore store = storeOf(pool).orElseThrow(() -> new IllegalArgumentException(
                "pool " + pool + " is not an embedded-store pool; ZFS pools are checked with 'zpool scrub'"));
        String id = history.start(KIND, pool);
        VerifyReport r;
        try {
            r = store.verify(pool);
        } catch (RuntimeException e) {
            history.end(id, TaskRun.State.FAILED, "verification could not run: " + e.getMessage());
            throw e;
        }
        int damage = r.damagedChunks().size() + r.missingChunks().size() + r.damagedManifests().size();
        history.log(id, "INFO", "checked " + r.chunksChecked() + " chunks, " + r.bytesChecked() + " bytes");
        if (damage == 0) {
            history.end(id, TaskRun.State.SUCCEEDED, "no damage in " + r.chunksChecked() + " chunks");
            return r;
        }
        r.damagedChunks().forEach((c, snaps) -> history.log(id, "ERROR", "damaged chunk " + c + " used by " + snaps));
        r.missingChunks().forEach((c, snaps) -> history.log(id, "ERROR", "missing chunk " + c + " used by " + snaps));
        r.damagedManifests().forEach(m -> history.log(id, "ERROR", "damaged manifest " + m));
        String reason = damage + " damaged or missing item(s) found by verification";
        quarantine.add(new Quarantine.Entry(pool, clock.instant(), reason));
        history.end(id, TaskRun.State.FAILED, reason + "; pool " + pool + " is quarantined");
        return r;
    }

    /** One job per pool for the scheduler. */
    public List<ScheduledJob> jobs() {
        List<ScheduledJob> out = new ArrayList<>();
        for (String pool : pools()) {
            out.add(new ScheduledJob() {
                @Override
                public String id() {
                    return "verify:" + pool;
                }

                @Override
                public Optional<Instant> nextFireAfter(Instant after) {
                    return schedule.next(after.atZone(zone.get())).map(z -> z.toInstant());
                }

                @Override
                public Optional<Instant> lastStart() {
                    return history.last(KIND, pool).map(TaskRun::startedAt);
                }

                @Override
                public void run(Trigger trigger) {
                    verify(pool);
                }
            });
        }
        return out;
    }
}
