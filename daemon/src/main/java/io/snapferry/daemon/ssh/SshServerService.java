package io.snapferry.daemon.ssh;

import io.snapferry.daemon.lifecycle.AbstractService;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.ssh.server.PeerRegistry;
import io.snapferry.ssh.server.SnapferrySshServer;

/**
 * The box's SSH server ({@link SnapferrySshServer}) as the lifecycle service {@code ssh-server}.
 * Thread-safe; {@link #port()} and the host key accessors need the service running.
 */
public final class SshServerService extends AbstractService {
    private final SnapferrySshServer.Settings settings;
    private final PeerRegistry peers;
    private final DatasetProvider provider;
    private volatile SnapferrySshServer server;

    private final io.snapferry.ssh.endpoint.OwnershipStore owners;

    public SshServerService(SnapferrySshServer.Settings settings, PeerRegistry peers, DatasetProvider provider,
                            io.snapferry.ssh.endpoint.OwnershipStore owners) {
        super("ssh-server");
        this.settings = settings;
        this.peers = peers;
        this.provider = provider;
        this.owners = owners;
    }

    @Override
    protected void doStart() throws Exception {
        SnapferrySshServer s = new SnapferrySshServer(settings, peers, provider, owners);
        s.start();
        server = s;
    }

    @Override
    protected void doStop() throws Exception {
        SnapferrySshServer s = server;
        if (s != null) {
            s.close();
        }
    }

    private SnapferrySshServer running() {
        SnapferrySshServer s = server;
        if (s == null || s.state() != SnapferrySshServer.State.RUNNING) {
            throw new IllegalStateException("the SSH server is not running (service state " + state() + ")");
        }
        return s;
    }

    /** The bound port (the real one when configured with port 0). */
    public int port() {
        return running().port();
    }

    /** The host public key line, for a peer to pin. */
    public String hostPublicKey() {
        return running().hostPublicKey();
    }

    /** The host key's fingerprint, as {@code ssh-keygen -l} prints it. */
    public String hostKeyFingerprint() {
        return running().hostKeyFingerprint();
    }
}
