package io.snapferry.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs external commands (ssh, ssh-keygen, sftp) for tests, with a deadline. */
public final class Processes {
    private Processes() {
    }

    /** What a finished process did. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    public static Result run(List<String> command, String stdin, Path workDir) throws IOException, InterruptedException {
        return runBytes(command, stdin == null ? null : stdin.getBytes(StandardCharsets.UTF_8), workDir);
    }

    public static Result runBytes(List<String> command, byte[] stdin, Path workDir) throws IOException, InterruptedException {
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("HOME", workDir.toString());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        } catch (IOException ignored) {
            // the process may exit before reading its input
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("command did not finish within 60 s: " + command);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1), Files.readString(err, StandardCharsets.ISO_8859_1));
    }
}
