package io.snapferry.daemon.app;

import io.snapferry.ssh.client.RemoteCommand;
import io.snapferry.ssh.client.SshSession;
import io.snapferry.zfs.CommandLauncher;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the ZFS commands of a stock ZFS host over an SSH session, so the ZFS provider drives it
 * exactly as it drives local ZFS (transport ssh-zfs). {@link SshSession#exec} quotes every
 * argument for the remote shell; a remote command is a {@link Process} to the provider.
 */
final class SshCommandLauncher implements CommandLauncher {
    private final SshSession session;

    SshCommandLauncher(SshSession session) {
        this.session = session;
    }

    @Override
    public Process start(List<String> argv, boolean stdin) throws IOException {
        RemoteCommand cmd = session.exec(argv.toArray(String[]::new));
        if (!stdin) {
            cmd.stdin().close();
        }
        return new RemoteProcess(cmd);
    }

    /** A remote command seen as a {@link Process}. */
    private static final class RemoteProcess extends Process {
        private final RemoteCommand cmd;
        private volatile Integer exit;
        private volatile boolean destroyed;

        RemoteProcess(RemoteCommand cmd) {
            this.cmd = cmd;
        }

        @Override
        public OutputStream getOutputStream() {
            return cmd.stdin();
        }

        @Override
        public InputStream getInputStream() {
            return cmd.stdout();
        }

        @Override
        public InputStream getErrorStream() {
            return cmd.stderr();
        }

        @Override
        public int waitFor() throws InterruptedException {
            while (true) {
                if (waitFor(1, TimeUnit.HOURS)) {
                    return exit;
                }
            }
        }

        @Override
        public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
            if (exit != null) {
                return true;
            }
            try {
                exit = cmd.waitFor(Duration.ofNanos(unit.toNanos(timeout)));
                return true;
            } catch (IOException e) {
                if (destroyed || !e.getMessage().contains("did not end within")) {
                    exit = 255;
                    return true;
                }
                return false;
            }
        }

        @Override
        public int exitValue() {
            if (exit == null) {
                throw new IllegalThreadStateException("remote command still running: " + cmd.commandLine());
            }
            return exit;
        }

        @Override
        public void destroy() {
            destroyed = true;
            try {
                cmd.close();
            } catch (IOException e) {
                // the channel is gone either way
            }
        }

        @Override
        public Process destroyForcibly() {
            destroy();
            return this;
        }

        @Override
        public boolean isAlive() {
            return exit == null && !destroyed;
        }
    }
}
