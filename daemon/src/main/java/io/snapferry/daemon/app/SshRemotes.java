package io.snapferry.daemon.app;

import io.snapferry.daemon.replication.RemoteEndpoints;
import io.snapferry.daemon.replication.ReplicationTask;
import io.snapferry.daemon.ssh.SshManager;
import io.snapferry.replication.Endpoint;
import io.snapferry.replication.LocalEndpoint;
import io.snapferry.ssh.client.SshSession;
import io.snapferry.ssh.endpoint.RemoteEndpoint;
import io.snapferry.zfs.ZfsCommandProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The far side of ssh and ssh-zfs replications. ssh: a snapferry box's endpoint over the
 * connection. ssh-zfs: a stock ZFS host whose {@code zfs}/{@code zpool} commands the ZFS provider
 * runs over the connection; who owns each target there is recorded on this box, per connection.
 */
final class SshRemotes implements RemoteEndpoints {
    private final SshManager ssh;
    private final Path ownershipRoot;

    SshRemotes(SshManager ssh, Path ownershipRoot) {
        this.ssh = ssh;
        this.ownershipRoot = ownershipRoot;
    }

    @Override
    public Remote open(ReplicationTask task) throws IOException {
        String name = task.connection().orElseThrow();
        if (task.transport() == ReplicationTask.Transport.SSH) {
            RemoteEndpoint remote = ssh.openEndpoint(name);
            Endpoint endpoint = new SshEndpoint(remote);
            return new Remote() {
                @Override
                public Endpoint endpoint() {
                    return endpoint;
                }

                @Override
                public void close() throws IOException {
                    remote.close();
                }
            };
        }
        SshSession session = ssh.connector().open(ssh.connection(name).toSsh());
        try {
            ZfsCommandProvider zfs = new ZfsCommandProvider("zfs", "zpool", Duration.ofMinutes(10), new SshCommandLauncher(session));
            Endpoint endpoint = new LocalEndpoint("zfs-host:" + name, zfs, ownershipRoot.resolve(name));
            return new Remote() {
                @Override
                public Endpoint endpoint() {
                    return endpoint;
                }

                @Override
                public void close() throws IOException {
                    session.close();
                }
            };
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }
}
