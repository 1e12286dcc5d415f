package io.snapferry.daemon.replication;

import io.snapferry.daemon.config.Json;
import io.snapferry.stream.FramedDatasetProvider.VerificationReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The verification report of every stream this box received (frames, bytes, digest, duration,
 * result), appended to {@code verification.jsonl} and kept in memory for the CLI and the UI.
 */
public final class VerificationLog {
    private static final int KEEP = 1000;

    /** A report with when it was made; {@code resentFrames} counts the damaged frames asked for again. */
    public record Entry(Instant time, String target, List<String> received, long frames, long payloadBytes, long wireBytes,
                        String digest, String keyFingerprint, long millis, String result, long resentFrames) {
    }

    private final Path file;
    private final Clock clock;
    private final Deque<Entry> recent = new ArrayDeque<>();

    public VerificationLog(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    public synchronized void record(VerificationReport r) {
        Entry e = new Entry(clock.instant(), r.target().value(), r.received().stream().map(Object::toString).toList(), r.frames(),
                r.payloadBytes(), r.wireBytes(), r.digest(), r.keyFingerprint(), r.duration().toMillis(), r.result(),
                r.resentFrames());
        recent.addFirst(e);
        while (recent.size() > KEEP) {
            recent.removeLast();
        }
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, (Json.mapper().writeValueAsString(e) + "\n").getBytes(StandardCharsets.UTF_8),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot append to " + file, ex);
        }
    }

    /** Newest first. */
    public synchronized List<Entry> recent(int limit) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : recent) {
            if (out.size() >= limit) {
                break;
            }
            out.add(e);
        }
        return out;
    }
}
