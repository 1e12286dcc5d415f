package io.snapferry.ssh;

import io.snapferry.testing.Poll;
import io.snapferry.testing.Requirements;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real OpenSSH sshd for tests: its own config, host key and authorized_keys in a temporary
 * directory, listening on a free port on 127.0.0.1 only. Runs as root (it must).
 */
public final class OpenSshd implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final Process process;

    private OpenSshd(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** Starts sshd authorising {@code authorizedKeys} (OpenSSH public key lines) for root. */
    public static OpenSshd start(Path dir, List<String> authorizedKeys) throws IOException, InterruptedException {
        Requirements.require(Files.isExecutable(Path.of("/usr/sbin/sshd")) && Requirements.isRoot(), "OpenSSH sshd (as root)");
        Files.createDirectories(dir);
        Path hostKey = dir.resolve("ssh_host_ed25519_key");
        Processes.Result gen = Processes.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey.toString()), null, dir);
        if (gen.exitCode() != 0) {
            throw new IOException("ssh-keygen failed: " + gen.stderr());
        }
        Path authorized = dir.resolve("authorized_keys");
        Files.write(authorized, authorizedKeys);
        Path config = dir.resolve("sshd_config");
        Files.writeString(config, String.join("\n",
                "ListenAddress 127.0.0.1",
                "HostKey " + hostKey,
                "PidFile none",
                "UsePAM no",
                "StrictModes no",
                "AuthorizedKeysFile " + authorized,
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "UseDNS no",
                "LogLevel ERROR",
                "") + "\n");
        Files.createDirectories(Path.of("/run/sshd"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Process p = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString(), "-p", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
        OpenSshd sshd = new OpenSshd(dir, port, p);
        try {
            Poll.until(Duration.ofSeconds(20), "sshd listening on 127.0.0.1:" + port, () -> {
                if (!p.isAlive()) {
                    throw new AssertionError("sshd exited: " + sshd.log());
                }
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (RuntimeException | Error e) {
            sshd.close();
            throw e;
        }
        return sshd;
    }

    public int port() {
        return port;
    }

    /** The host public key line. */
    public String hostPublicKey() throws IOException {
        return Files.readString(dir.resolve("ssh_host_ed25519_key.pub")).strip();
    }

    public String log() {
        try {
            return Files.readString(dir.resolve("sshd.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
