package io.snapferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.testing.Poll;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jvm-cds.sh}, the launchers' class-data sharing archive, run by {@code sh} against a real
 * JVM with a one-class jar (whose main stands in for the training daemon): a daemon start has the
 * archive made in the background, checked and put in place, later starts use it; a garbage or
 * stale archive, or a killed training run, never breaks a start nor prints anything.
 */
class CdsArchiveScriptTest {
    private static final Path SCRIPT = Path.of("").toAbsolutePath().getParent().resolve("jvm-cds.sh");
    private static final String OPTS = "-Xmx64m -XX:+ExitOnOutOfMemoryError";

    @TempDir
    Path tmp;
    private Path cache;
    private Path jar;

    /** What the probe JVM prints: its own line and nothing else. */
    public static final class ProbeMain {
        public static void main(String[] args) {
            if (args.length == 1 && args[0].equals("training")) {
                // what a training run writes is thrown away; it must have a data directory of its own
                if (System.getenv("SNAPFERRY_DATA") == null || !new java.io.File(System.getenv("SNAPFERRY_DATA")).isDirectory()) {
                    System.exit(3);
                }
            }
            System.out.println("probe ran, " + java.util.List.of(args).size() + " args");
        }
    }

    @BeforeEach
    void probeJar() throws IOException {
        cache = tmp.resolve("cache");
        jar = tmp.resolve("probe.jar");
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        String name = ProbeMain.class.getName().replace('.', '/') + ".class";
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), m);
             var in = ProbeMain.class.getClassLoader().getResourceAsStream(name)) {
            out.putNextEntry(new JarEntry(name));
            in.transferTo(out);
            out.closeEntry();
        }
    }

    /** Sources the script, calls snapferry_cds, then runs the probe the way the launchers do (exec). */
    private Result launch(String mayWrite) throws Exception {
        String script = ". '" + SCRIPT + "'\n"
                + "snapferry_cds java '" + cache + "' " + mayWrite + " '" + jar + "' '" + OPTS + "' '"
                + ProbeMain.class.getName() + "' training\n"
                + "echo \"opts: $snapferry_cds_opts\" >&2\n"
                + "exec java $snapferry_cds_opts " + OPTS + " -cp '" + jar + "' '" + ProbeMain.class.getName() + "'\n";
        Process p = new ProcessBuilder("sh", "-c", script).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out, err.lines().filter(l -> l.startsWith("opts: ")).findFirst().orElse("")
                .substring("opts: ".length()), err.lines().filter(l -> !l.startsWith("opts: ")).toList());
    }

    record Result(int exit, String out, String opts, List<String> otherErr) {
        void ranQuietly() {
            assertThat(exit).as("exit code, stderr " + otherErr).isZero();
            assertThat(out).as("stdout: the probe's line only").isEqualTo("probe ran, 0 args\n");
            assertThat(otherErr).as("stderr").isEmpty();
        }
    }

    private List<Path> cacheFiles() throws IOException {
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cache)) {
            return new ArrayList<>(s.sorted().toList());
        }
    }

    private Path onlyArchive() throws IOException {
        List<Path> jsa = cacheFiles().stream().filter(f -> f.toString().endsWith(".jsa")).toList();
        assertThat(jsa).hasSize(1);
        return jsa.get(0);
    }

    private void awaitTrainingDone() {
        Poll.until(Duration.ofSeconds(90), "the training run to finish", () -> {
            try {
                return cacheFiles().stream().noneMatch(f -> f.toString().endsWith(".writer") || f.toString().endsWith(".tmp"));
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Test
    void aDaemonStartHasTheArchiveMadeInTheBackgroundAndLaterStartsUseIt() throws Exception {
        Result client = launch("no");
        client.ranQuietly();
        assertThat(client.opts()).isEmpty();
        assertThat(cacheFiles()).as("a client command trains nothing").isEmpty();

        Result daemon = launch("yes");
        daemon.ranQuietly();
        assertThat(daemon.opts()).as("the daemon starting does not wait for the archive").isEmpty();
        awaitTrainingDone();
        Path archive = onlyArchive();
        assertThat(cacheFiles()).containsExactly(archive);

        Result user = launch("no");
        user.ranQuietly();
        assertThat(user.opts()).contains("-XX:SharedArchiveFile=" + archive).contains("-Xshare:auto");
        Result again = launch("yes");
        again.ranQuietly();
        assertThat(again.opts()).contains("-XX:SharedArchiveFile=" + archive);
        assertThat(cacheFiles()).as("a daemon start with an archive trains nothing").containsExactly(archive);
    }

    @Test
    void aGarbageArchiveIsIgnoredSilently() throws Exception {
        launch("yes").ranQuietly();
        awaitTrainingDone();
        Path archive = onlyArchive();
        byte[] garbage = new byte[(int) Files.size(archive)];
        new java.util.Random(7).nextBytes(garbage);
        archive.toFile().setWritable(true);
        Files.write(archive, garbage);

        Result r = launch("yes");
        r.ranQuietly();
        assertThat(r.opts()).contains("-XX:SharedArchiveFile=" + archive);
    }

    @Test
    void whatAKilledTrainingRunLeftIsClearedAndTheNextDaemonStartTrainsAnew() throws Exception {
        Files.createDirectories(cache);
        launch("no").ranQuietly(); // no archive, nothing written
        assertThat(cacheFiles()).isEmpty();
        // A marker naming a process that is gone, and half an archive.
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String key = "snapferry-" + keyOf();
        Files.writeString(cache.resolve(key + ".writer"), gone.pid() + "\n");
        Files.write(cache.resolve(key + ".jsa." + gone.pid() + ".tmp"), new byte[4096]);

        Result client = launch("no");
        client.ranQuietly();
        assertThat(client.opts()).isEmpty();
        assertThat(cacheFiles()).as("the leftovers are cleared").isEmpty();
        launch("yes").ranQuietly();
        awaitTrainingDone();
        assertThat(onlyArchive().getFileName().toString()).isEqualTo(key + ".jsa");
    }

    /** The key the script computes for the probe jar, read back from a training run's archive name. */
    private String keyOf() throws Exception {
        Path probeCache = tmp.resolve("key-probe");
        Path saved = cache;
        cache = probeCache;
        try {
            launch("yes").ranQuietly();
            awaitTrainingDone();
            String name = onlyArchive().getFileName().toString();
            return name.substring("snapferry-".length(), name.length() - ".jsa".length());
        } finally {
            cache = saved;
        }
    }

    @Test
    void anArchiveForOtherJarsIsNotFoundAndAnUnwritableCacheTrainsNothing() throws Exception {
        launch("yes").ranQuietly();
        awaitTrainingDone();
        Path archive = onlyArchive();

        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000));
        Result changedJar = launch("no");
        changedJar.ranQuietly();
        assertThat(changedJar.opts()).as("another jar: another key").isEmpty();
        launch("yes").ranQuietly();
        awaitTrainingDone();
        assertThat(archive).as("the stale archive is removed when a new one is made").doesNotExist();
        assertThat(onlyArchive()).isNotEqualTo(archive);

        cache = tmp.resolve("a-file");
        Files.writeString(cache, "a file, not a directory");
        Result unwritable = launch("yes");
        unwritable.ranQuietly();
        assertThat(unwritable.opts()).isEmpty();
        assertThat(cache).hasContent("a file, not a directory");
    }
}
