package io.snapferry.store;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.SendRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Measures the embedded store on this machine (not a test; run by hand):
 * {@code java <jvm flags> -cp <test classpath> io.snapferry.store.StoreBench [dir]}.
 * Prints: snapshot of an unchanged 10,000-file tree, first snapshot of 256 MiB of incompressible
 * data, and the incremental stream after changing 1% of it.
 */
public final class StoreBench {
    private StoreBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("storebench");
        Random r = new Random(42);
        try (EmbeddedStore store = new EmbeddedStore(Map.of("local", dir.resolve("local")), StoreOptions.defaults(), Clock.systemUTC())) {
            DatasetName small = DatasetName.of("local/small");
            store.createDataset(small);
            Path t = store.mountpoint(small);
            for (int i = 0; i < 10_000; i++) {
                byte[] b = new byte[512 + r.nextInt(4096)];
                r.nextBytes(b);
                Path f = t.resolve("d" + (i % 100)).resolve("f" + i);
                Files.createDirectories(f.getParent());
                Files.write(f, b);
            }
            settle(dir);
            long t0 = System.nanoTime();
            store.createSnapshots(List.of(small.snapshot("first")));
            long t1 = System.nanoTime();
            report("10,000-file tree, first snapshot", t1 - t0, 0);
            for (int k = 0; k < 3; k++) {
                long read = store.stats().contentBytesRead();
                long a = System.nanoTime();
                store.createSnapshots(List.of(small.snapshot("again" + k)));
                long b = System.nanoTime();
                report("10,000-file tree, unchanged, snapshot " + (k + 1) + " (content bytes read: "
                        + (store.stats().contentBytesRead() - read) + ")", b - a, 0);
            }

            DatasetName big = DatasetName.of("local/big");
            store.createDataset(big);
            Path bt = store.mountpoint(big);
            byte[] buf = new byte[1 << 20];
            for (int f = 0; f < 4; f++) {
                try (var out = Files.newOutputStream(bt.resolve("blob" + f))) {
                    for (int m = 0; m < 64; m++) {
                        r.nextBytes(buf);
                        out.write(buf);
                    }
                }
            }
            settle(dir);
            long a = System.nanoTime();
            store.createSnapshots(List.of(big.snapshot("s1")));
            long b = System.nanoTime();
            report("256 MiB incompressible, first snapshot", b - a, 256L << 20);

            // change 1%: 64 scattered 40 KiB overwrites (2.5 MiB of 256 MiB)
            byte[] patch = new byte[40 * 1024];
            for (int i = 0; i < 64; i++) {
                r.nextBytes(patch);
                try (RandomAccessFile raf = new RandomAccessFile(bt.resolve("blob" + (i % 4)).toFile(), "rw")) {
                    raf.seek((long) r.nextInt(64 << 20 - patch.length));
                    raf.write(patch);
                }
            }
            a = System.nanoTime();
            store.createSnapshots(List.of(big.snapshot("s2")));
            b = System.nanoTime();
            report("256 MiB, 1% changed, snapshot", b - a, 256L << 20);
            long full = size(store, SendRequest.full(big.snapshot("s2")));
            long inc = size(store, SendRequest.incremental(big.snapshot("s1"), big.snapshot("s2"), false));
            System.out.printf("full stream %.1f MiB; incremental after 1%% changed as 64 scattered 40 KiB writes: %.1f MiB (%.1f%%)%n",
                    full / 1048576.0, inc / 1048576.0, 100.0 * inc / full);

            // change 1% in one place: 2.56 MiB contiguous
            byte[] run = new byte[(int) ((256L << 20) / 100)];
            r.nextBytes(run);
            try (RandomAccessFile raf = new RandomAccessFile(bt.resolve("blob1").toFile(), "rw")) {
                raf.seek(10 << 20);
                raf.write(run);
            }
            store.createSnapshots(List.of(big.snapshot("s3")));
            long inc2 = size(store, SendRequest.incremental(big.snapshot("s2"), big.snapshot("s3"), false));
            System.out.printf("incremental after 1%% changed in one contiguous run: %.1f MiB (%.1f%%)%n",
                    inc2 / 1048576.0, 100.0 * inc2 / full);
        }
    }

    private static long size(EmbeddedStore store, SendRequest r) throws IOException {
        long n = 0;
        byte[] b = new byte[1 << 16];
        try (InputStream in = store.send(r)) {
            for (int k; (k = in.read(b)) > 0; ) {
                n += k;
            }
        }
        return n;
    }

    private static void settle(Path dir) throws IOException {
        Path probe = dir.resolve("probe");
        long start = System.nanoTime();
        Files.write(probe, new byte[1]);
        long c0 = TreeScanner.stat(probe).ctime();
        while (System.nanoTime() - start < 2_000_000_000L) {
            Files.write(probe, new byte[1]);
            if (TreeScanner.stat(probe).ctime() > c0) {
                return;
            }
            Thread.onSpinWait();
        }
    }

    private static void report(String what, long nanos, long bytes) {
        double s = nanos / 1e9;
        if (bytes > 0) {
            System.out.printf("%-70s %8.3f s  %7.1f MiB/s%n", what, s, bytes / 1048576.0 / s);
        } else {
            System.out.printf("%-70s %8.3f s%n", what, s);
        }
    }
}
