package io.snapferry.daemon.config;

import java.time.DateTimeException;
import java.time.ZoneId;

/**
 * Box-wide settings. A field missing from {@code settings.json} (written by an older version)
 * takes its default.
 *
 * @param timeZone the zone schedules and names are read in (an IANA id such as Europe/Berlin)
 * @param maxParallelReplications how many replication tasks may run at once
 * @param metricsPublic who may scrape {@code GET /metrics}: {@code loopback} (anyone on the box
 *        itself, or any authenticated caller) or {@code authenticated} (authenticated callers only)
 * @param freeSpaceThreshold percent of a pool's size below which free space is low (0 turns the check off)
 */
public record Settings(String timeZone, int maxParallelReplications, String metricsPublic, Integer freeSpaceThreshold) {
    public static final String METRICS_LOOPBACK = "loopback";
    public static final String METRICS_AUTHENTICATED = "authenticated";
    public static final int DEFAULT_FREE_SPACE_THRESHOLD = 10;

    public static Settings defaults() {
        return new Settings(ZoneId.systemDefault().getId(), 2);
    }

    public Settings(String timeZone, int maxParallelReplications) {
        this(timeZone, maxParallelReplications, METRICS_LOOPBACK, DEFAULT_FREE_SPACE_THRESHOLD);
    }

    public Settings {
        if (timeZone == null) {
            throw new InvalidSettingException("timeZone", "timeZone is required: an IANA name such as Europe/Berlin or UTC");
        }
        try {
            ZoneId.of(timeZone);
        } catch (DateTimeException e) {
            throw new InvalidSettingException("timeZone", "unknown time zone '" + timeZone + "': use an IANA name such as Europe/Berlin or UTC");
        }
        if (maxParallelReplications < 1 || maxParallelReplications > 64) {
            throw new InvalidSettingException("maxParallelReplications", "maxParallelReplications must be between 1 and 64");
        }
        metricsPublic = metricsPublic == null ? METRICS_LOOPBACK : metricsPublic;
        if (!metricsPublic.equals(METRICS_LOOPBACK) && !metricsPublic.equals(METRICS_AUTHENTICATED)) {
            throw new InvalidSettingException("metricsPublic", "metricsPublic must be 'loopback' or 'authenticated', not '" + metricsPublic + "'");
        }
        freeSpaceThreshold = freeSpaceThreshold == null ? DEFAULT_FREE_SPACE_THRESHOLD : freeSpaceThreshold;
        if (freeSpaceThreshold < 0 || freeSpaceThreshold > 99) {
            throw new InvalidSettingException("freeSpaceThreshold", "freeSpaceThreshold is a percentage from 0 (off) to 99");
        }
    }

    public ZoneId zone() {
        return ZoneId.of(timeZone);
    }
}
