package io.snapferry.daemon.notify;

import io.snapferry.daemon.config.AtomicFiles;
import io.snapferry.daemon.config.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code config/notifications.json}: the notification targets, read at start and replaced as a
 * whole, atomically, on change. Private to the owner (it holds SMTP passwords). Thread-safe.
 */
public final class NotificationTargets {
    /** The file's content. */
    public record File(List<NotificationTarget> targets) {
        public File {
            targets = targets == null ? List.of() : List.copyOf(targets);
        }
    }

    private final Path file;
    private volatile List<NotificationTarget> targets;

    public NotificationTargets(Path file) throws IOException {
        this.file = file;
        if (Files.exists(file)) {
            try {
                this.targets = check(Json.mapper().readValue(file.toFile(), File.class).targets());
            } catch (IOException | IllegalArgumentException e) {
                throw new IOException("configuration file " + file + " cannot be read: " + e.getMessage() + "; fix or remove it, then start again", e);
            }
        } else {
            this.targets = List.of();
        }
    }

    public List<NotificationTarget> list() {
        return targets;
    }

    public Optional<NotificationTarget> get(String id) {
        return targets.stream().filter(t -> t.id().equals(id)).findFirst();
    }

    /** Validates every target (ids unique) and replaces the list; durable when it returns. */
    public synchronized void replace(List<NotificationTarget> next) {
        List<NotificationTarget> checked = check(next);
        try {
            AtomicFiles.write(file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(new File(checked)),
                    AtomicFiles.OWNER_ONLY);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the notification targets", e);
        }
        targets = checked;
    }

    /** Validates a list of targets: each one's fields, and ids unique. */
    public static List<NotificationTarget> check(List<NotificationTarget> list) {
        Set<String> ids = new HashSet<>();
        for (NotificationTarget t : list) {
            t.validate();
            if (!ids.add(t.id())) {
                throw new InvalidTargetException("id", "two notification targets have the id " + t.id());
            }
        }
        return List.copyOf(list);
    }
}
