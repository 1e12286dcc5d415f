package io.snapferry.daemon.app;

import io.snapferry.ssh.client.SshSession;
import io.snapferry.zfs.ZfsCommandProvider;
import io.snapferry.zfs.ZfsFeatures;
import java.time.Duration;

/**
 * Lets the benchmarks in {@code io.snapferry.testbeds.bench} build the ssh-zfs transport's provider
 * exactly as {@code SshRemotes} does (the ZFS provider over {@link SshCommandLauncher}), whose
 * launcher is private to this package. Like {@code SshRemotes} for one connection, the first call
 * probes the host's ZFS features and later calls reuse them (the benchmarks reach a single host).
 */
public final class SshZfsForBench {
    private static volatile ZfsFeatures known;

    private SshZfsForBench() {
    }

    /** The ZFS provider driving the host behind {@code session}; the caller keeps closing the session. */
    public static ZfsCommandProvider provider(SshSession session) {
        ZfsFeatures f = known;
        if (f != null) {
            return new ZfsCommandProvider("zfs", "zpool", Duration.ofMinutes(10), new SshCommandLauncher(session), f);
        }
        ZfsCommandProvider probed = new ZfsCommandProvider("zfs", "zpool", Duration.ofMinutes(10), new SshCommandLauncher(session));
        known = probed.features();
        return probed;
    }
}
