package io.snapferry.daemon.app;

import io.snapferry.daemon.config.DataDir;

/**
 * How the daemon was started.
 *
 * @param webPort 0 picks a free port (tests); the default is 8443
 * @param sshPort 0 picks a free port; the default is 8022
 * @param tls     HTTPS with the box's certificate; false only when plain HTTP is configured
 * @param zfs     look for ZFS pools (the {@code zfs} command or libzfs_core)
 */
public record DaemonOptions(DataDir dataDir, String bind, int webPort, int sshPort, boolean tls, boolean zfs) {
    public static final int DEFAULT_WEB_PORT = 8443;
    public static final int DEFAULT_SSH_PORT = 8022;
}
