package io.snapferry.daemon.app;

import io.snapferry.daemon.replication.RemoteEndpoints;
import io.snapferry.daemon.replication.ReplicationTask;
import io.snapferry.daemon.ssh.ConnectionConfig;
import io.snapferry.daemon.ssh.SshManager;
import io.snapferry.replication.Endpoint;
import io.snapferry.replication.LocalEndpoint;
import io.snapferry.ssh.client.SshSession;
import io.snapferry.ssh.client.SshTransportException;
import io.snapferry.ssh.endpoint.ProtocolException;
import io.snapferry.ssh.endpoint.RemoteEndpoint;
import io.snapferry.zfs.CommandLauncher;
import io.snapferry.zfs.ZfsCommandProvider;
import io.snapferry.zfs.ZfsFeatures;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The far side of ssh and ssh-zfs replications. ssh: a snapferry box's endpoint over the
 * connection. ssh-zfs: a stock ZFS host whose {@code zfs}/{@code zpool} commands the ZFS provider
 * runs over the connection; who owns each target there is recorded on this box, per connection.
 *
 * <p>What a ZFS host's commands support ({@link ZfsFeatures}, 13 probe commands, over a second
 * over SSH) is probed on the first ssh-zfs run of a connection and remembered, in memory for the
 * daemon's lifetime, per connection name, address, user and pinned host key: a connection pointed
 * at another host probes again. When a run on the connection fails ({@link Remote#failed}), what
 * was remembered is forgotten, as the host's ZFS may have changed under it.
 *
 * <p><b>Threading.</b> Safe for concurrent runs.
 */
final class SshRemotes implements RemoteEndpoints {
    /** Opens a snapferry box's endpoint at the end of a connection. */
    interface EndpointOpener {
        RemoteEndpoint open(String connection) throws IOException;
    }

    /** A session to a stock ZFS host: runs its commands; closing it ends the session. */
    interface HostSession extends Closeable {
        CommandLauncher launcher();
    }

    /** The SSH side of ssh-zfs runs. */
    interface ZfsHosts {
        /** The connection's settings; throws when there is no such connection. */
        ConnectionConfig connection(String name);

        HostSession open(ConnectionConfig connection) throws IOException;
    }

    /** Which host a connection leads to: a change to any part probes the features again. */
    record ZfsHostId(String connection, String host, int port, String user, String hostKey) {
        static ZfsHostId of(ConnectionConfig c) {
            return new ZfsHostId(c.name(), c.host(), c.port(), c.user(), c.hostKey());
        }
    }

    private final EndpointOpener endpoints;
    private final ZfsHosts zfsHosts;
    private final Path ownershipRoot;
    private final Map<ZfsHostId, ZfsFeatures> features = new ConcurrentHashMap<>();

    SshRemotes(SshManager ssh, Path ownershipRoot) {
        this(ssh::openEndpoint, new ZfsHosts() {
            @Override
            public ConnectionConfig connection(String name) {
                return ssh.connection(name);
            }

            @Override
            public HostSession open(ConnectionConfig connection) throws IOException {
                SshSession session = ssh.connector().open(connection.toSsh());
                SshCommandLauncher launcher = new SshCommandLauncher(session);
                return new HostSession() {
                    @Override
                    public CommandLauncher launcher() {
                        return launcher;
                    }

                    @Override
                    public void close() throws IOException {
                        session.close();
                    }
                };
            }
        }, ownershipRoot);
    }

    SshRemotes(EndpointOpener endpoints, ZfsHosts zfsHosts, Path ownershipRoot) {
        this.endpoints = endpoints;
        this.zfsHosts = zfsHosts;
        this.ownershipRoot = ownershipRoot;
    }

    /** Connects to the box at the end of connection {@code name} and opens its endpoint. */
    private RemoteEndpoint openEndpoint(String name) throws IOException {
        try {
            return endpoints.open(name);
        } catch (SshTransportException e) {
            throw e; // says which address failed how (refused, host key, authentication...)
        } catch (IOException e) {
            if (e instanceof ProtocolException && !(e.getCause() instanceof java.io.EOFException)) {
                throw e; // the remote answered, but not in the protocol
            }
            // the SSH session was up, then the link broke while opening the endpoint channel
            throw SshEndpoint.linkLost(name, e);
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
        ConnectionConfig connection = zfsHosts.connection(name);
        ZfsHostId key = ZfsHostId.of(connection);
        HostSession session = zfsHosts.open(connection);
        try {
            ZfsFeatures known = features.get(key);
            ZfsCommandProvider zfs;
            if (known == null) {
                zfs = new ZfsCommandProvider("zfs", "zpool", Duration.ofMinutes(10), session.launcher());
                features.put(key, zfs.features());
            } else {
                zfs = new ZfsCommandProvider("zfs", "zpool", Duration.ofMinutes(10), session.launcher(), known);
            }
            ZfsFeatures used = zfs.features();
            Endpoint endpoint = new LocalEndpoint("zfs-host:" + name, zfs, ownershipRoot.resolve(name));
            return new Remote() {
                @Override
                public Endpoint endpoint() {
                    return endpoint;
                }

                @Override
                public void failed() {
                    features.remove(key, used);
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
