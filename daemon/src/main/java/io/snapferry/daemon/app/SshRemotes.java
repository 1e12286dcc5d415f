package io.snapferry.daemon.app;

import io.snapferry.daemon.replication.RemoteEndpoints;
import io.snapferry.daemon.replication.ReplicationTask;
import io.snapferry.daemon.ssh.SshManager;
import io.snapferry.replication.Endpoint;
import io.snapferry.replication.LocalEndpoint;
import io.snapferry.replication.LinkLostException;
import io.snapferry.ssh.client.SshSession;
import io.snapferry.ssh.client.SshTransportException;
import io.snapferry.ssh.endpoint.ProtocolException;
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

    /** Connects to the box at the end of connection {@code name} and opens its endpoint. */
    private RemoteEndpoint openEndpoint(String name) throws IOException {
        try {
            return ssh.openEndpoint(name);
        } catch (SshTransportException e) {
            throw e; // says which address failed how (refused, host key, authentication...)
        } catch (IOException e) {
            if (e instanceof ProtocolException && !(e.getCause() instanceof java.io.EOFException)) {
                throw e; // the remote answered, but not in the protocol
            }
            // the SSH session was up, then the link broke while opening the endpoint channel
            throw new LinkLostException(name, e);
        }
    }

    @Override
    public Remote open(ReplicationTask task) throws IOException {
        String name = task.connection().orElseThrow();
        if (task.transport() == ReplicationTask.Transport.SSH) {
            SshEndpoint endpoint = new SshEndpoint(openEndpoint(name), name, () -> openEndpoint(name));
            return new Remote() {
                @Override
                public Endpoint endpoint() {
                    return endpoint;
                }

                @Override
                public void close() throws IOException {
                    endpoint.close();
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
