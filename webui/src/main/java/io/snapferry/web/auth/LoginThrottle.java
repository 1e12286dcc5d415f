package io.snapferry.web.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Slows down password guessing, counting failed logins per client address and per username
 * separately (so neither rotating addresses nor rotating names helps). The first
 * {@link #FREE_FAILURES} failures cost nothing; each one after that locks the key for
 * {@link #BASE_LOCK} doubled per further failure, at most {@link #MAX_LOCK}. A successful login
 * clears both keys; a key with no failure for {@link #FORGET} is forgotten. Thread-safe; time
 * comes from the injected clock.
 */
public final class LoginThrottle {
    public static final int FREE_FAILURES = 4;
    public static final Duration BASE_LOCK = Duration.ofSeconds(30);
    public static final Duration MAX_LOCK = Duration.ofHours(1);
    public static final Duration FORGET = Duration.ofHours(24);
    static final int MAX_KEYS = 10_000;

    private record Entry(int failures, Instant lastFailure, Instant lockedUntil) {
    }

    private final Clock clock;
    private final Map<String, Entry> entries = new HashMap<>();

    public LoginThrottle(Clock clock) {
        this.clock = clock;
    }

    /** How long the caller must still wait before trying again, if locked out. */
    public synchronized Optional<Duration> lockedFor(String address, String username) {
        Instant now = clock.instant();
        Duration wait = Duration.ZERO;
        for (String key : keys(address, username)) {
            Entry e = entries.get(key);
            if (e != null && now.isBefore(e.lockedUntil())) {
                Duration d = Duration.between(now, e.lockedUntil());
                if (d.compareTo(wait) > 0) {
                    wait = d;
                }
            }
        }
        return wait.isZero() ? Optional.empty() : Optional.of(wait);
    }

    public synchronized void failure(String address, String username) {
        Instant now = clock.instant();
        if (entries.size() >= MAX_KEYS) {
            entries.values().removeIf(e -> !now.isBefore(e.lastFailure().plus(FORGET)) || !now.isBefore(e.lockedUntil()));
        }
        for (String key : keys(address, username)) {
            Entry old = entries.get(key);
            int failures = old == null || !now.isBefore(old.lastFailure().plus(FORGET)) ? 1 : old.failures() + 1;
            Instant until = now;
            if (failures > FREE_FAILURES) {
                int doublings = Math.min(failures - FREE_FAILURES - 1, 20);
                Duration lock = BASE_LOCK.multipliedBy(1L << doublings);
                until = now.plus(lock.compareTo(MAX_LOCK) > 0 ? MAX_LOCK : lock);
            }
            entries.put(key, new Entry(failures, now, until));
        }
    }

    public synchronized void success(String address, String username) {
        for (String key : keys(address, username)) {
            entries.remove(key);
        }
    }

    private static List<String> keys(String address, String username) {
        return List.of("addr:" + address, "user:" + (username == null ? "" : username.toLowerCase(java.util.Locale.ROOT)));
    }
}
