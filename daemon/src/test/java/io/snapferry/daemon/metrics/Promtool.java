package io.snapferry.daemon.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.testing.Requirements;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Checks a metrics exposition with the real {@code promtool check metrics} (Debian package prometheus). */
public final class Promtool {
    private Promtool() {
    }

    /** Fails the test when promtool reports any problem; returns its output. */
    public static String check(String exposition) throws IOException, InterruptedException {
        Requirements.require(Requirements.onPath("promtool"), "promtool (Debian package prometheus)");
        Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        assertThat(p.exitValue()).as("promtool check metrics said:\n" + out + "\nof:\n" + exposition).isZero();
        assertThat(out.strip()).as("promtool output").isEmpty();
        return out;
    }
}
