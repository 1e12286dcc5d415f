package io.snapferry.web.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Browser sessions, kept in memory (a daemon restart logs everyone out). A session id is 256
 * random bits; the store keeps only its SHA-256, so lookups do not compare secrets. A session
 * ends after {@link #IDLE} without a request, after {@link #ABSOLUTE} in any case, or at logout.
 * Thread-safe; time comes from the injected clock.
 */
public final class SessionStore {
    public static final Duration IDLE = Duration.ofMinutes(30);
    public static final Duration ABSOLUTE = Duration.ofHours(12);
    static final int MAX_SESSIONS = 1000;

    /** A live session. {@code csrfToken} must accompany every state-changing request made with it. */
    public record Session(String username, String csrfToken, Instant createdAt, Instant lastSeen) {
    }

    /** A new session: the id goes into the cookie and is not kept. */
    public record Created(String id, Session session) {
    }

    private final Clock clock;
    private final Map<String, Session> byIdHash = new HashMap<>();

    public SessionStore(Clock clock) {
        this.clock = clock;
    }

    public synchronized Created create(String username) {
        Instant now = clock.instant();
        expire(now);
        if (byIdHash.size() >= MAX_SESSIONS) {
            byIdHash.entrySet().stream().min(Comparator.comparing(e -> e.getValue().lastSeen()))
                    .map(Map.Entry::getKey).ifPresent(byIdHash::remove);
        }
        String id = Secrets.random256();
        Session s = new Session(username, Secrets.random256(), now, now);
        byIdHash.put(Secrets.sha256Hex(id), s);
        return new Created(id, s);
    }

    /** The session for a cookie value, if live; touching it restarts its idle time. */
    public synchronized Optional<Session> touch(String id) {
        if (id == null || id.isEmpty() || id.length() > 100) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        String key = Secrets.sha256Hex(id);
        Session s = byIdHash.get(key);
        if (s == null) {
            return Optional.empty();
        }
        if (expired(s, now)) {
            byIdHash.remove(key);
            return Optional.empty();
        }
        Session t = new Session(s.username(), s.csrfToken(), s.createdAt(), now);
        byIdHash.put(key, t);
        return Optional.of(t);
    }

    public synchronized void remove(String id) {
        if (id != null) {
            byIdHash.remove(Secrets.sha256Hex(id));
        }
    }

    /**
     * Ends every session of {@code username} except the one with cookie value {@code keepId}
     * (none kept when null), e.g. after a password change. Returns how many ended.
     */
    public synchronized int removeAllOf(String username, String keepId) {
        String keep = keepId == null ? null : Secrets.sha256Hex(keepId);
        int before = byIdHash.size();
        byIdHash.entrySet().removeIf(e -> e.getValue().username().equals(username) && !e.getKey().equals(keep));
        return before - byIdHash.size();
    }

    public synchronized int size() {
        expire(clock.instant());
        return byIdHash.size();
    }

    private void expire(Instant now) {
        byIdHash.values().removeIf(s -> expired(s, now));
    }

    private static boolean expired(Session s, Instant now) {
        return !now.isBefore(s.lastSeen().plus(IDLE)) || !now.isBefore(s.createdAt().plus(ABSOLUTE));
    }
}
