package io.snapferry.zfs;

import io.snapferry.dataset.DatasetName;
import io.snapferry.testing.Poll;
import io.snapferry.testing.Requirements;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A throw-away ZFS pool on a sparse file, for tests that need real ZFS (zfs-fuse here). Each pool
 * has a unique name {@code sft<epoch-seconds>x<random>}, so pools of concurrent runs never clash
 * and a pool left behind by a crashed run can be recognised by name and age: {@link #create}
 * destroys {@code sft...} pools of that form older than an hour and never touches any other pool.
 *
 * <p>{@link #create} calls {@link Requirements#require} first: without working {@code zfs} and
 * {@code zpool} the calling test is skipped (locally) or failed (in CI). {@link #close} destroys the
 * pool and deletes its file and directories.
 */
public final class ZfsTestPool implements AutoCloseable {
    private static final Pattern OURS = Pattern.compile("sft(\\d{9,11})x[0-9a-f]{6}");
    private static final long STALE_SECONDS = 3600;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;
    private final Path dir;
    private final Path file;
    private final Path mountpoint;

    private ZfsTestPool(String name, Path dir) {
        this.name = name;
        this.dir = dir;
        this.file = dir.resolve(name + ".img");
        this.mountpoint = dir.resolve("mnt");
    }

    /** Whether zfs and zpool are installed and {@code zpool list} works. */
    public static boolean zfsAvailable() {
        if (!Requirements.onPath("zfs") || !Requirements.onPath("zpool")) {
            return false;
        }
        try {
            return run(zpool(), "list", "-H", "-o", "name").exit == 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** A 512 MiB pool. */
    public static ZfsTestPool create() {
        return create(512L << 20);
    }

    public static ZfsTestPool create(long sizeBytes) {
        Requirements.require(zfsAvailable(), "zfs-fuse (zfs and a working 'zpool list')");
        removeStalePools();
        String name = "sft" + (System.currentTimeMillis() / 1000) + "x" + HexFormat.of().formatHex(randomBytes(3));
        try {
            Path dir = Files.createTempDirectory("snapferry-zfs-" + name + "-");
            ZfsTestPool pool = new ZfsTestPool(name, dir);
            run(List.of("truncate", "-s", Long.toString(sizeBytes), pool.file.toString())).check("creating the pool file");
            run(zpool(), "create", "-f", "-m", pool.mountpoint.toString(), name, pool.file.toString()).check("zpool create " + name);
            return pool;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** The pool's name. */
    public String name() {
        return name;
    }

    /** The pool's root dataset. */
    public DatasetName root() {
        return DatasetName.of(name);
    }

    /** Where the root dataset is mounted; children inherit mountpoints below it. */
    public Path mountpoint() {
        return mountpoint;
    }

    /** Where {@code dataset} is mounted once mounted (inherited mountpoints only). */
    public Path mountpointOf(DatasetName dataset) {
        String rel = root().relativize(dataset);
        return rel.isEmpty() ? mountpoint : mountpoint.resolve(rel);
    }

    /**
     * Makes sure {@code dataset} is mounted (zfs-fuse does not mount what it receives with
     * {@code -u}) and returns its mountpoint.
     */
    public Path mounted(DatasetName dataset) {
        Result r = run(zfs(), "get", "-H", "-o", "value", "mounted", dataset.value());
        r.check("zfs get mounted " + dataset);
        if (!r.out.strip().equals("yes")) {
            run(zfs(), "mount", dataset.value()).check("zfs mount " + dataset);
        }
        return mountpointOf(dataset);
    }

    /**
     * Unmounts and mounts {@code dataset} again: after a receive into a mounted dataset zfs-fuse
     * keeps serving the kernel's cached pages of the old state until the next mount.
     */
    public Path remounted(DatasetName dataset) {
        Result r = run(zfs(), "get", "-H", "-o", "value", "mounted", dataset.value());
        r.check("zfs get mounted " + dataset);
        if (r.out.strip().equals("yes")) {
            run(zfs(), "unmount", dataset.value()).check("zfs unmount " + dataset);
        }
        return mounted(dataset);
    }

    /** Runs {@code zfs} with these arguments and returns stdout; fails the test on a non-zero exit. */
    public String zfsCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(zfs()));
        cmd.addAll(List.of(args));
        Result r = run(cmd);
        r.check(String.join(" ", cmd));
        return r.out;
    }

    @Override
    public void close() {
        destroy(name);
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** zfs-fuse can call a pool busy for a moment after its last use (FUSE closes files asynchronously). */
    private static void destroy(String pool) {
        Poll.until(Duration.ofSeconds(30), "zpool destroy " + pool + " to stop reporting busy", () -> {
            Result r = run(zpool(), "destroy", "-f", pool);
            if (r.exit == 0 || r.err.contains("no such pool")) {
                return true;
            }
            if (!r.err.contains("busy")) {
                throw new IllegalStateException("zpool destroy " + pool + " failed: " + r.err.strip());
            }
            return false;
        });
    }

    /** Destroys pools named like ours whose embedded creation time is over an hour old; no other pool. */
    static void removeStalePools() {
        Result r = run(zpool(), "list", "-H", "-o", "name");
        long now = System.currentTimeMillis() / 1000;
        for (String pool : r.out.split("\n")) {
            Matcher m = OURS.matcher(pool.strip());
            if (m.matches() && now - Long.parseLong(m.group(1)) > STALE_SECONDS) {
                destroy(pool.strip());
                deleteDirsOf(pool.strip());
            }
        }
    }

    private static void deleteDirsOf(String pool) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (Stream<Path> dirs = Files.list(tmp)) {
            for (Path d : dirs.filter(d -> d.getFileName().toString().startsWith("snapferry-zfs-" + pool + "-")).toList()) {
                try (Stream<Path> walk = Files.walk(d)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } catch (IOException e) {
            // best effort: a stale directory costs only disk space, the sparse file almost none
        }
    }

    static boolean isOurs(String pool) {
        return OURS.matcher(pool).matches();
    }

    private static String zfs() {
        return ZfsCommandProvider.defaultBinary("zfs");
    }

    private static String zpool() {
        return ZfsCommandProvider.defaultBinary("zpool");
    }

    private record Result(int exit, String out, String err) {
        void check(String what) {
            if (exit != 0) {
                throw new IllegalStateException(what + " failed (exit " + exit + "): " + err.strip());
            }
        }
    }

    private static Result run(String... cmd) {
        return run(List.of(cmd));
    }

    private static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectError(ProcessBuilder.Redirect.PIPE).start();
            // stderr is small for these commands; read stdout first, then stderr
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(cmd + " did not finish in 2 minutes");
            }
            return new Result(p.exitValue(), out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
