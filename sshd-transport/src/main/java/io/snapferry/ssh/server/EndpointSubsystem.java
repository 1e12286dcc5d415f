package io.snapferry.ssh.server;

import io.snapferry.dataset.DatasetProvider;
import io.snapferry.ssh.endpoint.EndpointIdentity;
import io.snapferry.ssh.endpoint.EndpointServer;
import io.snapferry.ssh.endpoint.OwnershipStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.channel.ChannelSessionAware;
import org.apache.sshd.server.command.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One endpoint subsystem channel: an {@link EndpointServer} for the authenticated peer, on its own thread. */
final class EndpointSubsystem implements Command, ChannelSessionAware {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointSubsystem.class);
    private final DatasetProvider provider;
    private final OwnershipStore owners;
    private final PeerRegistry peers;
    private final EndpointIdentity identity;
    private final ExecutorService workers;
    private ChannelInput input;
    private OutputStream out;
    private ExitCallback exit;

    EndpointSubsystem(DatasetProvider provider, OwnershipStore owners, PeerRegistry peers, EndpointIdentity identity,
            ExecutorService workers) {
        this.provider = provider;
        this.owners = owners;
        this.peers = peers;
        this.identity = identity;
        this.workers = workers;
    }

    @Override
    public void setChannelSession(ChannelSession session) {
        input = new ChannelInput(session);
        session.setDataReceiver(input);
    }

    @Override
    public void setInputStream(InputStream in) {
        // data arrives through the ChannelDataReceiver installed in setChannelSession
    }

    @Override
    public void setOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
        // the protocol reports errors in its own messages
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
        this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) throws IOException {
        String name = channel.getSession().getAttribute(SnapferrySshServer.PEER);
        Optional<Peer> peer = name == null ? Optional.empty() : peers.find(name);
        if (peer.isEmpty()) {
            throw new IOException("the authenticated peer is no longer registered");
        }
        EndpointServer server = new EndpointServer(provider, peer.get(), identity, owners);
        workers.execute(() -> {
            int status = 0;
            String message = "";
            OutputStream buffered = new BufferedOutputStream(out, 256 * 1024);
            try {
                server.serve(input, buffered);
                buffered.flush();
            } catch (IOException | RuntimeException e) {
                if (channel.isOpen() && !channel.isClosing()) {
                    status = 1;
                    message = String.valueOf(e.getMessage());
                    LOG.info("endpoint session of peer {} ended: {}", peer.get().name(), message);
                } else {
                    LOG.debug("endpoint session of peer {} ended with its channel: {}", peer.get().name(), e.toString());
                }
            } finally {
                try {
                    buffered.close();
                } catch (IOException ignored) {
                    // the client closed the channel first: nothing left to say
                }
            }
            exit.onExit(status, message);
        });
    }

    @Override
    public void destroy(ChannelSession channel) {
        if (input != null) {
            input.close();
        }
    }
}
