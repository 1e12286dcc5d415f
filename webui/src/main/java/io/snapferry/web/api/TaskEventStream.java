package io.snapferry.web.api;

import io.javalin.http.sse.SseClient;
import io.snapferry.daemon.config.Json;
import io.snapferry.daemon.replication.Progress;
import io.snapferry.daemon.replication.ReplicationTasks;
import io.snapferry.daemon.tasks.TaskEvent;
import io.snapferry.daemon.tasks.TaskHistory;
import io.snapferry.daemon.tasks.TaskRun;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/tasks/events}: task runs as they start, log and end, as Server-Sent Events,
 * and the progress of running replications. Each event's name is its {@code type} ({@code start},
 * {@code log}, {@code end}, {@code progress}) and its data one JSON object (see docs/api.md). A
 * {@code ready} event comes first, once the connection is subscribed: every run event after it
 * reaches the client. Progress is sent at most once a second per run (and when a step starts);
 * a progress event that finds the queue full is dropped, never the connection.
 *
 * <p>Threading: the history's writer only offers each event to a bounded queue per connection
 * and never waits; the connection's own request thread writes to the network. A connection whose
 * queue overflows (a client far behind) is closed, and the browser's EventSource reconnects and
 * reloads the list. A comment is sent every {@link #HEARTBEAT} so dead connections are noticed.
 * {@link #close} ends every open stream (on server stop).
 */
public final class TaskEventStream implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TaskEventStream.class);
    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    private static final int QUEUE = 1000;
    /** Put in a queue to end its stream. */
    private static final Map<String, Object> END = Map.of();

    /** The least time between two progress events of one run on one connection. */
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);

    private final TaskHistory history;
    private final Progress progress;
    private final Set<BlockingQueue<Map<String, Object>>> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public TaskEventStream(TaskHistory history, Progress progress) {
        this.history = history;
        this.progress = progress;
    }

    public void register(Routes routes) {
        routes.sse("/api/v1/tasks/events", this::serve);
    }

    /** The wire form of an event: {@code type}, the run's id, kind and subject, and what is particular to the type. */
    static Map<String, Object> payload(TaskEvent e) {
        TaskRun r = e.run();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", e instanceof TaskEvent.Started ? "start" : e instanceof TaskEvent.Logged ? "log" : "end");
        m.put("id", r.id());
        m.put("kind", r.kind());
        m.put("subject", r.subject());
        m.put("time", e.time().toString());
        if (e instanceof TaskEvent.Logged l) {
            m.put("level", l.line().level());
            m.put("message", l.line().message());
        } else {
            m.put("state", r.state().name());
            m.put("startedAt", r.startedAt().toString());
            m.put("endedAt", r.endedAt().map(Object::toString).orElse(null));
            m.put("result", r.result());
        }
        return m;
    }

    /** The wire form of a replication's progress: the run it belongs to, then the figures ({@code null} when unknown). */
    static Map<String, Object> payload(Progress.Snapshot p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "progress");
        m.put("id", p.runId());
        m.put("kind", ReplicationTasks.KIND);
        m.put("subject", p.task());
        m.put("time", p.updatedAt().toString());
        m.put("dataset", p.dataset());
        m.put("snapshot", p.snapshot());
        m.put("bytes", p.bytes());
        m.put("totalBytes", p.totalBytes().isPresent() ? p.totalBytes().getAsLong() : null);
        m.put("bytesPerSecond", p.bytesPerSecond());
        m.put("etaSeconds", p.etaSeconds().orElse(null));
        m.put("runBytes", p.runBytes());
        return m;
    }

    private void serve(SseClient client) {
        BlockingQueue<Map<String, Object>> queue = new ArrayBlockingQueue<>(QUEUE);
        client.onClose(() -> queue.offer(END));
        open.add(queue);
        Map<String, Instant> lastProgress = new ConcurrentHashMap<>();
        try (AutoCloseable sub = history.subscribe(e -> {
            if (!queue.offer(payload(e))) {
                // Far behind: drop the connection rather than block the writer or lose events silently.
                queue.clear();
                queue.offer(END);
            }
        });
             AutoCloseable progressSub = progress.subscribe(p -> {
                 Instant last = lastProgress.get(p.runId());
                 if (p.bytes() == 0 || last == null || !p.updatedAt().isBefore(last.plus(PROGRESS_EVERY))) {
                     lastProgress.put(p.runId(), p.updatedAt());
                     queue.offer(payload(p)); // a full queue drops progress, which the next event replaces
                 }
             })) {
            // Tells the client that every event from now on reaches it.
            client.sendEvent("ready", "{\"type\":\"ready\"}", null);
            while (!closed && !client.terminated()) {
                Map<String, Object> next = queue.poll(HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
                if (next == END) {
                    break;
                }
                if (next == null) {
                    client.sendComment("heartbeat");
                } else {
                    client.sendEvent((String) next.get("type"), Json.mapper().writeValueAsString(next), null);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("task event stream ended", e);
        } finally {
            open.remove(queue);
            client.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (BlockingQueue<Map<String, Object>> q : open) {
            q.clear();
            q.offer(END);
        }
    }
}
