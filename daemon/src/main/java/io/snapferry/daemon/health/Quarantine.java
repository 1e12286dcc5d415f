package io.snapferry.daemon.health;

import com.fasterxml.jackson.core.type.TypeReference;
import io.snapferry.daemon.config.AtomicFiles;
import io.snapferry.daemon.config.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Pools closed to writes because verification found damage, kept in {@code quarantine.json} so a
 * restart does not open them again. Only an operator clears a pool ({@code snapferry store clear}).
 */
public final class Quarantine {
    /** Why and since when a pool is quarantined. */
    public record Entry(String pool, Instant since, String reason) {
    }

    private final Path file;
    private final Map<String, Entry> pools = new TreeMap<>();

    public Quarantine(Path file) throws IOException {
        this.file = file;
        if (Files.exists(file)) {
            pools.putAll(Json.mapper().readValue(file.toFile(), new TypeReference<Map<String, Entry>>() { }));
        }
    }

    public synchronized Optional<Entry> of(String pool) {
        return Optional.ofNullable(pools.get(pool));
    }

    public synchronized Map<String, Entry> all() {
        return Map.copyOf(pools);
    }

    public synchronized void add(Entry e) {
        pools.put(e.pool(), e);
        save();
    }

    /** Returns false when the pool was not quarantined. */
    public synchronized boolean clear(String pool) {
        if (pools.remove(pool) == null) {
            return false;
        }
        save();
        return true;
    }

    private void save() {
        try {
            AtomicFiles.write(file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(pools));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save " + file, e);
        }
    }
}
