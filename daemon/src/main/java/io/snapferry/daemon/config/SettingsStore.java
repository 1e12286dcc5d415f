package io.snapferry.daemon.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code config/settings.json}: read at start, written atomically on change. */
public final class SettingsStore {
    private final Path file;
    private volatile Settings current;

    public SettingsStore(Path file) throws IOException {
        this.file = file;
        this.current = Files.exists(file) ? Json.mapper().readValue(file.toFile(), Settings.class) : Settings.defaults();
    }

    public Settings get() {
        return current;
    }

    public synchronized void put(Settings s) {
        try {
            AtomicFiles.write(file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(s));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save settings", e);
        }
        current = s;
    }
}
