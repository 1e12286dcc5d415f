package io.snapferry.web.auth;

import io.snapferry.daemon.config.AtomicFiles;
import io.snapferry.daemon.config.Json;
import io.snapferry.web.api.ApiError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * API tokens for scripts, in {@code <datadir>/config/tokens.json} (mode 0600, written atomically).
 * A token is {@code sft_} and 256 random bits; it is shown once, at creation, and only its SHA-256
 * is stored (a fast hash is enough for a secret of that entropy). The time of last use is kept
 * in memory and written at most once per {@link #LAST_USED_RESOLUTION} per token. Thread-safe.
 */
public final class ApiTokenStore {
    public static final String PREFIX = "sft_";
    public static final int MAX_TOKENS = 100;
    public static final Duration LAST_USED_RESOLUTION = Duration.ofMinutes(1);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    /** A token as stored: its digest, never the token. */
    public record StoredToken(String name, String sha256, Instant createdAt, Instant lastUsedAt) {
    }

    public record TokensFile(List<StoredToken> tokens) {
    }

    /** What the API shows about a token. */
    public record TokenInfo(String name, Instant createdAt, Instant lastUsedAt) {
    }

    /** A freshly created token: {@code token} is shown this once. */
    public record CreatedToken(String name, String token, Instant createdAt) {
    }

    private final Path file;
    private final Clock clock;
    private List<StoredToken> tokens;
    private final java.util.Map<String, Instant> lastUsed = new java.util.HashMap<>();

    public ApiTokenStore(Path file, Clock clock) throws IOException {
        this.file = file;
        this.clock = clock;
        this.tokens = Files.exists(file) ? List.copyOf(Json.mapper().readValue(file.toFile(), TokensFile.class).tokens()) : List.of();
        for (StoredToken t : tokens) {
            if (t.lastUsedAt() != null) {
                lastUsed.put(t.name(), t.lastUsedAt());
            }
        }
    }

    /** Creates a token. 400 (field {@code name}) for a bad name, 409 when the name is taken. */
    public synchronized CreatedToken create(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ApiError.badRequest("name", "the token name must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
        if (tokens.stream().anyMatch(t -> t.name().equals(name))) {
            throw new ApiError(409, "ALREADY_EXISTS", "a token named " + name + " already exists; pick another name or revoke it first", "name");
        }
        if (tokens.size() >= MAX_TOKENS) {
            throw new ApiError(409, "LIMIT", "there are already " + MAX_TOKENS + " tokens; revoke unused ones first", null);
        }
        String token = PREFIX + Secrets.random256();
        Instant now = clock.instant();
        List<StoredToken> next = new ArrayList<>(tokens);
        next.add(new StoredToken(name, Secrets.sha256Hex(token), now, null));
        save(next);
        return new CreatedToken(name, token, now);
    }

    public synchronized List<TokenInfo> list() {
        return tokens.stream().map(t -> new TokenInfo(t.name(), t.createdAt(), lastUsed.get(t.name()))).toList();
    }

    /** Revokes a token at once; 404 when there is none of that name. */
    public synchronized void revoke(String name) {
        List<StoredToken> next = new ArrayList<>(tokens);
        if (!next.removeIf(t -> t.name().equals(name))) {
            throw ApiError.notFound("there is no API token named " + name);
        }
        lastUsed.remove(name);
        save(next);
    }

    /** The token's name when {@code presented} is a live token. Every stored digest is compared. */
    public synchronized Optional<String> authenticate(String presented) {
        if (presented == null || !presented.startsWith(PREFIX) || presented.length() > 100) {
            return Optional.empty();
        }
        String digest = Secrets.sha256Hex(presented);
        StoredToken found = null;
        for (StoredToken t : tokens) {
            if (Secrets.constantTimeEquals(t.sha256(), digest)) {
                found = t;
            }
        }
        if (found == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        lastUsed.put(found.name(), now);
        if (found.lastUsedAt() == null || !now.isBefore(found.lastUsedAt().plus(LAST_USED_RESOLUTION))) {
            List<StoredToken> next = new ArrayList<>();
            for (StoredToken t : tokens) {
                next.add(t == found ? new StoredToken(t.name(), t.sha256(), t.createdAt(), now) : t);
            }
            save(next);
        }
        return Optional.of(found.name());
    }

    private void save(List<StoredToken> next) {
        try {
            AtomicFiles.write(file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(new TokensFile(next)),
                    AtomicFiles.OWNER_ONLY);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        tokens = List.copyOf(next);
    }
}
