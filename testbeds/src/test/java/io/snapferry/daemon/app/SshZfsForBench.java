package io.snapferry.daemon.app;

import io.snapferry.ssh.client.SshSession;
import io.snapferry.zfs.ZfsCommandProvider;
import java.time.Duration;

/**
 * Lets the benchmarks in {@code io.snapferry.testbeds.bench} build the ssh-zfs transport's provider
 * exactly as {@code SshRemotes} does (the ZFS provider over {@link SshCommandLauncher}), whose
 * launcher is private to this package.
 */
public final class SshZfsForBench {
    private SshZfsForBench() {
    }

    /** The ZFS provider driving the host behind {@code session}; the caller keeps closing the session. */
    public static ZfsCommandProvider provider(SshSession session) {
        return new ZfsCommandProvider("zfs", "zpool", Duration.ofMinutes(10), new SshCommandLauncher(session));
    }
}
