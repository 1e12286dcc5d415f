package io.snapferry.testbeds.bench;

import io.snapferry.daemon.config.DataDir;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ./snapferry daemon} on a fresh data directory: time from starting the process to
 * {@code api.json}, to the API answering over HTTPS and to the UI being served, and the resident
 * memory of the idle daemon.
 */
public final class StartupBench implements Benchmark {
    static final int IDLE_SECONDS = Integer.getInteger("bench.startup.idle", 15);

    public static void main(String[] args) {
        BenchRunner.runOne(new StartupBench());
    }

    @Override
    public String name() {
        return "startup";
    }

    @Override
    public String title() {
        return "daemon start time and idle memory";
    }

    @Override
    public String description() {
        return """
                `./snapferry --data TMP daemon --web-port 0 --ssh-port 0 --bind 127.0.0.1` (HTTPS with a \
                certificate made on first start, ZFS on: zfs-fuse is running, so the daemon probes it and \
                lists its pools) on a fresh temporary data directory: one warm-up start (for the benchmark's own \
                HTTPS client), then three measured ones. Times are from starting \
                the process (the launcher script execs the JVM) to: `api.json` written (the daemon's \"ready\"), \
                `GET /api/v1/status` answering 200 with the admin token, and `GET /` (the UI) served; with the CPU time the daemon used by then (`/proc/PID/stat`), \
                which depends less on the machine's load than the times. Then \
                the daemon idles for 15 s and its resident memory is read from `/proc/PID/status` \
                (`VmRSS`, and `VmHWM`, the peak so far); then it is stopped with SIGTERM. No peer.""";
    }

    @Override
    public List<Figure> run(BenchContext ctx) throws Exception {
        int runs = ctx.runs(3);
        Path launcher = ctx.repoRoot().resolve("snapferry");
        List<Double> ready = new ArrayList<>();
        List<Double> api = new ArrayList<>();
        List<Double> ui = new ArrayList<>();
        List<Double> rss = new ArrayList<>();
        List<Double> hwm = new ArrayList<>();
        List<Double> stop = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        Https https = new Https();
        for (int i = -1; i < runs; i++) {
            Path tmp = Files.createTempDirectory("snapferry-bench-startup-");
            Path data = tmp.resolve("data");
            Process p = null;
            try {
                long t0 = System.nanoTime();
                p = new ProcessBuilder(launcher.toString(), "--data", data.toString(), "daemon", "--web-port", "0",
                        "--ssh-port", "0", "--bind", "127.0.0.1").redirectErrorStream(true)
                        .redirectOutput(tmp.resolve("daemon.log").toFile()).start();
                DataDir dir = new DataDir(data);
                Optional<DataDir.ApiAddress> addr = Optional.empty();
                while (addr.isEmpty()) {
                    check(p, t0, tmp);
                    addr = Files.exists(data.resolve("api.json")) ? dir.apiAddress() : Optional.empty();
                    LockSupport.parkNanos(1_000_000);
                }
                double tReady = BenchContext.msSince(t0);
                String token = dir.existingAdminToken().orElseThrow();
                String base = addr.get().url();
                awaitOk(https, base + "/api/v1/status", token, p, t0, tmp);
                double tApi = BenchContext.msSince(t0);
                HttpResponse<String> page = awaitOk(https, base + "/", null, p, t0, tmp);
                double tUi = BenchContext.msSince(t0);
                long pid = addr.get().pid();
                double cpuAtUi = cpuSeconds(pid);
                if (!page.body().toLowerCase().contains("<html")) {
                    throw new IllegalStateException("GET / did not serve an HTML page: " + page.body().substring(0, Math.min(200, page.body().length())));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(IDLE_SECONDS);
                while (System.nanoTime() < deadline) {
                    check(p, t0, tmp);
                    LockSupport.parkNanos(100_000_000);
                }
                double vmRss = statusKb(pid, "VmRSS") / 1024.0;
                double vmHwm = statusKb(pid, "VmHWM") / 1024.0;
                long s0 = System.nanoTime();
                p.destroy();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the daemon did not stop within 60 s of SIGTERM");
                }
                double tStop = BenchContext.msSince(s0);
                ctx.log("%s: api.json %.0f ms, API %.0f ms, UI %.0f ms (daemon CPU %.2f s); idle RSS %.0f MiB, peak %.0f MiB;"
                        + " stop %.0f ms", i < 0 ? "warm-up" : "run " + (i + 1), tReady, tApi, tUi, cpuAtUi, vmRss, vmHwm, tStop);
                if (i < 0) {
                    continue;
                }
                cpu.add(cpuAtUi);
                ready.add(tReady);
                api.add(tApi);
                ui.add(tUi);
                rss.add(vmRss);
                hwm.add(vmHwm);
                stop.add(tStop);
            } finally {
                if (p != null && p.isAlive()) {
                    p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
                BenchPool.deleteTree(tmp);
            }
        }
        ctx.note("Medians of %d starts. All runs (ms): api.json %s; API answering %s; UI served %s.", runs,
                StreamZfsBench.list(ready), StreamZfsBench.list(api), StreamZfsBench.list(ui));
        ctx.note("JVM flags: the launcher's (`jvm.flags`, the default heap `SNAPFERRY_HEAP` = 256m, -XX:+ExitOnOutOfMemoryError).");
        ctx.note(cdsNote(ctx.repoRoot()));
        return List.of(
                Figure.of("process start to api.json written, median", BenchContext.median(ready), "ms", Figure.Goal.NONE),
                Figure.of("process start to the API answering over HTTPS, median", BenchContext.median(api), "ms",
                        Figure.Goal.below(3000, "< 3 s")),
                Figure.of("process start to the UI (GET /) served, median", BenchContext.median(ui), "ms",
                        Figure.Goal.below(3000, "< 3 s")),
                Figure.of("CPU time the daemon used up to then (user + system), median", BenchContext.median(cpu), "s",
                        Figure.Goal.NONE),
                Figure.of("idle daemon resident memory (VmRSS) after " + IDLE_SECONDS + " s, median", BenchContext.median(rss), "MiB",
                        Figure.Goal.NONE),
                Figure.of("peak resident memory (VmHWM) up to then, median", BenchContext.median(hwm), "MiB", Figure.Goal.NONE),
                Figure.of("SIGTERM to exit, median", BenchContext.median(stop), "ms", Figure.Goal.NONE));
    }

    /**
     * Whether the launcher's class-data sharing archive (jvm-cds.sh) was there: the first daemon
     * start after a build, an install or an upgrade runs without it (and trains it), every later
     * one maps it. {@code SNAPFERRY_CDS=off testbeds/bench/run startup} measures the first kind.
     */
    static String cdsNote(Path repo) throws java.io.IOException {
        boolean off = "off".equals(System.getenv("SNAPFERRY_CDS"));
        boolean archive;
        try (var files = Files.list(repo.resolve("webui/target/cds"))) {
            archive = files.anyMatch(f -> f.getFileName().toString().endsWith(".jsa"));
        } catch (java.nio.file.NoSuchFileException e) {
            archive = false;
        }
        if (off) {
            return "Class-data sharing archive: off (`SNAPFERRY_CDS=off`), as at the first start after a build, install or upgrade.";
        }
        return archive
                ? "Class-data sharing archive: in use (webui/target/cds, trained by an earlier daemon start), as at every start"
                        + " after the first one; `SNAPFERRY_CDS=off testbeds/bench/run startup` measures a start without it."
                : "Class-data sharing archive: none yet at the start (the warm-up start trains it in the background), so early"
                        + " runs may start without it.";
    }

    static HttpResponse<String> awaitOk(Https https, String url, String token, Process p, long t0, Path tmp)
            throws IOException {
        while (true) {
            check(p, t0, tmp);
            try {
                HttpResponse<String> r = https.get(url, token);
                if (r.statusCode() == 200) {
                    return r;
                }
            } catch (IOException e) {
                // not listening yet
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    static void check(Process p, long t0, Path tmp) throws IOException {
        if (!p.isAlive()) {
            throw new IllegalStateException("the daemon exited with " + p.exitValue() + ": " + Files.readString(tmp.resolve("daemon.log")));
        }
        if (System.nanoTime() - t0 > Duration.ofMinutes(2).toNanos()) {
            throw new IllegalStateException("the daemon was not ready within 2 minutes: " + Files.readString(tmp.resolve("daemon.log")));
        }
    }

    /** utime + stime of the process from /proc/PID/stat, in seconds (USER_HZ is 100 on Linux). */
    private static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    static long statusKb(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("/proc/" + pid + "/status has no " + field);
    }
}
