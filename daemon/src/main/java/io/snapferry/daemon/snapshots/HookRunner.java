package io.snapferry.daemon.snapshots;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs pre- and post-snapshot hooks: {@code /bin/sh -c COMMAND} with the hook's timeout. The
 * command is the operator's own; dataset and snapshot names reach it only as environment
 * variables, never spliced into the command text. The last line of its output goes to the task log.
 */
public class HookRunner {
    private static final int KEEP_OUTPUT = 4096;

    public record Result(boolean ok, String summary) {
    }

    public Result run(SnapshotTask.Hook hook, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", hook.command()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
            p.getOutputStream().close();
        } catch (IOException e) {
            return new Result(false, "could not start: " + e.getMessage());
        }
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        Thread drain = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream in = p.getInputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (head) {
                        head.write(buf, 0, Math.min(n, Math.max(0, KEEP_OUTPUT - head.size())));
                    }
                }
            } catch (IOException e) {
                // the process is gone; what it printed so far is kept
            }
        }, "snapferry-hook-output");
        drain.setDaemon(true);
        drain.start();
        try {
            if (!p.waitFor(hook.timeoutSeconds(), TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return new Result(false, "timed out after " + hook.timeoutSeconds() + " s and was killed");
            }
            drain.join(2000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Result(false, "interrupted");
        }
        String out;
        synchronized (head) {
            out = head.toString(StandardCharsets.UTF_8).strip();
        }
        String tail = out.isEmpty() ? "" : ": " + out.lines().reduce((a, b) -> b).orElse("");
        return p.exitValue() == 0 ? new Result(true, "exit 0" + tail) : new Result(false, "exit " + p.exitValue() + tail);
    }
}
