package io.snapferry.testbeds.twobox;

import io.snapferry.dataset.DatasetName;
import io.snapferry.testing.Poll;
import io.snapferry.zfs.ZfsCommandProvider;
import io.snapferry.zfs.ZfsTestPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** What ZFS itself says about a test pool's datasets: snapshot names and GUIDs, files. */
final class Zfs {
    private Zfs() {
    }

    /** One snapshot: short name and GUID. */
    record Snap(String name, String guid) {
    }

    /** The snapshots of {@code dataset}, oldest first, with GUIDs as ZFS reports them (zfs-fuse's {@code zfs list} cannot print them raw). */
    static List<Snap> snapshots(ZfsTestPool pool, String dataset) {
        return snapshots(dataset);
    }

    /** The snapshots of {@code dataset} in any pool, oldest first, with their GUIDs. */
    static List<Snap> snapshots(String dataset) {
        return provider().listSnapshots(DatasetName.of(dataset)).stream()
                .map(s -> new Snap(s.shortName(), Long.toUnsignedString(s.guid()))).toList();
    }

    private static ZfsCommandProvider provider;

    private static synchronized ZfsCommandProvider provider() {
        if (provider == null) {
            provider = new ZfsCommandProvider();
        }
        return provider;
    }

    /** The user hold tags on the snapshots of {@code dataset}, all together. */
    static List<String> holdTags(ZfsTestPool pool, String dataset) {
        List<String> tags = new java.util.ArrayList<>();
        for (io.snapferry.dataset.Snapshot s : provider().listSnapshots(DatasetName.of(dataset))) {
            if (s.holds() > 0) {
                tags.addAll(provider().holds(s.name()));
            }
        }
        return tags;
    }

    static List<String> names(ZfsTestPool pool, String dataset) {
        return snapshots(pool, dataset).stream().map(Snap::name).toList();
    }

    static boolean exists(ZfsTestPool pool, String dataset) {
        return pool.zfsCommand("list", "-H", "-o", "name", "-r", pool.name()).lines().anyMatch(dataset::equals);
    }

    /**
     * Destroys {@code dataset} with its snapshots, forcing the unmount; zfs-fuse can call a dataset
     * busy for a moment after its last use, so this tries again for a while.
     */
    static void destroy(ZfsTestPool pool, String dataset) {
        Poll.until(Duration.ofSeconds(30), "zfs destroy " + dataset + " to succeed", () -> {
            try {
                pool.zfsCommand("destroy", "-r", "-f", dataset);
                return true;
            } catch (IllegalStateException e) {
                if (e.getMessage().contains("busy")) {
                    return false;
                }
                throw e;
            }
        });
    }

    static void create(ZfsTestPool pool, String dataset) {
        pool.zfsCommand("create", "-p", dataset);
    }

    static void write(ZfsTestPool pool, String dataset, String file, byte[] data) {
        try {
            Files.write(pool.mounted(DatasetName.of(dataset)).resolve(file), data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a file of a received dataset, remounting first so that zfs-fuse shows the received state. */
    static byte[] readReceived(ZfsTestPool pool, String dataset, String file) {
        try {
            Path f = pool.remounted(DatasetName.of(dataset)).resolve(file);
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Incompressible bytes, so that the stream is as large as the data. */
    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] text(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    static boolean same(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }
}
