package io.snapferry.ssh.server;

import io.snapferry.dataset.DatasetProvider;
import io.snapferry.ssh.endpoint.EndpointIdentity;
import io.snapferry.ssh.endpoint.EndpointServer;
import io.snapferry.ssh.endpoint.OwnershipStore;
import io.snapferry.ssh.keys.KeyType;
import io.snapferry.ssh.keys.OpenSshKeys;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.channel.ChannelSessionFactory;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.apache.sshd.server.subsystem.SubsystemFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The box's SSH server. Peers authenticate with their public key only (no password, no
 * keyboard-interactive, no GSSAPI, no host-based); an authenticated peer may open session
 * channels whose only accepted request is the subsystem {@value EndpointServer#SUBSYSTEM}:
 * shell and exec requests, every kind of forwarding (TCP both ways, agent, X11) and any other
 * subsystem (SFTP included) are refused.
 *
 * <p>Ciphers offered: {@code aes128-gcm@openssh.com} and {@code aes256-gcm@openssh.com} only.
 *
 * <p>The host key is an Ed25519 key generated at the first start and kept in
 * {@link Settings#hostKeyFile()} (mode 0600). Lifecycle: {@link #start()} once, {@link #close()}
 * once; {@link #state()} tells where it is. Thread-safe.
 */
public final class SnapferrySshServer implements AutoCloseable {
    /** The session attribute holding the authenticated peer's name. */
    static final AttributeRepository.AttributeKey<String> PEER = new AttributeRepository.AttributeKey<>();
    /** Channel window: large, so one channel can keep a fast link full. */
    public static final long WINDOW_SIZE = 16L * 1024 * 1024;
    /** Largest channel data packet. */
    public static final long PACKET_SIZE = 128L * 1024;
    /**
     * A session nothing arrives on for this long is closed, and with it whatever it was doing (a
     * receive is aborted, nothing partial kept): its client is gone, e.g. the link was cut.
     * snapferry clients send a keepalive every {@code SshConnector.KEEPALIVE_INTERVAL}, so a
     * session that is only waiting is never idle this long.
     */
    public static final java.time.Duration IDLE_TIMEOUT = java.time.Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(SnapferrySshServer.class);

    /** Where the server lives and who it says it is. */
    public record Settings(String bindAddress, int port, Path hostKeyFile, EndpointIdentity identity) {
        public Settings {
            Objects.requireNonNull(bindAddress, "bindAddress");
            Objects.requireNonNull(hostKeyFile, "hostKeyFile");
            Objects.requireNonNull(identity, "identity");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is not 0..65535");
            }
        }
    }

    /** The lifecycle every long-running part follows. */
    public enum State { NEW, STARTING, RUNNING, STOPPING, TERMINATED, FAILED }

    private final Settings settings;
    private final PeerRegistry peers;
    private final DatasetProvider provider;
    private final OwnershipStore owners;
    private volatile State state = State.NEW;
    private SshServer sshd;
    private ExecutorService workers;
    private KeyPair hostKey;

    /** A server whose target owners are kept in memory, for the server's lifetime. */
    public SnapferrySshServer(Settings settings, PeerRegistry peers, DatasetProvider provider) {
        this(settings, peers, provider, OwnershipStore.inMemory());
    }

    /**
     * @param owners where the owners of targets replicated into this box are kept; shared by all
     *               connections, so it must be safe for concurrent use
     */
    public SnapferrySshServer(Settings settings, PeerRegistry peers, DatasetProvider provider, OwnershipStore owners) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.peers = Objects.requireNonNull(peers, "peers");
        this.provider = Objects.requireNonNull(provider, "provider");
        this.owners = Objects.requireNonNull(owners, "owners");
    }

    /** Loads (or creates) the host key and starts listening. */
    public synchronized void start() throws IOException {
        if (state != State.NEW) {
            throw new IllegalStateException("the SSH server was started already (state " + state + ")");
        }
        state = State.STARTING;
        try {
            hostKey = loadOrCreateHostKey(settings.hostKeyFile());
            AtomicInteger threads = new AtomicInteger();
            workers = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "snapferry-endpoint-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            sshd = SshServer.setUpDefaultServer();
            sshd.setHost(settings.bindAddress());
            sshd.setPort(settings.port());
            sshd.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
            sshd.setUserAuthFactories(List.of(new UserAuthPublicKeyFactory()));
            sshd.setPasswordAuthenticator(null);
            sshd.setKeyboardInteractiveAuthenticator(null);
            sshd.setGSSAuthenticator(null);
            sshd.setHostBasedAuthenticator(null);
            sshd.setPublickeyAuthenticator((username, key, session) -> {
                Optional<Peer> peer = peers.findByKey(key);
                if (peer.isEmpty()) {
                    LOG.info("ssh: refused unknown key {} from {}", OpenSshKeys.fingerprint(key), session.getClientAddress());
                    return false;
                }
                session.setAttribute(PEER, peer.get().name());
                return true;
            });
            sshd.setShellFactory(null);
            sshd.setCommandFactory(null);
            sshd.setForwardingFilter(RejectAllForwardingFilter.INSTANCE);
            sshd.setAgentFactory(null);
            sshd.setChannelFactories(List.of(ChannelSessionFactory.INSTANCE));
            SubsystemFactory endpoint = new SubsystemFactory() {
                @Override
                public String getName() {
                    return EndpointServer.SUBSYSTEM;
                }

                @Override
                public org.apache.sshd.server.command.Command createSubsystem(org.apache.sshd.server.channel.ChannelSession channel) {
                    return new EndpointSubsystem(provider, owners, peers, settings.identity(), workers);
                }
            };
            sshd.setSubsystemFactories(List.of(endpoint));
            // AES-GCM only: the client's order decides, and OpenSSH clients list ChaCha20 and AES-CTR
            // before AES-GCM; ChaCha20 runs at a quarter of AES-GCM's speed in Java
            List<NamedFactory<Cipher>> ciphers = List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm);
            sshd.setCipherFactories(ciphers);
            tune(sshd);
            CoreModuleProperties.IDLE_TIMEOUT.set(sshd, IDLE_TIMEOUT);
            CoreModuleProperties.SERVER_IDENTIFICATION.set(sshd, "snapferry_" + settings.identity().softwareVersion());
            sshd.start();
            state = State.RUNNING;
            LOG.info("ssh: listening on {} with host key {}", sshd.getBoundAddresses(), hostKeyFingerprint());
        } catch (IOException | RuntimeException e) {
            state = State.FAILED;
            if (sshd != null) {
                sshd.stop(true);
            }
            if (workers != null) {
                workers.shutdownNow();
            }
            throw e;
        }
    }

    /** Sets the window and packet sizes that keep a loopback or LAN link full. */
    private static void tune(org.apache.sshd.common.FactoryManager manager) {
        CoreModuleProperties.WINDOW_SIZE.set(manager, WINDOW_SIZE);
        CoreModuleProperties.MAX_PACKET_SIZE.set(manager, PACKET_SIZE);
        CoreModuleProperties.NIO2_READ_BUFFER_SIZE.set(manager, 256 * 1024);
    }

    static KeyPair loadOrCreateHostKey(Path file) {
        if (Files.exists(file)) {
            try {
                var mode = Files.getPosixFilePermissions(file);
                mode.removeAll(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                if (!mode.isEmpty()) {
                    LOG.warn("ssh: the host key file {} is readable by others ({}): set its mode to 0600", file,
                            java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
                }
            } catch (IOException | UnsupportedOperationException e) {
                LOG.warn("ssh: cannot check the mode of the host key file {}: {}", file, e.getMessage());
            }
            return OpenSshKeys.readPrivateKey(file, Optional.empty());
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot create the directory of " + file, e);
        }
        KeyPair pair = OpenSshKeys.generate(KeyType.ED25519);
        OpenSshKeys.writePrivateKey(file, pair, "snapferry-host");
        return pair;
    }

    public State state() {
        return state;
    }

    /** The port the server listens on (the real one when started with port 0). */
    public int port() {
        requireRunning();
        for (SocketAddress a : sshd.getBoundAddresses()) {
            if (a instanceof InetSocketAddress inet) {
                return inet.getPort();
            }
        }
        throw new IllegalStateException("the SSH server is bound to no address");
    }

    /** The host key's fingerprint as OpenSSH prints it ({@code SHA256:...}). */
    public String hostKeyFingerprint() {
        requireKey();
        return OpenSshKeys.fingerprint(hostKey.getPublic());
    }

    /** The host public key in OpenSSH one-line format, for a peer to pin. */
    public String hostPublicKey() {
        requireKey();
        return OpenSshKeys.publicKeyLine(hostKey.getPublic(), "");
    }

    private void requireKey() {
        if (hostKey == null) {
            throw new IllegalStateException("the SSH server has not started: no host key loaded yet");
        }
    }

    private void requireRunning() {
        if (state != State.RUNNING) {
            throw new IllegalStateException("the SSH server is not running (state " + state + ")");
        }
    }

    /** Stops listening and closes every session. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (state == State.TERMINATED || state == State.NEW) {
            state = State.TERMINATED;
            return;
        }
        state = State.STOPPING;
        try {
            if (sshd != null) {
                sshd.stop(true);
            }
        } finally {
            if (workers != null) {
                workers.shutdownNow();
            }
            state = State.TERMINATED;
        }
    }

    @Override
    public String toString() {
        return "SnapferrySshServer[" + settings.bindAddress() + ":" + settings.port() + ", " + state + "]";
    }
}
