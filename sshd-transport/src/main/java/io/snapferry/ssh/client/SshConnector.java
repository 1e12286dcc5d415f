package io.snapferry.ssh.client;

import io.snapferry.ssh.endpoint.EndpointIdentity;
import io.snapferry.ssh.endpoint.Hello;
import io.snapferry.ssh.endpoint.RemoteEndpoint;
import io.snapferry.ssh.keys.KeyException;
import io.snapferry.ssh.keys.KeyPairs;
import io.snapferry.ssh.keys.OpenSshKeys;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.future.AuthFuture;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * Opens SSH connections to other boxes. The remote host key is checked strictly against the
 * connection's pinned key on every connection; a different key is refused with both fingerprints,
 * never accepted. Nothing under {@code ~/.ssh} is read. Thread-safe; each connection gets its own
 * MINA client, closed with the session.
 */
public final class SshConnector {
    /** Channel window: large, so one channel can keep a fast link full. */
    public static final long WINDOW_SIZE = 16L * 1024 * 1024;
    /** Largest channel data packet. */
    public static final long PACKET_SIZE = 128L * 1024;
    /**
     * How often an open session sends a keepalive request (with want-reply) to the remote: it
     * keeps a session that waits on the remote alive on the remote's side (a snapferry server
     * drops a session it hears nothing from for {@code SnapferrySshServer.IDLE_TIMEOUT}).
     */
    public static final Duration KEEPALIVE_INTERVAL = Duration.ofSeconds(10);
    /** A session whose remote leaves this many keepalives in a row unanswered is closed as lost. */
    public static final int KEEPALIVE_MAX_UNANSWERED = 3;

    /**
     * Key exchanges in order of preference: Curve25519 first (fast in Java), the hybrid
     * post-quantum ML-KEM exchange and NIST curves as fallbacks.
     */
    static final List<BuiltinDHFactories> KEX = List.of(BuiltinDHFactories.curve25519, BuiltinDHFactories.curve25519_libssh,
            BuiltinDHFactories.mlkem768x25519, BuiltinDHFactories.ecdhp256, BuiltinDHFactories.ecdhp384, BuiltinDHFactories.dhg16_512);

    private final KeyPairs keys;
    private final EndpointIdentity self;

    /** @param self this box's identity, said in the endpoint hello */
    public SshConnector(KeyPairs keys, EndpointIdentity self) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.self = Objects.requireNonNull(self, "self");
    }

    private static SshClient newClient(List<String> ciphers) {
        SshClient client = SshClient.setUpDefaultClient();
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.setUserAuthFactories(List.of(new UserAuthPublicKeyFactory()));
        List<NamedFactory<Cipher>> factories = new ArrayList<>();
        for (String c : ciphers) {
            factories.add(BuiltinCiphers.fromFactoryName(c));
        }
        client.setCipherFactories(factories);
        client.setKeyExchangeFactories(NamedFactory.setUpTransformedFactories(false, KEX, ClientBuilder.DH2KEX));
        CoreModuleProperties.WINDOW_SIZE.set(client, WINDOW_SIZE);
        CoreModuleProperties.MAX_PACKET_SIZE.set(client, PACKET_SIZE);
        CoreModuleProperties.NIO2_READ_BUFFER_SIZE.set(client, 256 * 1024);
        CoreModuleProperties.REQUEST_SUBSYSTEM_REPLY.set(client, true);
        CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, KEEPALIVE_INTERVAL);
        CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, KEEPALIVE_MAX_UNANSWERED);
        return client;
    }

    /**
     * Connects, checks the host key, and authenticates with the connection's key pair.
     *
     * @throws SshTransportException with the {@link SshFailure} that explains it
     * @throws KeyException          when the connection's key pair is missing or unreadable
     */
    public SshSession open(SshConnection c) throws SshTransportException {
        KeyPair identity = keys.keyPair(c.keyPair());
        PublicKey expected = OpenSshKeys.parsePublicKey(c.hostKey());
        AtomicReference<PublicKey> presented = new AtomicReference<>();
        SshClient client = newClient(c.ciphers());
        client.setServerKeyVerifier((session, address, key) -> {
            presented.set(key);
            return KeyUtils.compareKeys(expected, key);
        });
        client.start();
        long deadline = System.nanoTime() + c.connectTimeout().toNanos();
        ClientSession session = null;
        try {
            session = connect(client, c.user(), c.host(), c.port(), c.connectTimeout());
            session.addPublicKeyIdentity(identity);
            AuthFuture auth = session.auth();
            Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
            if (!auth.await(left)) {
                auth.cancel();
                throw new SshTransportException(SshFailure.TIMEOUT, where(c.host(), c.port()) + " accepted the connection but did not complete "
                        + (presented.get() == null ? "the SSH handshake" : "authentication") + " within " + c.connectTimeout()
                        + ": is it an SSH server, and is it overloaded?", null);
            }
            if (!auth.isSuccess()) {
                Throwable cause = failureOf(auth);
                PublicKey got = presented.get();
                if (got != null && !KeyUtils.compareKeys(expected, got)) {
                    throw new SshTransportException(SshFailure.HOST_KEY_MISMATCH, "host key mismatch for " + where(c.host(), c.port())
                            + ": expected " + OpenSshKeys.fingerprint(expected) + ", got " + OpenSshKeys.fingerprint(got)
                            + "; if the remote box's key changed on purpose, update the connection with 'snapferry connection update "
                            + c.name() + " --host-key ...'", cause);
                }
                if (got == null) {
                    if (lost(session, cause)) {
                        throw handshakeLost(c.host(), c.port(), "before the key exchange completed", cause);
                    }
                    throw new SshTransportException(SshFailure.PROTOCOL_ERROR, where(c.host(), c.port())
                            + " did not complete an SSH key exchange: " + message(cause), cause);
                }
                if (lost(session, cause)) {
                    throw handshakeLost(c.host(), c.port(), "during authentication", cause);
                }
                throw new SshTransportException(SshFailure.AUTH_FAILED, where(c.host(), c.port()) + " did not accept key pair '"
                        + c.keyPair() + "' (" + keys.show(c.keyPair()).fingerprint() + ") for user " + c.user()
                        + ": add its public key on the remote box", cause);
            }
            return new SshSession(client, session, c);
        } catch (SshTransportException e) {
            closeQuietly(session, client);
            throw e;
        } catch (IOException | RuntimeException e) {
            closeQuietly(session, client);
            throw classify(e, c.host(), c.port(), c.connectTimeout());
        }
    }

    private static Throwable failureOf(AuthFuture auth) {
        try {
            auth.verify(Duration.ofMillis(1));
            return null;
        } catch (IOException e) {
            return e;
        }
    }

    private static ClientSession connect(SshClient client, String user, String host, int port, Duration timeout) throws IOException {
        ConnectFuture cf;
        try {
            cf = client.connect(user, host, port);
        } catch (IOException | RuntimeException e) {
            throw classify(e, host, port, timeout);
        }
        if (!cf.await(timeout)) {
            cf.cancel();
            throw new SshTransportException(SshFailure.TIMEOUT, "no answer from " + where(host, port) + " within " + timeout
                    + ": is the box on and reachable, and the port right?", null);
        }
        try {
            return cf.verify(Duration.ofMillis(1)).getClientSession();
        } catch (IOException | RuntimeException e) {
            throw classify(e, host, port, timeout);
        }
    }

    /**
     * Whether a failed handshake failed because the connection went away (the link cut, the
     * remote stopped) rather than because the remote said no: the session is closed, or the cause
     * is an end of stream or a reset.
     */
    static boolean lost(ClientSession session, Throwable cause) {
        if (connectionLoss(cause)) {
            return true;
        }
        // A remote that refuses says so with a DISCONNECT message (a reason code): that is its answer, not a lost link.
        return session != null && (session.isClosing() || session.isClosed()) && !disconnectedByRemote(cause);
    }

    private static boolean disconnectedByRemote(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof org.apache.sshd.common.SshException s && s.getDisconnectCode() != 0) {
                return true;
            }
        }
        return false;
    }

    /** An end of stream, a reset or a closed channel: the connection went away, it was not refused. */
    private static boolean connectionLoss(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof java.io.EOFException || t instanceof java.nio.channels.ClosedChannelException) {
                return true;
            }
            String m = t.getMessage();
            if (m != null && (m.contains("Connection reset") || m.contains("Broken pipe"))) {
                return true;
            }
        }
        return false;
    }

    static SshTransportException handshakeLost(String host, int port, String when, Throwable cause) {
        return new SshTransportException(SshFailure.CONNECTION_LOST, "the connection to " + where(host, port) + " was closed " + when
                + " (" + message(cause) + "): the link or the remote box went away; check the network and that the remote's "
                + "SSH server runs, then retry", cause);
    }

    static SshTransportException classify(Throwable e, String host, int port, Duration timeout) {
        if (connectionLoss(e)) {
            return handshakeLost(host, port, "during the SSH handshake", e);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException && !(t instanceof NoRouteToHostException)) {
                return new SshTransportException(SshFailure.REFUSED, where(host, port) + " refused the connection: nothing listens on port "
                        + port + " (is the SSH server running, and the port right?)", e);
            }
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return new SshTransportException(SshFailure.UNREACHABLE, "unknown host " + host + ": check the name", e);
            }
            if (t instanceof java.net.SocketException && t.getMessage() != null
                    && (t.getMessage().contains("Network is unreachable") || t.getMessage().contains("Host is down"))) {
                return new SshTransportException(SshFailure.UNREACHABLE, "no route to " + host + " (" + t.getMessage()
                        + "): check the address and the network", e);
            }
            if (t instanceof NoRouteToHostException) {
                return new SshTransportException(SshFailure.UNREACHABLE, "no route to " + host + ": check the address and the network", e);
            }
            if (t instanceof java.net.SocketTimeoutException || t instanceof java.nio.channels.InterruptedByTimeoutException) {
                return new SshTransportException(SshFailure.TIMEOUT, "no answer from " + where(host, port) + " within " + timeout, e);
            }
        }
        return new SshTransportException(SshFailure.PROTOCOL_ERROR, "SSH connection to " + where(host, port) + " failed: " + message(e), e);
    }

    private static String where(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static String message(Throwable e) {
        if (e == null) {
            return "unknown reason";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static void closeQuietly(ClientSession session, SshClient client) {
        try {
            if (session != null) {
                session.close(true);
            }
        } finally {
            client.stop();
        }
    }

    /**
     * Opens the connection and the remote's replication endpoint. Closing the endpoint closes the
     * SSH connection too.
     */
    public RemoteEndpoint openEndpoint(SshConnection c) throws IOException {
        SshSession session = open(c);
        try {
            return session.endpoint(self, true);
        } catch (IOException | RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /**
     * Fetches the remote's host key without authenticating, for a person to confirm its
     * fingerprint before pinning it. The connection is dropped after the key exchange starts.
     */
    public HostKey discoverHostKey(String host, int port, Duration timeout) throws SshTransportException {
        AtomicReference<PublicKey> presented = new AtomicReference<>();
        SshClient client = newClient(SshConnection.DEFAULT_CIPHERS);
        client.setServerKeyVerifier((session, address, key) -> {
            presented.set(key);
            return false;
        });
        client.start();
        ClientSession session = null;
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            session = connect(client, "snapferry", host, port, timeout);
            while (presented.get() == null && session.isOpen() && System.nanoTime() < deadline) {
                session.waitFor(List.of(org.apache.sshd.client.session.ClientSession.ClientSessionEvent.CLOSED), Duration.ofMillis(50));
            }
            PublicKey key = presented.get();
            if (key == null) {
                throw new SshTransportException(session.isOpen() ? SshFailure.TIMEOUT : SshFailure.PROTOCOL_ERROR,
                        where(host, port) + " did not present an SSH host key" + (session.isOpen() ? " within " + timeout : ""), null);
            }
            return new HostKey(OpenSshKeys.publicKeyLine(key, ""), OpenSshKeys.fingerprint(key));
        } catch (SshTransportException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw classify(e, host, port, timeout);
        } finally {
            closeQuietly(session, client);
        }
    }

    /**
     * Tries a connection end to end and says what happened: connect, host key, authentication,
     * and for a snapferry box the endpoint hello. Never throws for a failure of the remote side.
     */
    public ConnectionTest test(SshConnection c) {
        try (SshSession session = open(c)) {
            if (session.isSnapferry()) {
                try (RemoteEndpoint endpoint = session.endpoint(self)) {
                    Hello h = endpoint.hello();
                    String version = "snapferry " + h.remote().softwareVersion() + " on box " + h.remote().boxId()
                            + ", protocol " + h.protocolVersion();
                    return new ConnectionTest(ConnectionTest.Outcome.OK, "connected to " + version + " as peer " + h.peerName(),
                            Optional.of(version));
                }
            }
            String version = session.serverVersion();
            return new ConnectionTest(ConnectionTest.Outcome.OK, "connected to " + version, Optional.of(version));
        } catch (SshTransportException e) {
            return new ConnectionTest(ConnectionTest.Outcome.of(e.failure()), e.getMessage(), Optional.empty());
        } catch (KeyException e) {
            return new ConnectionTest(ConnectionTest.Outcome.LOCAL_ERROR, e.getMessage(), Optional.empty());
        } catch (IOException | RuntimeException e) {
            return new ConnectionTest(ConnectionTest.Outcome.PROTOCOL_ERROR, "connected, but the endpoint failed: " + message(e), Optional.empty());
        }
    }
}
