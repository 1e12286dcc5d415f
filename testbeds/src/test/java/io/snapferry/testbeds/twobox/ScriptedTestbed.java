package io.snapferry.testbeds.twobox;

import io.snapferry.testing.Poll;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two-box testbed of {@code testbeds/twobox/up}, driven from a test: the script starts both
 * daemons (separate JVMs from the built distribution, in network namespaces joined by a veth
 * pair when run as root), the test reads what it set up from {@code boxes.env} and runs CLI
 * commands through each box's {@code cli} wrapper, as an owner at a shell would. Nothing of the
 * set-up is repeated here: {@link #close()} runs {@code testbeds/twobox/down}.
 *
 * <p>Each testbed gets a unique name ({@code sfn}, its creation time in base 36, three random hex
 * digits), so tests running at the same time never share a namespace, an interface or a pool;
 * {@link #up} first takes down testbeds of that form left over an hour ago by a killed JVM. Not thread-safe, except that a
 * {@link Running} command may be watched from the test thread while others run.
 */
final class ScriptedTestbed implements AutoCloseable {
    /** The scripts; surefire runs in the testbeds module's directory. */
    static final Path SCRIPTS = Path.of("twobox").toAbsolutePath();
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;
    private final Path dir;
    private final Path outputs;
    private final Map<String, String> env;
    private int commands;

    /** One box as {@code up} describes it. */
    record Node(String box, String namespace, String iface, String address, String pool, Path mount, Path data, String url,
                Path cli, Path log) {
    }

    private ScriptedTestbed(String name, Path dir, Path outputs, Map<String, String> env) {
        this.name = name;
        this.dir = dir;
        this.outputs = outputs;
        this.env = env;
    }

    /** Whether {@code ip netns} works here (it needs root). */
    static boolean netnsAvailable() {
        try {
            Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whether the distribution the {@code snapferry} launcher runs has been built. */
    static boolean distributionBuilt() {
        Path target = SCRIPTS.resolve("../../webui/target").normalize();
        try (var files = Files.list(target)) {
            return Files.isDirectory(target.resolve("lib"))
                    && files.anyMatch(p -> p.getFileName().toString().matches("webui-.*\\.jar") && !p.toString().contains("tests"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Runs {@code up --name <unique> --dir dir/testbed options...} and reads {@code boxes.env}. When
     * {@code up} fails, {@code down} runs before the failure is thrown, so nothing is left behind.
     */
    static ScriptedTestbed up(Path dir, String... options) throws IOException {
        Path outputs = Files.createDirectories(dir.resolve("outputs"));
        removeStale(outputs);
        String name = "sfn" + Long.toString(System.currentTimeMillis() / 1000, 36) + HexFormat.of().formatHex(randomBytes(2)).substring(0, 3);
        Path bed = dir.resolve("testbed");
        List<String> cmd = new ArrayList<>(List.of(SCRIPTS.resolve("up").toString(), "--name", name, "--dir", bed.toString()));
        cmd.addAll(List.of(options));
        Box.Result r = run(cmd, outputs, "up");
        if (r.exit() != 0) {
            Box.Result down = run(List.of(SCRIPTS.resolve("down").toString(), "--name", name, "--dir", bed.toString()), outputs, "down");
            throw new IllegalStateException("testbeds/twobox/up failed (exit " + r.exit() + "): " + r.all()
                    + (down.exit() == 0 ? "" : "\nand down failed too: " + down.all()));
        }
        System.out.println(r.out());
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : Files.readAllLines(bed.resolve("boxes.env"))) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return new ScriptedTestbed(name, bed, outputs, env);
    }

    /**
     * Runs {@code down} for testbeds a test started over an hour ago and never took down (its JVM
     * was killed): namespaces named like ours ({@code sfn}, the creation time in base 36, three hex
     * digits, then {@code -a}), their directory found from the pool's file. Nothing else is touched.
     */
    private static void removeStale(Path outputs) {
        Box.Result list = run(List.of("ip", "netns", "list"), outputs, "stale-netns");
        long now = System.currentTimeMillis() / 1000;
        for (String line : list.out().lines().toList()) {
            Matcher m = STALE.matcher(line);
            if (!m.lookingAt() || now - Long.parseLong(m.group(2), 36) < 3600) {
                continue;
            }
            String stale = m.group(1);
            Box.Result status = run(List.of(io.snapferry.zfs.ZfsCommandProvider.defaultBinary("zpool"), "status", stale + "-a"), outputs,
                    "stale-" + stale);
            Matcher file = Pattern.compile("(/\\S+)/a/pool\\.img").matcher(status.out());
            List<String> down = new ArrayList<>(List.of(SCRIPTS.resolve("down").toString(), "--name", stale));
            if (file.find()) {
                down.addAll(List.of("--dir", file.group(1)));
            }
            Box.Result r = run(down, outputs, "stale-down-" + stale);
            System.out.println("removed the stale testbed " + stale + " (exit " + r.exit() + "): " + r.all().strip());
        }
    }

    private static final Pattern STALE = Pattern.compile("(sfn([0-9a-z]{6})[0-9a-f]{3})-a\\b");

    String mode() {
        return env.get("MODE");
    }

    Node a() {
        return node("A");
    }

    Node b() {
        return node("B");
    }

    private Node node(String p) {
        return new Node(p.toLowerCase(), env.get(p + "_NS"), env.get(p + "_IF"), env.get(p + "_ADDR"), env.get(p + "_POOL"),
                Path.of(env.get(p + "_MOUNT")), Path.of(env.get(p + "_DATA")), env.get(p + "_URL"), Path.of(env.get(p + "_CLI")),
                Path.of(env.get(p + "_LOG")));
    }

    /** Runs a CLI command on {@code box} and waits for it. */
    Box.Result cli(Node box, String... args) {
        List<String> cmd = new ArrayList<>(List.of(box.cli().toString()));
        cmd.addAll(List.of(args));
        return run(cmd, outputs, box.box() + "-" + (++commands));
    }

    /** Runs a CLI command on {@code box} that must succeed; returns its outcome. */
    Box.Result ok(Node box, String... args) {
        Box.Result r = cli(box, args);
        if (r.exit() != 0) {
            throw new AssertionError("box " + box.box() + ": " + String.join(" ", args) + " failed (exit " + r.exit() + "): " + r.all());
        }
        return r;
    }

    /** Starts a CLI command on {@code box} without waiting for it. */
    Running start(Node box, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(box.cli().toString()));
        cmd.addAll(List.of(args));
        String tag = box.box() + "-" + (++commands);
        Path out = outputs.resolve(tag + ".out");
        Path err = outputs.resolve(tag + ".err");
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new Running(String.join(" ", args), p, out, err);
    }

    /** Runs {@code zfs} with these arguments in the root namespace (the pools are zfs-fuse's, shared by both boxes); returns stdout. */
    String zfs(String... args) {
        List<String> cmd = new ArrayList<>(List.of(io.snapferry.zfs.ZfsCommandProvider.defaultBinary("zfs")));
        cmd.addAll(List.of(args));
        Box.Result r = run(cmd, outputs, "zfs-" + (++commands));
        if (r.exit() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + r.exit() + "): " + r.all());
        }
        return r.out();
    }

    /** The command lines of the processes running in {@code box}'s network namespace (its daemon and what it started). */
    List<String> processes(Node box) {
        Box.Result r = run(List.of("ip", "netns", "pids", box.namespace()), outputs, "pids-" + (++commands));
        if (r.exit() != 0) {
            throw new IllegalStateException("ip netns pids " + box.namespace() + " failed: " + r.all());
        }
        List<String> lines = new ArrayList<>();
        for (String pid : r.out().split("\\s+")) {
            if (pid.isEmpty()) {
                continue;
            }
            try {
                lines.add(new String(Files.readAllBytes(Path.of("/proc", pid, "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').strip());
            } catch (IOException e) {
                // ended in the meantime
            }
        }
        return lines;
    }

    /** {@code testbeds/twobox/link down|up}: sets box A's end of the veth pair down or up. */
    void link(String state) {
        Box.Result r = run(List.of(SCRIPTS.resolve("link").toString(), state, "--name", name), outputs, "link-" + state);
        if (r.exit() != 0) {
            throw new IllegalStateException("link " + state + " failed (exit " + r.exit() + "): " + r.all());
        }
    }

    /** A CLI command in flight. */
    static final class Running {
        /**
         * A line of {@code replication run --wait}'s progress: {@code DATASET@SNAPSHOT  BYTES of ESTIMATE  RATE MiB/s ...}
         * or, without an estimate, {@code DATASET@SNAPSHOT  BYTES (size unknown)  RATE MiB/s ...}.
         */
        private static final Pattern PROGRESS = Pattern.compile(
                "^\\S+@\\S+ {2}([0-9.]+)([BKMGTPE])(?: of [0-9.]+[BKMGTPE]| \\(size unknown\\)) {2}[0-9.]+ MiB/s", Pattern.MULTILINE);
        private final String what;
        private final Process process;
        private final Path out;
        private final Path err;

        private Running(String what, Process process, Path out, Path err) {
            this.what = what;
            this.process = process;
            this.out = out;
            this.err = err;
        }

        /**
         * The bytes the last progress line of {@code replication run --wait} reports (it polls the
         * daemon's progress API and prints each change on stderr), to the precision printed;
         * empty before the first line.
         */
        OptionalLong progressBytes() {
            Matcher m = PROGRESS.matcher(read(err));
            OptionalLong last = OptionalLong.empty();
            while (m.find()) {
                double v = Double.parseDouble(m.group(1));
                last = OptionalLong.of((long) (v * Math.pow(1024, "BKMGTPE".indexOf(m.group(2).charAt(0)))));
            }
            return last;
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** What the command has printed so far, stdout then stderr. */
        String outputSoFar() {
            return read(out) + read(err);
        }

        /** Waits for the command to end; kills it after {@code timeout}. */
        Box.Result await(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(what + " did not end within " + timeout + "; output so far: " + read(out) + read(err));
            }
            return new Box.Result(process.exitValue(), read(out), read(err));
        }
    }

    /** Prints the end of both daemons' logs (to the test's output), then runs {@code down}. */
    @Override
    public void close() {
        for (Node n : List.of(a(), b())) {
            try {
                List<String> lines = Files.readAllLines(n.log());
                System.out.println("--- the last lines of box " + n.box() + "'s daemon log (" + n.log() + ")");
                lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(System.out::println);
            } catch (IOException e) {
                System.out.println("box " + n.box() + "'s daemon log is unreadable: " + e);
            }
        }
        Box.Result r = run(List.of(SCRIPTS.resolve("down").toString(), "--name", name, "--dir", dir.toString()), outputs, "down");
        if (r.exit() != 0) {
            throw new IllegalStateException("testbeds/twobox/down failed (exit " + r.exit() + "): " + r.all());
        }
    }

    private static Box.Result run(List<String> cmd, Path outputs, String tag) {
        Path out = outputs.resolve(tag + ".out");
        Path err = outputs.resolve(tag + ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                Poll.until(Duration.ofSeconds(10), cmd + " to die", () -> !p.isAlive());
                throw new IllegalStateException(String.join(" ", cmd) + " did not end within " + COMMAND_TIMEOUT + ": "
                        + read(out) + read(err));
            }
            return new Box.Result(p.exitValue(), read(out), read(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + cmd, e);
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
