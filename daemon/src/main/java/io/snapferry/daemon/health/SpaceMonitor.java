package io.snapferry.daemon.health;

import io.snapferry.daemon.lifecycle.AbstractService;
import io.snapferry.daemon.notify.NotificationEvent;
import io.snapferry.daemon.notify.Notifier;
import io.snapferry.daemon.pools.Pools;
import io.snapferry.daemon.scheduler.ScheduledJob;
import io.snapferry.dataset.PoolSpace;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "health" service: every {@link #INTERVAL} (run by the scheduler through {@link #job()}) it
 * reads every pool's space and health. When a pool's free space falls below the threshold
 * (percent of its size) it notifies {@link NotificationEvent#LOW_SPACE} once; when it is back at
 * or above the threshold, {@link NotificationEvent#RECOVERY} once. A pool whose health (the
 * provider's word; for ZFS the pool state, as {@code zpool list -o health} gives it) turns from
 * ONLINE to anything else sends {@link NotificationEvent#FAILURE} (kind "pool"), and each further
 * change of that word again; back to ONLINE sends {@link NotificationEvent#RECOVERY}. A threshold
 * of 0 turns the space check off.
 *
 * <p>Thread-safe: {@link #check()} is synchronized.
 */
public final class SpaceMonitor extends AbstractService {
    private static final Logger LOG = LoggerFactory.getLogger(SpaceMonitor.class);
    public static final Duration INTERVAL = Duration.ofMinutes(5);

    private final Supplier<List<Pools.PoolInfo>> pools;
    private final IntSupplier thresholdPercent;
    private final Notifier notifier;
    private final Map<String, Boolean> low = new LinkedHashMap<>();
    private final Map<String, String> health = new LinkedHashMap<>();
    private volatile List<PoolReport> last = List.of();

    /** One pool at the last check. */
    public record PoolReport(String pool, long size, long free, double freePercent, boolean low, String health) {
    }

    public SpaceMonitor(Supplier<List<Pools.PoolInfo>> pools, IntSupplier thresholdPercent, Notifier notifier) {
        super("health");
        this.pools = pools;
        this.thresholdPercent = thresholdPercent;
        this.notifier = notifier;
    }

    @Override
    protected void doStart() {
        // A first check at once, so that low space at start is reported; later ones run as a scheduler job.
        try {
            check();
        } catch (RuntimeException e) {
            LOG.warn("pool space check failed: {}", e.toString());
        }
    }

    @Override
    protected void doStop() {
    }

    /** The pools at the last check. */
    public List<PoolReport> last() {
        return last;
    }

    /** Checks every pool now; returns what it found. */
    public synchronized List<PoolReport> check() {
        int threshold = thresholdPercent.getAsInt();
        List<PoolReport> out = new ArrayList<>();
        for (Pools.PoolInfo p : pools.get()) {
            PoolSpace s = p.space();
            double pct = s.size() <= 0 ? 100.0 : 100.0 * s.free() / s.size();
            boolean isLow = threshold > 0 && pct < threshold;
            Boolean was = low.put(p.name(), isLow);
            String pctText = String.format(java.util.Locale.ROOT, "%.1f%%", pct);
            if (isLow && !Boolean.TRUE.equals(was)) {
                notifier.publish(NotificationEvent.LOW_SPACE, "pool", p.name(), "pool " + p.name() + " has " + pctText
                        + " free (" + s.free() + " of " + s.size() + " bytes), below the threshold of " + threshold + "%");
            } else if (!isLow && Boolean.TRUE.equals(was)) {
                notifier.publish(NotificationEvent.RECOVERY, "pool", p.name(), "pool " + p.name() + " has " + pctText
                        + " free again (threshold " + threshold + "%)");
            }
            String h = s.health() == null || s.health().isBlank() ? "UNKNOWN" : s.health();
            String before = health.put(p.name(), h);
            boolean healthy = h.equals("ONLINE");
            if (!healthy && !h.equals(before)) {
                LOG.warn("pool {} health is {}", p.name(), h);
                notifier.publish(NotificationEvent.FAILURE, "pool", p.name(), "pool " + p.name() + " is " + h
                        + (before == null ? "" : " (was " + before + ")") + "; 'zpool status -x' tells more");
            } else if (healthy && before != null && !before.equals("ONLINE")) {
                notifier.publish(NotificationEvent.RECOVERY, "pool", p.name(), "pool " + p.name() + " is ONLINE again (was " + before + ")");
            }
            out.add(new PoolReport(p.name(), s.size(), s.free(), pct, isLow, h));
        }
        last = List.copyOf(out);
        return last;
    }

    /** The scheduler job that runs {@link #check()} every {@link #INTERVAL} while this service runs. */
    public ScheduledJob job() {
        return new ScheduledJob() {
            @Override
            public String id() {
                return "health:space";
            }

            @Override
            public Optional<Instant> nextFireAfter(Instant after) {
                return Optional.of(after.plus(INTERVAL));
            }

            @Override
            public Optional<Instant> lastStart() {
                return Optional.empty();
            }

            @Override
            public void run(Trigger trigger) {
                if (state() == State.RUNNING) {
                    try {
                        check();
                    } catch (RuntimeException e) {
                        LOG.warn("pool space check failed: {}", e.toString());
                    }
                }
            }
        };
    }
}
