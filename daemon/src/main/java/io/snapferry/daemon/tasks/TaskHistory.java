package io.snapferry.daemon.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.snapferry.daemon.config.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The history of task runs, kept as an append-only journal of events (start, log line, end) in
 * {@code history.jsonl}. Start and end events are fsynced, so after a crash every run that
 * started is known, and one with no end event is marked {@link TaskRun.State#INTERRUPTED} when
 * the history is opened again. A torn last line (a crash mid-write) is ignored.
 *
 * <p>Thread-safe. The journal is compacted on open when it holds more than {@code maxRuns}
 * finished runs, keeping the newest.
 *
 * <p>{@link #subscribe} tells listeners of every start, log line and end as it is recorded, in
 * journal order.
 */
public final class TaskHistory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TaskHistory.class);
    private static final int MAX_LOG_LINES = 2000;

    private final Path file;
    private final Clock clock;
    private final int maxRuns;
    private final Map<String, TaskRun> runs = new LinkedHashMap<>();
    private final AtomicLong counter = new AtomicLong();
    private final List<Consumer<TaskEvent>> listeners = new CopyOnWriteArrayList<>();
    private FileChannel journal;
    private final List<java.util.function.Consumer<TaskRun>> endListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public TaskHistory(Path file, Clock clock, int maxRuns) throws IOException {
        this.file = file;
        this.clock = clock;
        this.maxRuns = maxRuns;
        Files.createDirectories(file.getParent());
        load();
        compact();
        journal = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    private void load() throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        int torn = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode e;
                try {
                    e = Json.mapper().readTree(line);
                } catch (IOException bad) {
                    torn++;
                    continue;
                }
                apply(e);
            }
        }
        if (torn > 0) {
            LOG.warn("task history {}: ignored {} damaged line(s), the trace of a crash while writing", file, torn);
        }
        Instant now = clock.instant();
        for (TaskRun run : List.copyOf(runs.values())) {
            if (run.state() == TaskRun.State.RUNNING) {
                List<TaskRun.LogLine> log = new ArrayList<>(run.log());
                log.add(new TaskRun.LogLine(now, "WARN", "the daemon stopped while this task ran"));
                runs.put(run.id(), new TaskRun(run.id(), run.kind(), run.subject(), TaskRun.State.INTERRUPTED,
                        run.startedAt(), Optional.of(now), "interrupted: the daemon stopped while this task ran", log));
            }
        }
    }

    private void apply(JsonNode e) {
        String id = e.path("id").asText();
        switch (e.path("event").asText()) {
            case "start" -> runs.put(id, new TaskRun(id, e.path("kind").asText(), e.path("subject").asText(),
                    TaskRun.State.RUNNING, Instant.parse(e.path("time").asText()), Optional.empty(), "running", List.of()));
            case "log" -> {
                TaskRun r = runs.get(id);
                if (r != null && r.log().size() < MAX_LOG_LINES) {
                    List<TaskRun.LogLine> log = new ArrayList<>(r.log());
                    log.add(new TaskRun.LogLine(Instant.parse(e.path("time").asText()), e.path("level").asText(),
                            e.path("message").asText()));
                    runs.put(id, new TaskRun(r.id(), r.kind(), r.subject(), r.state(), r.startedAt(), r.endedAt(), r.result(), log));
                }
            }
            case "end" -> {
                TaskRun r = runs.get(id);
                if (r != null) {
                    runs.put(id, new TaskRun(r.id(), r.kind(), r.subject(), TaskRun.State.valueOf(e.path("state").asText()),
                            r.startedAt(), Optional.of(Instant.parse(e.path("time").asText())), e.path("result").asText(), r.log()));
                }
            }
            default -> {
            }
        }
    }

    /** Rewrites the journal with the newest {@code maxRuns} runs, atomically. */
    private void compact() throws IOException {
        List<TaskRun> keep = new ArrayList<>(runs.values());
        keep.sort(Comparator.comparing(TaskRun::startedAt));
        if (keep.size() > maxRuns) {
            keep = keep.subList(keep.size() - maxRuns, keep.size());
        }
        StringBuilder b = new StringBuilder();
        runs.clear();
        for (TaskRun r : keep) {
            runs.put(r.id(), r);
            b.append(event(r.id(), "start", r.startedAt()).put("kind", r.kind()).put("subject", r.subject())).append('\n');
            for (TaskRun.LogLine l : r.log()) {
                b.append(event(r.id(), "log", l.time()).put("level", l.level()).put("message", l.message())).append('\n');
            }
            if (r.finished()) {
                b.append(event(r.id(), "end", r.endedAt().orElse(r.startedAt())).put("state", r.state().name())
                        .put("result", r.result())).append('\n');
            }
        }
        io.snapferry.daemon.config.AtomicFiles.write(file, b.toString().getBytes(StandardCharsets.UTF_8),
                io.snapferry.daemon.config.AtomicFiles.OWNER_ONLY);
    }

    private static ObjectNode event(String id, String kind, Instant time) {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("event", kind).put("id", id).put("time", time.toString());
        return n;
    }

    private synchronized void append(ObjectNode e, boolean durable) {
        apply(e);
        publish(e);
        try {
            ByteBuffer buf = ByteBuffer.wrap((e.toString() + "\n").getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                journal.write(buf);
            }
            if (durable) {
                journal.force(false);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write the task history " + file, ex);
        }
    }

    /**
     * Tells {@code listener} of every event recorded from now on, until the returned handle is
     * closed. The listener is called on the recording thread, while the history is locked, in
     * journal order: it must return at once (hand the event to a queue; never block, never call
     * back into this history). An exception it throws is logged and ignored.
     */
    public AutoCloseable subscribe(Consumer<TaskEvent> listener) {
        java.util.Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void publish(ObjectNode e) {
        if (listeners.isEmpty()) {
            return;
        }
        TaskRun r = runs.get(e.path("id").asText());
        if (r == null) {
            return;
        }
        TaskRun summary = new TaskRun(r.id(), r.kind(), r.subject(), r.state(), r.startedAt(), r.endedAt(), r.result(), List.of());
        TaskEvent event = switch (e.path("event").asText()) {
            case "start" -> new TaskEvent.Started(summary);
            case "end" -> new TaskEvent.Ended(summary);
            default -> new TaskEvent.Logged(summary, new TaskRun.LogLine(Instant.parse(e.path("time").asText()),
                    e.path("level").asText(), e.path("message").asText()));
        };
        for (Consumer<TaskEvent> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException ex) {
                LOG.warn("a task history listener failed on {}", event, ex);
            }
        }
    }

    /**
     * Records the start of a run and returns its id, unique in this history: the clock's
     * millisecond and a counter, which starts again at each opening, so an id a run before a
     * restart already has (the clock stepped back, or stands still as in tests) is skipped.
     */
    public synchronized String start(String kind, String subject) {
        Instant now = clock.instant();
        String id;
        do {
            id = "t-" + Long.toString(now.toEpochMilli(), 36) + "-" + counter.incrementAndGet();
        } while (runs.containsKey(id));
        append(event(id, "start", now).put("kind", kind).put("subject", subject), true);
        return id;
    }

    public void log(String id, String level, String message) {
        append(event(id, "log", clock.instant()).put("level", level).put("message", message), false);
    }

    public void end(String id, TaskRun.State state, String result) {
        if (state == TaskRun.State.RUNNING) {
            throw new IllegalArgumentException("a run cannot end in RUNNING");
        }
        append(event(id, "end", clock.instant()).put("state", state.name()).put("result", result), true);
        Optional<TaskRun> ended = get(id);
        if (ended.isPresent()) {
            for (java.util.function.Consumer<TaskRun> l : endListeners) {
                try {
                    l.accept(ended.get());
                } catch (RuntimeException e) {
                    LOG.warn("a listener of task ends failed on {}: {}", id, e.toString());
                }
            }
        }
    }

    /**
     * Calls {@code listener} with every run that ends from now on, on the thread that ends it, after
     * the end is durable. A listener that throws is logged and does not affect the run or the others.
     */
    public void onEnd(java.util.function.Consumer<TaskRun> listener) {
        endListeners.add(listener);
    }

    public synchronized Optional<TaskRun> get(String id) {
        return Optional.ofNullable(runs.get(id));
    }

    /** Runs, newest first, that pass {@code filter}. */
    public synchronized List<TaskRun> list(Predicate<TaskRun> filter, int limit) {
        List<TaskRun> out = new ArrayList<>();
        List<TaskRun> all = new ArrayList<>(runs.values());
        for (int i = all.size() - 1; i >= 0 && out.size() < limit; i--) {
            if (filter.test(all.get(i))) {
                out.add(all.get(i));
            }
        }
        return out;
    }

    /** The newest run of a subject, if any. */
    public Optional<TaskRun> last(String kind, String subject) {
        List<TaskRun> l = list(r -> r.kind().equals(kind) && r.subject().equals(subject), 1);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    @Override
    public synchronized void close() throws IOException {
        journal.close();
    }
}
