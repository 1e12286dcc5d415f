package io.snapferry.zfs;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command with an argument array (never through a shell) and collects its output.
 * Thread-safe: it holds no state beyond its configuration.
 */
final class CommandRunner {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CommandRunner.class);
    /** What a finished command printed. */
    record Result(List<String> command, int exit, String stdout, String stderr) {
        boolean ok() {
            return exit == 0;
        }

        /** What the command said about a failure: stderr, or stdout where it printed nothing there. */
        String message() {
            return stderr.isBlank() ? stdout : stderr;
        }
    }

    private final Duration timeout;
    private final CommandLauncher launcher;

    CommandRunner(Duration timeout, CommandLauncher launcher) {
        this.timeout = timeout;
        this.launcher = launcher;
    }

    CommandLauncher launcher() {
        return launcher;
    }

    /** Runs {@code command} with stdin from /dev/null; throws only when it cannot be started or times out. */
    Result run(List<String> command) {
        long start = System.nanoTime();
        Process p;
        try {
            p = launcher.start(command, false);
        } catch (IOException e) {
            throw new DatasetException(ErrorCode.INTERNAL, "cannot run " + command.get(0) + ": " + e.getMessage()
                    + " (is ZFS installed, and is the path to its commands right?)", e);
        }
        StreamCollector err = StreamCollector.start(p.getErrorStream(), 1 << 20, "stderr of " + command.get(0));
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new DatasetException(ErrorCode.BUSY, String.join(" ", command) + " did not finish within " + timeout);
            }
        } catch (IOException e) {
            p.destroyForcibly();
            throw new DatasetException(ErrorCode.INTERNAL, "reading the output of " + String.join(" ", command) + ": " + e, e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new DatasetException(ErrorCode.INTERNAL, "interrupted while running " + String.join(" ", command), e);
        }
        Result r = new Result(List.copyOf(command), p.exitValue(), out, err.text());
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} exited {} after {} ms ({} bytes of output)", String.join(" ", command), r.exit(),
                    (System.nanoTime() - start) / 1_000_000, out.length());
        }
        return r;
    }

    static List<String> args(String binary, Object... rest) {
        List<String> cmd = new ArrayList<>(rest.length + 1);
        cmd.add(binary);
        for (Object o : rest) {
            if (o instanceof List<?> l) {
                l.forEach(x -> cmd.add(String.valueOf(x)));
            } else {
                cmd.add(String.valueOf(o));
            }
        }
        return cmd;
    }

    /** Drains a stream on its own thread, keeping at most {@code limit} bytes (the first ones). */
    static final class StreamCollector {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final Thread thread;
        private final int limit;

        private StreamCollector(InputStream in, int limit, String name) {
            this.limit = limit;
            this.thread = new Thread(() -> drain(in), name);
            this.thread.setDaemon(true);
        }

        static StreamCollector start(InputStream in, int limit, String name) {
            StreamCollector c = new StreamCollector(in, limit, name);
            c.thread.start();
            return c;
        }

        private void drain(InputStream in) {
            byte[] b = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(b)) >= 0) {
                    synchronized (buf) {
                        int keep = Math.min(n, limit - buf.size());
                        if (keep > 0) {
                            buf.write(b, 0, keep);
                        }
                    }
                }
            } catch (IOException e) {
                // the process went away; what was read so far is what we report
            }
        }

        /** Waits for the end of the stream (the process exited) and returns what it carried. */
        String text() {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
