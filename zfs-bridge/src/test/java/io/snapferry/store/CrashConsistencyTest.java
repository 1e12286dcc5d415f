package io.snapferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.testing.Poll;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store killed with SIGKILL in the middle of work reopens consistent and undamaged. */
class CrashConsistencyTest {
    @TempDir
    Path dir;

    private Process startChild(int files) throws IOException {
        return startChild(StoreCrashMain.class, dir.toString(), Integer.toString(files));
    }

    private Process startChild(Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("-Dchronicle")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(dir.resolve("child.err").toFile()).start();
    }

    @Test
    void killedDuringASnapshotOfABigTreeLeavesAConsistentStore() throws Exception {
        Process child = startChild(300);
        ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // the child died
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            Poll.until(Duration.ofSeconds(120), "the child to start its third snapshot", () -> {
                if (!child.isAlive()) {
                    throw new AssertionError("child exited: " + readErr());
                }
                return lines.contains("begin 2");
            });
            // wait until the snapshot is under way: new chunk files are appearing
            long chunksAtBegin = countChunks();
            Poll.until(Duration.ofSeconds(60), "the snapshot to store some chunks",
                    () -> countChunks() > chunksAtBegin + 20 || lines.contains("done 2"));
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        assertThat(lines).contains("done 1");

        try (EmbeddedStore store = StoreTestSupport.open(dir)) {
            DatasetName a = DatasetName.of("local/a");
            DatasetName b = DatasetName.of("local/b");
            List<String> namesA = store.listSnapshots(a).stream().map(Snapshot::shortName).toList();
            List<String> namesB = store.listSnapshots(b).stream().map(Snapshot::shortName).toList();
            assertThat(namesA).isEqualTo(namesB).startsWith("r0", "r1");
            assertThat(store.verify("local").clean()).isTrue();
            try (var tmp = Files.list(dir.resolve("local/tmp"))) {
                assertThat(tmp.count()).isZero();
            }
            // every snapshot can be read back in full, and the store keeps working
            for (String s : namesA) {
                Path out = dir.resolve("restore-" + s);
                store.restore(a.snapshot(s), "", out);
                assertThat(out.resolve("big")).hasSize(2 << 20);
            }
            String last = namesA.get(namesA.size() - 1);
            byte[] stream;
            try (InputStream in = store.send(SendRequest.full(a.snapshot(last)))) {
                stream = in.readAllBytes();
            }
            store.receive(DatasetName.of("local/copy"), new ByteArrayInputStream(stream), ReceiveOptions.defaults());
            store.rollback(a.snapshot(last), false);
            store.createSnapshots(List.of(a.snapshot("after"), b.snapshot("after")));
            assertThat(store.verify("local").clean()).isTrue();
        }
    }

    private static ConcurrentLinkedQueue<String> collect(Process child) {
        ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // the child died
            }
        });
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    @Test
    void killedDuringReceivesLeavesTheLiveTreeExactlyAtASnapshot() throws Exception {
        Path full = dir.resolve("full.stream");
        Path inc = dir.resolve("inc.stream");
        try (EmbeddedStore source = new EmbeddedStore(java.util.Map.of("src", dir.resolve("src")), StoreTestSupport.smallChunks(),
                java.time.Clock.systemUTC())) {
            DatasetName s = DatasetName.of("src/data");
            source.createDataset(s);
            java.util.Random r = new java.util.Random(5);
            for (int i = 0; i < 200; i++) {
                byte[] b = new byte[4000 + r.nextInt(20_000)];
                r.nextBytes(b);
                StoreTestSupport.write(source.mountpoint(s).resolve("d" + (i % 10)).resolve("f" + i), b);
            }
            source.createSnapshots(List.of(s.snapshot("s1")));
            for (int i = 0; i < 200; i += 2) {
                byte[] b = new byte[3000 + r.nextInt(20_000)];
                r.nextBytes(b);
                StoreTestSupport.write(source.mountpoint(s).resolve("d" + (i % 10)).resolve("f" + i), b);
            }
            StoreTestSupport.write(source.mountpoint(s).resolve("new/only/in/s2"), new byte[] {1, 2, 3});
            source.createSnapshots(List.of(s.snapshot("s2")));
            try (InputStream in = source.send(SendRequest.full(s.snapshot("s1")))) {
                Files.copy(in, full);
            }
            try (InputStream in = source.send(SendRequest.incremental(s.snapshot("s1"), s.snapshot("s2"), false))) {
                Files.copy(in, inc);
            }
        }
        Process child = startChild(ReceiveCrashMain.class, dir.toString(), full.toString(), inc.toString());
        ConcurrentLinkedQueue<String> lines = collect(child);
        try {
            Poll.until(Duration.ofSeconds(120), "the child to start its fourth receive", () -> {
                if (!child.isAlive()) {
                    throw new AssertionError("child exited: " + readErr());
                }
                return lines.contains("begin 3");
            });
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        try (EmbeddedStore store = StoreTestSupport.open(dir)) {
            DatasetName copy = DatasetName.of("local/copy");
            List<String> names = store.listSnapshots(copy).stream().map(Snapshot::shortName).toList();
            assertThat(names).isIn(List.of("s1"), List.of("s1", "s2"));
            Path expected = dir.resolve("expected");
            store.restore(copy.snapshot(names.get(names.size() - 1)), "", expected);
            assertThat(contents(store.mountpoint(copy))).isEqualTo(contents(expected));
            assertThat(store.writtenSinceLastSnapshot(copy)).isZero();
            assertThat(store.verify("local").clean()).isTrue();
        }
    }

    private static java.util.Map<String, String> contents(Path root) throws IOException {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        try (var s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = root.relativize(p).toString();
                out.put(rel, Files.isRegularFile(p)
                        ? java.util.HexFormat.of().formatHex(Manifest.sha256().digest(Files.readAllBytes(p))) : "dir");
            }
        }
        return out;
    }

    private long countChunks() {
        try (var s = Files.walk(dir.resolve("local/chunks"))) {
            return s.filter(Files::isRegularFile).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    private String readErr() {
        try {
            return Files.readAllLines(dir.resolve("child.err")).stream().limit(40).collect(Collectors.joining("\n"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
