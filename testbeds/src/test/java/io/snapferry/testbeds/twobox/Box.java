package io.snapferry.testbeds.twobox;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.cli.Main;
import io.snapferry.daemon.app.Appliance;
import io.snapferry.daemon.app.DaemonOptions;
import io.snapferry.daemon.config.DataDir;
import io.snapferry.daemon.config.Settings;
import io.snapferry.dataset.DatasetProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One appliance in the test JVM: its own data directory, HTTPS and SSH on free loopback ports,
 * and the CLI to drive it. {@link #restart()} closes the appliance and starts a new one on the
 * same data directory (new ports, same keys and configuration), as a reboot of the box would.
 * Not thread-safe; {@link #close()} stops the appliance and closes its providers.
 */
public final class Box implements AutoCloseable {
    private final DataDir dir;
    private final Clock clock;
    private final Supplier<List<DatasetProvider>> providers;
    private Appliance appliance;

    /** {@code providers} is called on every (re)start: the appliance closes the providers it was given. */
    public Box(Path dataDir, Clock clock, Supplier<List<DatasetProvider>> providers) throws IOException {
        this.dir = new DataDir(dataDir);
        this.clock = clock;
        this.providers = providers;
        start();
        appliance.settings().put(new Settings("UTC", 2));
    }

    private void start() throws IOException {
        appliance = new Appliance(new DaemonOptions(dir, "127.0.0.1", 0, 0, true, false), clock, providers.get());
        appliance.start();
    }

    public Appliance appliance() {
        return appliance;
    }

    public DataDir dataDir() {
        return dir;
    }

    public int sshPort() {
        return appliance.ssh().service().port();
    }

    /** Stops the appliance and starts it again on the same data directory; the SSH and web ports change. */
    public void restart() throws IOException {
        appliance.close();
        start();
    }

    /** The outcome of one CLI command. */
    public record Result(int exit, String out, String err) {
        public String all() {
            return out + err;
        }

        /** The last line of stdout: the id or token a create command prints. */
        public String last() {
            List<String> lines = out.strip().lines().toList();
            return lines.get(lines.size() - 1);
        }
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

    /** Runs a CLI command that must succeed. */
    public Result ok(String... args) {
        Result r = cli(args);
        assertThat(r.exit()).as(String.join(" ", args) + ": " + r.all()).isZero();
        return r;
    }

    /** Runs a CLI command that must fail with exit code 1. */
    public Result fails(String... args) {
        Result r = cli(args);
        assertThat(r.exit()).as(String.join(" ", args) + " should fail: " + r.all()).isEqualTo(1);
        return r;
    }

    /** This box makes a pairing token; {@code from} pairs with it under {@code name} and tests the connection. */
    public void acceptPairingFrom(Box from, String name, String... tokenOptions) {
        List<String> args = new ArrayList<>(List.of("pair-token"));
        args.addAll(List.of(tokenOptions));
        String token = ok(args.toArray(String[]::new)).last();
        from.ok("connection", "pair", "--name", name, "--url", appliance.web().url(), "--token", token);
        from.ok("connection", "test", name);
    }

    @Override
    public void close() throws IOException {
        appliance.close();
    }
}
