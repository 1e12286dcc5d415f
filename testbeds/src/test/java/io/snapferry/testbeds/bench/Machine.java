package io.snapferry.testbeds.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The machine a benchmark ran on, read from {@code /proc} at the start of the run: CPUs, memory,
 * kernel, Java, and the load average (the machine may be shared: figures mean little without it).
 */
public record Machine(int cpus, long memoryBytes, String kernel, String java, String loadAverage) {
    public static Machine current() {
        return new Machine(Runtime.getRuntime().availableProcessors(), memTotal(), read("/proc/sys/kernel/osrelease"),
                System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vm.name") + ")", currentLoadAverage());
    }

    /** The first three fields of /proc/loadavg: 1, 5 and 15 minutes. */
    public static String currentLoadAverage() {
        String[] f = read("/proc/loadavg").split("\\s+");
        return f[0] + " " + f[1] + " " + f[2];
    }

    private static long memTotal() {
        for (String line : read("/proc/meminfo").split("\n")) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path)).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One markdown line. */
    String describe() {
        return String.format(Locale.ROOT, "%d CPUs (nproc), %.1f GiB RAM, Linux %s, Java %s", cpus,
                memoryBytes / (double) (1L << 30), kernel, java);
    }
}
