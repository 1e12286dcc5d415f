package io.snapferry.daemon.config;

import java.time.DateTimeException;
import java.time.ZoneId;

/**
 * Box-wide settings.
 *
 * @param timeZone the zone schedules and names are read in (an IANA id such as Europe/Berlin)
 * @param maxParallelReplications how many replication tasks may run at once
 */
public record Settings(String timeZone, int maxParallelReplications) {
    public static Settings defaults() {
        return new Settings(ZoneId.systemDefault().getId(), 2);
    }

    public Settings {
        try {
            ZoneId.of(timeZone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("unknown time zone '" + timeZone + "': use an IANA name such as Europe/Berlin or UTC");
        }
        if (maxParallelReplications < 1 || maxParallelReplications > 64) {
            throw new IllegalArgumentException("maxParallelReplications must be between 1 and 64");
        }
    }

    public ZoneId zone() {
        return ZoneId.of(timeZone);
    }
}
