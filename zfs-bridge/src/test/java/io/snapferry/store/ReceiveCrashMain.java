package io.snapferry.store;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ReceiveOptions;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a separate JVM by {@link CrashConsistencyTest}: receives a full stream once, then again
 * and again rolls back to its snapshot and receives an incremental stream on top, printing
 * {@code begin N} before each receive and {@code done N} after it, until it is killed.
 */
public final class ReceiveCrashMain {
    private ReceiveCrashMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path full = Path.of(args[1]);
        Path inc = Path.of(args[2]);
        EmbeddedStore store = StoreTestSupport.open(dir);
        DatasetName copy = DatasetName.of("local/copy");
        try (InputStream in = Files.newInputStream(full)) {
            store.receive(copy, in, ReceiveOptions.defaults());
        }
        for (int round = 0; ; round++) {
            store.rollback(copy.snapshot("s1"), true);
            System.out.println("begin " + round);
            System.out.flush();
            try (InputStream in = Files.newInputStream(inc)) {
                store.receive(copy, in, ReceiveOptions.defaults());
            }
            System.out.println("done " + round);
            System.out.flush();
        }
    }
}
