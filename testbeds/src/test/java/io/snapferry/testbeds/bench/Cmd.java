package io.snapferry.testbeds.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs an external command to its end, capturing stdout and stderr; for fixtures and peers. */
public final class Cmd {
    private Cmd() {
    }

    /** The outcome of one command; {@code millis} is from start to exit. */
    public record Result(List<String> command, int exit, String out, String err, double millis) {
        /** This result, or an exception naming the command and its stderr when it failed. */
        public Result check() {
            if (exit != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + exit + "): " + err.strip());
            }
            return this;
        }
    }

    public static Result run(String... command) {
        return run(List.of(command));
    }

    /** Runs {@code command} with stdin from /dev/null; gives up after 30 minutes. */
    public static Result run(List<String> command) {
        try {
            long start = System.nanoTime();
            Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
            String out = drain(p.getInputStream());
            if (!p.waitFor(30, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(command + " did not finish in 30 minutes");
            }
            return new Result(command, p.exitValue(), out, err.join(), BenchContext.msSince(start));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs {@code command} with stdout to /dev/null (as a shell's {@code > /dev/null} does) and
     * returns how long it took in milliseconds; fails when it exits non-zero.
     */
    public static double timeToDevNull(List<String> command) {
        try {
            long start = System.nanoTime();
            Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.to(new File("/dev/null"))).start();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
            int exit = p.waitFor();
            double ms = BenchContext.msSince(start);
            if (exit != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + exit + "): " + err.join().strip());
            }
            return ms;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
