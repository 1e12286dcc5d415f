package io.snapferry.daemon.ssh;

import com.fasterxml.jackson.core.type.TypeReference;
import io.snapferry.daemon.config.AtomicFiles;
import io.snapferry.daemon.config.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * One-time pairing tokens: made on the box being paired with, shown once, kept only as a SHA-256
 * hash (in {@code state/pair-tokens.json}, mode 0600), good for one successful pairing before
 * they expire. Thread-safe.
 *
 * <p>A token is {@code sfp1.SECRET.CERT}: SECRET is 32 random bytes, CERT the SHA-256 of this box's
 * web API certificate, both base64url without padding. The other box pins its HTTPS call to CERT,
 * so pairing needs no trust on first use; only SECRET's possession is checked here.
 */
public final class PairTokens {
    public static final String PREFIX = "sfp1";
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(15);
    public static final Duration MAX_TTL = Duration.ofHours(24);

    /**
     * What a token grants the box that redeems it.
     *
     * @param receiveRoot when present, it may receive into this dataset and below; "" means "the
     *                    default": {@code <first pool>/from-<peer name>}
     * @param readable    datasets it may read
     */
    public record Grant(boolean receive, Optional<String> receiveRoot, List<String> readable) {
        public Grant {
            readable = List.copyOf(readable);
        }
    }

    /** A stored token: its hash, never the token. */
    public record Entry(String sha256, Instant createdAt, Instant expiresAt, Grant grant) {
    }

    /** A token just made: shown once. */
    public record Created(String token, Instant expiresAt, Grant grant) {
    }

    /** A token as the other box holds it. */
    public record Parsed(String token, byte[] certificateSha256) {
        /** The certificate fingerprint as lower-case hex. */
        public String certificateHex() {
            return HexFormat.of().formatHex(certificateSha256);
        }
    }

    private final Path file;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final List<Entry> entries = new ArrayList<>();

    public PairTokens(Path file, Clock clock) throws IOException {
        this.file = file;
        this.clock = clock;
        if (Files.exists(file)) {
            entries.addAll(Json.mapper().readValue(file.toFile(), new TypeReference<List<Entry>>() { }));
        }
    }

    /**
     * Makes a token for a box whose web certificate has the SHA-256 {@code certificateHex}.
     *
     * @throws SshConfigException when the ttl is not positive or longer than {@link #MAX_TTL}
     */
    public synchronized Created create(Grant grant, Duration ttl, String certificateHex) {
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw SshConfigException.invalid("ttl", "a pairing token lives between 1 second and 24 hours, not " + ttl.toSeconds() + " s");
        }
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String token = PREFIX + "." + b64.encodeToString(secret) + "." + b64.encodeToString(HexFormat.of().parseHex(certificateHex));
        Instant now = clock.instant();
        purge(now);
        Entry e = new Entry(hash(token), now, now.plus(ttl), grant);
        entries.add(e);
        save();
        return new Created(token, e.expiresAt(), grant);
    }

    /** Whether {@code token} would be accepted now, without using it. */
    public synchronized boolean valid(String token) {
        return find(token).isPresent();
    }

    /**
     * Uses a token: answers its grant and forgets it, or empty when the token is wrong, used
     * already or expired. Hashes are compared in constant time.
     */
    public synchronized Optional<Grant> redeem(String token) {
        Optional<Entry> e = find(token);
        if (e.isEmpty()) {
            return Optional.empty();
        }
        entries.remove(e.get());
        save();
        return Optional.of(e.get().grant());
    }

    private Optional<Entry> find(String token) {
        Instant now = clock.instant();
        byte[] want = HexFormat.of().parseHex(hash(token == null ? "" : token));
        Entry match = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(want, HexFormat.of().parseHex(e.sha256())) && now.isBefore(e.expiresAt())) {
                match = e;
            }
        }
        return Optional.ofNullable(match);
    }

    /** Tokens not yet used or expired (hashes and grants only). */
    public synchronized List<Entry> pending() {
        Instant now = clock.instant();
        return entries.stream().filter(e -> now.isBefore(e.expiresAt())).toList();
    }

    private void purge(Instant now) {
        entries.removeIf(e -> !now.isBefore(e.expiresAt()));
    }

    private void save() {
        try {
            AtomicFiles.write(file, Json.mapper().writeValueAsBytes(entries), AtomicFiles.OWNER_ONLY);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the pairing tokens to " + file, e);
        }
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses a token given to this box to pair with another.
     *
     * @throws SshConfigException (field {@code token}) when it is not a snapferry pairing token
     */
    public static Parsed parse(String token) {
        String t = token == null ? "" : token.strip();
        String[] parts = t.split("\\.", -1);
        String bad = "not a snapferry pairing token: expected 'sfp1.' followed by two base64url parts, as printed by "
                + "'snapferry pair-token' on the other box";
        if (parts.length != 3 || !parts[0].equals(PREFIX) || !parts[1].matches("[A-Za-z0-9_-]{43}")
                || !parts[2].matches("[A-Za-z0-9_-]{43}")) {
            throw SshConfigException.invalid("token", bad);
        }
        return new Parsed(t, Base64.getUrlDecoder().decode(parts[2]));
    }

    /** Parses "15m", "1h", "90s", "2h30m"-free simple durations: a number and s, m or h. */
    public static Duration parseTtl(String text) {
        if (text == null || !text.strip().matches("[0-9]{1,6}[smh]")) {
            throw SshConfigException.invalid("ttl", "ttl must be a number and a unit s, m or h (e.g. 15m), not '"
                    + (text == null ? "" : text.replaceAll("[^\\x20-\\x7e]", "?")) + "'");
        }
        String s = text.strip();
        long n = Long.parseLong(s.substring(0, s.length() - 1));
        return switch (s.charAt(s.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }
}
