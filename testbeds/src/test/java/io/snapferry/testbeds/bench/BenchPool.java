package io.snapferry.testbeds.bench;

import io.snapferry.testing.Poll;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A zfs-fuse pool on a sparse file kept in the benchmark cache ({@code testbeds/bench/cache/KEY/}),
 * so a fixture that is slow to build (10,000 snapshots, 1 GiB of data) is built once and imported
 * by later runs. Each run imports the image under its own unique name {@code sfb<epoch>x<hex>}
 * (pools of other users of the zfs-fuse daemon are never touched) and {@link #close} exports it
 * again, keeping the image. The datasets have {@code mountpoint=none} once built, so an import
 * mounts nothing.
 *
 * <p>A run killed before {@link #close} leaves the pool imported: the next run then finds no
 * importable pool in the cache and says how to release it ({@code zpool export}).
 */
public final class BenchPool implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final String name;
    private final String note;

    /** Builds the fixture in a new pool mounted at {@code mountpoint}; returns a note on how long it took. */
    public interface Populator {
        String populate(String pool, Path mountpoint) throws Exception;
    }

    private BenchPool(String name, String note) {
        this.name = name;
        this.note = note;
    }

    /** The pool's name in this run. */
    public String name() {
        return name;
    }

    /** What the populator said when the image was built (e.g. how long that took). */
    public String note() {
        return note;
    }

    /**
     * Imports the cached pool {@code key}, building it first (on a sparse file of {@code sizeBytes})
     * when the cache has none or {@code version} changed (a new fixture shape invalidates the old
     * image).
     */
    public static BenchPool cached(BenchContext ctx, String key, String version, long sizeBytes, Populator populator)
            throws Exception {
        Path dir = ctx.cacheDir(key);
        Path image = dir.resolve(key + ".img");
        Path marker = dir.resolve("ready");
        String name = uniqueName();
        if (Files.exists(marker) && Files.exists(image)
                && Files.readAllLines(marker, StandardCharsets.UTF_8).get(0).equals(version)) {
            ctx.log("importing the cached pool image %s as %s", image, name);
        } else {
            deleteTree(dir);
            Files.createDirectories(dir);
            Cmd.run("truncate", "-s", Long.toString(sizeBytes), image.toString()).check();
            Path mnt = Files.createTempDirectory("snapferry-bench-" + name + "-");
            Cmd.run("zpool", "create", "-f", "-m", mnt.toString(), name, image.toString()).check();
            ctx.log("building the fixture of %s in pool %s (cached afterwards in %s)", key, name, dir);
            String note;
            try {
                note = populator.populate(name, mnt);
                Cmd.run("zfs", "set", "mountpoint=none", name).check();
                export(name);
            } catch (Exception | Error e) {
                destroy(name);
                deleteTree(dir);
                throw e;
            } finally {
                deleteTree(mnt);
            }
            Files.write(marker, List.of(version, note), StandardCharsets.UTF_8);
        }
        Cmd.Result listing = Cmd.run("zpool", "import", "-d", dir.toString());
        List<String> ids = new ArrayList<>();
        for (String line : listing.out().split("\n")) {
            if (line.strip().startsWith("id:")) {
                ids.add(line.strip().substring(3).strip());
            }
        }
        if (ids.size() != 1) {
            throw new IllegalStateException("expected one importable pool in " + dir + ", found " + ids.size()
                    + ". If an interrupted run left it imported, find it in 'zpool status' (its vdev is " + image
                    + ") and 'zpool export' it; or delete " + dir + " to rebuild the fixture. zpool said: "
                    + listing.out().strip() + listing.err().strip());
        }
        Cmd.run("zpool", "import", "-d", dir.toString(), "-f", ids.get(0), name).check();
        List<String> lines = Files.readAllLines(marker, StandardCharsets.UTF_8);
        return new BenchPool(name, lines.size() > 1 ? lines.get(1) : "");
    }

    static String uniqueName() {
        byte[] b = new byte[3];
        RANDOM.nextBytes(b);
        return "sfb" + (System.currentTimeMillis() / 1000) + "x" + HexFormat.of().formatHex(b);
    }

    /** Exports the pool, keeping its image for the next run. */
    @Override
    public void close() {
        export(name);
    }

    /** zfs-fuse can report a pool busy for a moment after its last use. */
    private static void export(String pool) {
        Poll.until(Duration.ofSeconds(60), "zpool export " + pool + " to stop reporting busy", () -> {
            Cmd.Result r = Cmd.run("zpool", "export", pool);
            if (r.exit() == 0) {
                return true;
            }
            if (!r.err().contains("busy")) {
                throw new IllegalStateException("zpool export " + pool + " failed: " + r.err().strip());
            }
            return false;
        });
    }

    private static void destroy(String pool) {
        Poll.until(Duration.ofSeconds(60), "zpool destroy " + pool, () -> {
            Cmd.Result r = Cmd.run("zpool", "destroy", "-f", pool);
            return r.exit() == 0 || r.err().contains("no such pool");
        });
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
