package io.snapferry.web;

import io.snapferry.cli.Main;
import io.snapferry.daemon.app.Appliance;
import io.snapferry.daemon.app.DaemonOptions;
import io.snapferry.daemon.config.DataDir;
import io.snapferry.dataset.DatasetProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** A whole daemon in the test JVM: its own data directory, HTTPS on a free port, and the CLI to drive it. */
public final class TestBox implements AutoCloseable {
    private final Appliance appliance;
    private final DataDir dir;

    public TestBox(Path dataDir, Clock clock, List<DatasetProvider> providers) throws IOException {
        this.dir = new DataDir(dataDir);
        this.appliance = new Appliance(new DaemonOptions(dir, "127.0.0.1", 0, 0, true, false), clock, providers);
        appliance.start();
    }

    public Appliance appliance() {
        return appliance;
    }

    public DataDir dataDir() {
        return dir;
    }

    /** The outcome of one CLI command. */
    public record Result(int exit, String out, String err) {
    }

    public Result cli(String... args) {
        List<String> all = new ArrayList<>(List.of("--data", dir.root().toString()));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
        appliance.close();
    }
}
