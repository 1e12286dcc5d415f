package io.snapferry.daemon.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Configuration objects of one kind (snapshot tasks, replications, connections, ...), one JSON
 * file each in a directory, every write atomic ({@link AtomicFiles}). The files are the truth;
 * the store keeps a copy in memory and is safe for concurrent use.
 *
 * @param <T> a record that Jackson reads and writes
 */
public final class ConfigStore<T> {
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    private final Path dir;
    private final Class<T> type;
    private final Function<T, String> idOf;
    private final ObjectMapper mapper = Json.mapper();
    private final TreeMap<String, T> items = new TreeMap<>();

    public ConfigStore(Path dir, Class<T> type, Function<T, String> idOf) throws IOException {
        this.dir = dir;
        this.type = type;
        this.idOf = idOf;
        Files.createDirectories(dir);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                T item;
                try {
                    item = mapper.readValue(f.toFile(), type);
                } catch (IOException e) {
                    throw new IOException("configuration file " + f + " cannot be read: " + e.getMessage()
                            + "; fix or remove it, then start again", e);
                }
                items.put(idOf.apply(item), item);
            }
        }
    }

    /** Ids are lower-case letters, digits, '_' and '-', 1 to 64 long, starting with a letter or digit. */
    public static boolean validId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    public synchronized List<T> list() {
        return new ArrayList<>(items.values());
    }

    public synchronized Optional<T> get(String id) {
        return Optional.ofNullable(items.get(id));
    }

    /** Creates or replaces; durable when it returns. */
    public synchronized void put(T item) {
        String id = idOf.apply(item);
        if (!validId(id)) {
            throw new IllegalArgumentException("invalid id '" + id + "'");
        }
        try {
            AtomicFiles.write(dir.resolve(id + ".json"), mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(item),
                    AtomicFiles.OWNER_ONLY);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save " + type.getSimpleName() + " " + id, e);
        }
        items.put(id, item);
    }

    public synchronized boolean delete(String id) {
        if (!items.containsKey(id)) {
            return false;
        }
        try {
            Files.deleteIfExists(dir.resolve(id + ".json"));
            AtomicFiles.syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + type.getSimpleName() + " " + id, e);
        }
        items.remove(id);
        return true;
    }
}
