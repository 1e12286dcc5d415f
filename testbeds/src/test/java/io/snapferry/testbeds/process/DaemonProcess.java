package io.snapferry.testbeds.process;

import io.snapferry.cli.Main;
import io.snapferry.daemon.config.DataDir;
import io.snapferry.testing.Poll;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A snapferry daemon in its own JVM, started from the build output as {@code ./snapferry daemon}
 * does, on the embedded store only, with free ports. The CLI talks to it through its data directory.
 */
public final class DaemonProcess implements AutoCloseable {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private final Path data;
    private final Path log;
    private Process process;

    public DaemonProcess(Path data) {
        this.data = data;
        this.log = data.resolveSibling(data.getFileName() + ".log");
    }

    public Path data() {
        return data;
    }

    /** Starts the daemon and waits until its API answers. */
    public DaemonProcess start() throws IOException {
        Path jar;
        try (var files = Files.list(ROOT.resolve("webui/target"))) {
            jar = files.filter(p -> p.getFileName().toString().matches("webui-.*\\.jar") && !p.toString().contains("tests"))
                    .findFirst().orElseThrow(() -> new IOException("webui jar missing: build with mvn package first"));
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(Files.readString(ROOT.resolve("jvm.flags")).trim().split("\\s+")));
        cmd.addAll(List.of("-cp", jar + ":" + ROOT.resolve("webui/target/lib") + "/*", "io.snapferry.cli.Main", "daemon",
                "--data", data.toString(), "--web-port", "0", "--ssh-port", "0", "--bind", "127.0.0.1", "--no-zfs"));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Poll.until(Duration.ofSeconds(60), "the daemon's API (log: " + log + ")", () -> {
            try {
            if (!process.isAlive()) {
                throw new AssertionError("the daemon exited with " + process.exitValue() + "; log: " + log);
            }
                return dataDir().apiAddress().map(a -> a.pid() == process.pid()).orElse(false) && cli("status").exit() == 0;
            } catch (IOException e) {
                return false;
            }
        });
        return this;
    }

    public long pid() {
        return process.pid();
    }

    /** kill -9, and of whatever it started (hooks). */
    public void kill9() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        Poll.until(Duration.ofSeconds(20), "the daemon to die", () -> !process.isAlive());
    }

    public record Result(int exit, String out, String err) {
    }

    public Result cli(String... args) {
        List<String> all = new ArrayList<>(List.of("--data", data.toString()));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    public DataDir dataDir() {
        return new DataDir(data);
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
