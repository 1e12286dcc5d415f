package io.snapferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.testing.Poll;
import java.io.IOException;
import java.io.OutputStream;
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
 * JVM with a one-class jar: a daemon start writes the archive, the next launch checks it and puts
 * it in place, later ones use it; a garbage, cut-short or stale archive never breaks a start nor
 * prints anything.
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
                + "snapferry_cds java '" + cache + "' " + mayWrite + " '" + jar + "' '" + OPTS + "'\n"
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

    private void awaitCheckDone() {
        Poll.until(Duration.ofSeconds(60), "the archive check to finish", () -> {
            try {
                return cacheFiles().stream().noneMatch(f -> f.toString().contains(".checking.") || f.toString().endsWith(".tmp"));
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Test
    void aDaemonStartWritesTheArchiveTheNextLaunchChecksItAndLaterOnesUseIt() throws Exception {
        Result client = launch("no");
        client.ranQuietly();
        assertThat(client.opts()).isEmpty();
        assertThat(cacheFiles()).as("a client command writes nothing").isEmpty();

        Result writer = launch("yes");
        writer.ranQuietly();
        assertThat(writer.opts()).contains("-XX:ArchiveClassesAtExit=");
        assertThat(cacheFiles()).anyMatch(f -> f.toString().endsWith(".tmp")).anyMatch(f -> f.toString().endsWith(".writer"));

        Result checking = launch("yes");
        checking.ranQuietly();
        assertThat(checking.opts()).as("the archive is not used before it was checked").isEmpty();
        awaitCheckDone();
        Path archive = onlyArchive();
        assertThat(cacheFiles()).containsExactly(archive);

        Result user = launch("no");
        user.ranQuietly();
        assertThat(user.opts()).contains("-XX:SharedArchiveFile=" + archive).contains("-Xshare:auto");
        assertThat(launch("yes").opts()).as("a daemon start with an archive writes none").doesNotContain("ArchiveClassesAtExit");
    }

    @Test
    void aGarbageArchiveIsIgnoredSilently() throws Exception {
        launch("yes").ranQuietly();
        launch("no").ranQuietly();
        awaitCheckDone();
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
    void aFileCutShortByAKilledWriterIsNeverUsed() throws Exception {
        launch("yes").ranQuietly();
        Path tmpArchive = cacheFiles().stream().filter(f -> f.toString().endsWith(".tmp")).findFirst().orElseThrow();
        byte[] whole = Files.readAllBytes(tmpArchive);
        tmpArchive.toFile().setWritable(true);
        try (OutputStream out = Files.newOutputStream(tmpArchive)) {
            out.write(whole, 0, whole.length / 2);
        }

        launch("no").ranQuietly();
        awaitCheckDone();
        assertThat(cacheFiles()).as("the cut file failed the check and is gone").isEmpty();
        Result next = launch("yes");
        next.ranQuietly();
        assertThat(next.opts()).as("the next daemon start writes anew").contains("-XX:ArchiveClassesAtExit=");
    }

    @Test
    void anArchiveForOtherJarsIsNotFoundAndAnUnwritableCacheWritesNothing() throws Exception {
        launch("yes").ranQuietly();
        launch("no").ranQuietly();
        awaitCheckDone();
        Path archive = onlyArchive();

        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000));
        Result changedJar = launch("no");
        changedJar.ranQuietly();
        assertThat(changedJar.opts()).as("another jar: another key").isEmpty();
        Result rewrite = launch("yes");
        rewrite.ranQuietly();
        assertThat(rewrite.opts()).contains("-XX:ArchiveClassesAtExit=");
        assertThat(archive).as("the stale archive is removed when a new one is written").doesNotExist();

        cache = tmp.resolve("no-such-parent-file");
        Files.writeString(cache, "a file, not a directory");
        Result unwritable = launch("yes");
        unwritable.ranQuietly();
        assertThat(unwritable.opts()).isEmpty();
    }
}
