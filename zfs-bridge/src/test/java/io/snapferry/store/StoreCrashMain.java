package io.snapferry.store;

import io.snapferry.dataset.DatasetName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Run in a separate JVM by {@link CrashConsistencyTest}: builds a big tree in two datasets and
 * snapshots both atomically, again and again after changing every file, printing {@code begin N}
 * before each snapshot and {@code done N} after it, until it is killed.
 */
public final class StoreCrashMain {
    private StoreCrashMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int files = Integer.parseInt(args[1]);
        EmbeddedStore store = StoreTestSupport.open(dir);
        DatasetName a = DatasetName.of("local/a");
        DatasetName b = DatasetName.of("local/b");
        store.createDataset(a);
        store.createDataset(b);
        Random r = new Random(1);
        for (int round = 0; ; round++) {
            for (DatasetName d : List.of(a, b)) {
                Path t = store.mountpoint(d);
                for (int i = 0; i < files; i++) {
                    byte[] data = new byte[8 * 1024 + r.nextInt(32 * 1024)];
                    r.nextBytes(data);
                    StoreTestSupport.write(t.resolve("d" + (i % 20)).resolve("f" + i), data);
                }
                byte[] big = new byte[2 << 20];
                r.nextBytes(big);
                Files.write(t.resolve("big"), big);
            }
            System.out.println("begin " + round);
            System.out.flush();
            store.createSnapshots(List.of(a.snapshot("r" + round), b.snapshot("r" + round)));
            System.out.println("done " + round);
            System.out.flush();
        }
    }
}
