package io.snapferry.daemon.ssh;

import io.snapferry.dataset.DatasetProvider;

import io.snapferry.daemon.config.ConfigStore;
import io.snapferry.daemon.config.DataDir;
import io.snapferry.daemon.pools.Pools;
import io.snapferry.daemon.tasks.TaskHistory;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.ssh.client.ConnectionTest;
import io.snapferry.ssh.client.HostKey;
import io.snapferry.ssh.client.SshConnection;
import io.snapferry.ssh.client.SshConnector;
import io.snapferry.ssh.client.SshTransportException;
import io.snapferry.ssh.endpoint.EndpointIdentity;
import io.snapferry.ssh.endpoint.RemoteEndpoint;
import io.snapferry.ssh.keys.KeyException;
import io.snapferry.ssh.keys.KeyInfo;
import io.snapferry.ssh.keys.KeyPairs;
import io.snapferry.ssh.keys.KeyType;
import io.snapferry.ssh.keys.OpenSshKeys;
import io.snapferry.ssh.server.FilePeerRegistry;
import io.snapferry.ssh.server.Peer;
import io.snapferry.ssh.server.PeerRegistry;
import io.snapferry.ssh.server.SnapferrySshServer;
import io.snapferry.stream.FramedDatasetProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SSH between boxes, for the web API and the CLI: this box's key pairs ({@code keys/}), host key
 * ({@code keys/host_ed25519}), outbound connections ({@code config/connections/}), the peers
 * allowed in ({@code config/peers.json}), pairing tokens, and the {@code ssh-server} service.
 *
 * <p>The SSH server serves this box's datasets through a {@link FramedDatasetProvider}: every
 * stream leaving the box is framed, every stream entering is verified; each verification is
 * recorded in the task history as kind {@value #VERIFY_KIND}.
 *
 * <p>Thread-safe. Refusals are {@link SshConfigException}s naming the request field at fault.
 * Nothing here logs or returns private keys, passphrases or pairing tokens (a new token is
 * returned once, to its creator).
 */
public final class SshManager {
    private static final Logger LOG = LoggerFactory.getLogger(SshManager.class);
    /** The task history kind of a received stream's verification report. */
    public static final String VERIFY_KIND = "verify-receive";
    /** The remote user of a paired connection. */
    public static final String PAIRED_USER = "snapferry";

    private final DataDir dir;
    private final Pools pools;
    private final TaskHistory history;
    private final Supplier<Optional<String>> certificateSha256;
    private final String boxId;
    private final EndpointIdentity identity;
    private final KeyPairs keys;
    private final FilePeerRegistry peers;
    private final ConfigStore<ConnectionConfig> connections;
    private final PairTokens tokens;
    private final SshConnector connector;
    private final SshServerService service;

    /**
     * @param bindAddress       where the SSH server listens
     * @param sshPort           its port; 0 picks a free one
     * @param certificateSha256 the web API certificate's SHA-256 (hex), carried by pairing tokens;
     *                          empty when the API is served without TLS (then pairing tokens cannot be made)
     * @param served            the box's datasets as peers reach them: framed and verified at the boundary
     * @param owners            who owns each replication target on this box (shared with local replications)
     */
    public SshManager(DataDir dir, String bindAddress, int sshPort, Pools pools, TaskHistory history, Clock clock,
                      String softwareVersion, Supplier<Optional<String>> certificateSha256, DatasetProvider served,
                      io.snapferry.ssh.endpoint.OwnershipStore owners) throws IOException {
        this.dir = dir;
        this.pools = pools;
        this.history = history;
        this.certificateSha256 = certificateSha256;
        this.boxId = dir.boxId();
        this.identity = new EndpointIdentity(boxId, softwareVersion);
        this.keys = new KeyPairs(dir.keys());
        this.peers = new FilePeerRegistry(dir.config().resolve("peers.json"));
        this.connections = new ConfigStore<>(dir.config().resolve("connections"), ConnectionConfig.class, ConnectionConfig::name);
        this.tokens = new PairTokens(dir.state().resolve("pair-tokens.json"), clock);
        this.connector = new SshConnector(keys, identity);
        this.service = new SshServerService(new SnapferrySshServer.Settings(bindAddress, sshPort, hostKeyFile(), identity),
                peers, served, owners);
    }

    public Path hostKeyFile() {
        return dir.keys().resolve("host_ed25519");
    }

    /** The lifecycle service {@code ssh-server}. */
    public SshServerService service() {
        return service;
    }

    public String boxId() {
        return boxId;
    }

    public EndpointIdentity identity() {
        return identity;
    }

    /** This box's key pairs; for display use the {@code KeyInfo} methods, which hold no private key. */
    public KeyPairs keys() {
        return keys;
    }

    public PeerRegistry peerRegistry() {
        return peers;
    }

    public SshConnector connector() {
        return connector;
    }

    // ---------------------------------------------------------------- host key

    /** This box's SSH host key line and fingerprint; the SSH server must be running. */
    public HostKey hostKey() {
        return new HostKey(service.hostPublicKey(), service.hostKeyFingerprint());
    }

    // ---------------------------------------------------------------- key pairs

    public List<KeyInfo> keyPairs() {
        return keys.list();
    }

    public KeyInfo keyPair(String name) {
        return keyCall("name", () -> keys.show(name));
    }

    /** Generates a key pair; {@code type} is {@code ed25519} (default) or {@code rsa}. */
    public KeyInfo createKeyPair(String name, String type, String comment) {
        KeyType t = switch (type == null || type.isBlank() ? "ed25519" : type) {
            case "ed25519" -> KeyType.ED25519;
            case "rsa" -> KeyType.RSA_4096;
            default -> throw SshConfigException.invalid("type", "key type must be ed25519 or rsa, not '"
                    + type.replaceAll("[^\\x20-\\x7e]", "?") + "'");
        };
        refuseHostKeyName(name);
        KeyInfo k = keyCall("name", () -> keys.generate(name, t, comment));
        LOG.info("ssh: created key pair {} ({})", k.name(), k.fingerprint());
        return k;
    }

    /**
     * Imports a private key (OpenSSH or PEM text), decrypting it with {@code passphrase} when it is
     * encrypted. The key text passes through a private temporary file that is removed at once.
     */
    public KeyInfo importKeyPair(String name, String privateKey, Optional<char[]> passphrase) {
        refuseHostKeyName(name);
        keyCall("name", () -> KeyPairs.checkName(name));
        if (privateKey == null || privateKey.isBlank()) {
            throw SshConfigException.invalid("privateKey", "privateKey is required: the text of an OpenSSH or PEM private key file");
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir.state(), ".import-", ".key",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, privateKey.endsWith("\n") ? privateKey : privateKey + "\n", StandardCharsets.UTF_8);
            Path file = tmp;
            KeyInfo k;
            try {
                k = keyCall("privateKey", () -> keys.importKey(name, file, passphrase));
            } catch (SshConfigException e) {
                // the staging file's name means nothing to the caller
                String m = e.getMessage().replace(file.toString(), "the imported key").replace(file.getFileName().toString(), "the imported key");
                throw new SshConfigException(e.kind(), e.field().orElse(null), m, e.getCause());
            }
            LOG.info("ssh: imported key pair {} ({})", k.name(), k.fingerprint());
            return k;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage the imported key", e);
        } finally {
            passphrase.ifPresent(p -> Arrays.fill(p, '\0'));
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    LOG.warn("ssh: cannot remove the staged key file {}: {}", tmp, e.getMessage());
                }
            }
        }
    }

    /** Deletes a key pair; refused while a connection uses it. */
    public void deleteKeyPair(String name) {
        keyCall("name", () -> KeyPairs.checkName(name));
        List<String> users = connections.list().stream().filter(c -> c.keyPair().equals(name)).map(ConnectionConfig::name).toList();
        if (!users.isEmpty()) {
            throw new SshConfigException(SshConfigException.Kind.CONFLICT, "name", "key pair '" + name + "' is used by connection(s) "
                    + String.join(", ", users) + "; delete or change them first");
        }
        if (!keys.delete(name)) {
            throw new SshConfigException(SshConfigException.Kind.NOT_FOUND, "name", "no key pair named '" + name + "'");
        }
        LOG.info("ssh: deleted key pair {}", name);
    }

    private static void refuseHostKeyName(String name) {
        if ("host_ed25519".equals(name)) {
            throw SshConfigException.invalid("name", "'host_ed25519' is the name of this box's host key; choose another name");
        }
    }

    private static <T> T keyCall(String field, Supplier<T> call) {
        try {
            return call.get();
        } catch (KeyException e) {
            SshConfigException.Kind kind = switch (e.reason()) {
                case NOT_FOUND -> SshConfigException.Kind.NOT_FOUND;
                case ALREADY_EXISTS -> SshConfigException.Kind.CONFLICT;
                case IO -> throw e;
                default -> SshConfigException.Kind.INVALID;
            };
            String f = switch (e.reason()) {
                case BAD_PASSPHRASE -> "passphrase";
                case INVALID_NAME, NOT_FOUND, ALREADY_EXISTS -> field.equals("privateKey") ? "name" : field;
                default -> field;
            };
            throw new SshConfigException(kind, f, e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- connections

    public List<ConnectionConfig> connections() {
        return connections.list();
    }

    public ConnectionConfig connection(String name) {
        return connections.get(name == null ? "" : name).orElseThrow(() -> new SshConfigException(SshConfigException.Kind.NOT_FOUND,
                "name", "no connection named '" + safe(name) + "'"));
    }

    /** Saves a new connection; refuses a taken name. */
    public ConnectionConfig createConnection(ConnectionConfig c) {
        validate(c);
        synchronized (connections) {
            if (connections.get(c.name()).isPresent()) {
                throw new SshConfigException(SshConfigException.Kind.CONFLICT, "name", "a connection named '" + c.name() + "' exists already");
            }
            connections.put(c);
        }
        LOG.info("ssh: created connection {} to {}@{}:{} pinning host key {}", c.name(), c.user(), c.host(), c.port(),
                OpenSshKeys.fingerprint(c.hostKey()));
        return c;
    }

    /** Replaces a connection (same name). */
    public ConnectionConfig updateConnection(ConnectionConfig c) {
        connection(c.name());
        validate(c);
        connections.put(c);
        LOG.info("ssh: updated connection {}", c.name());
        return c;
    }

    public void deleteConnection(String name) {
        connection(name);
        connections.delete(name);
        LOG.info("ssh: deleted connection {}", name);
    }

    /** Checks every field, naming the first one at fault. */
    public void validate(ConnectionConfig c) {
        check("name", () -> KeyPairs.checkName(c.name(), "connection"));
        if (c.host() == null || !c.host().matches("[A-Za-z0-9.:_%\\[\\]-]{1,253}")) {
            throw SshConfigException.invalid("host", "host must be a host name or IP address");
        }
        if (c.port() < 1 || c.port() > 65535) {
            throw SshConfigException.invalid("port", "port must be 1 to 65535, not " + c.port());
        }
        if (c.user() == null || !c.user().matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}")) {
            throw SshConfigException.invalid("user", "user must be 1 to 32 of letters, digits, '_', '.' and '-'");
        }
        check("keyPair", () -> KeyPairs.checkName(c.keyPair()));
        if (!keys.exists(c.keyPair())) {
            throw SshConfigException.invalid("keyPair", "no key pair named '" + c.keyPair() + "'; create it with 'snapferry keypair create "
                    + c.keyPair() + "'");
        }
        if (c.hostKey() == null || c.hostKey().isBlank()) {
            throw SshConfigException.invalid("hostKey", "hostKey is required: the remote box's host key line ('ssh-ed25519 AAAA...'), "
                    + "from 'snapferry host-key' there, or discover it and confirm its fingerprint");
        }
        check("hostKey", () -> OpenSshKeys.parsePublicKey(c.hostKey()));
        if (c.connectTimeoutSeconds() < 1 || c.connectTimeoutSeconds() > 600) {
            throw SshConfigException.invalid("connectTimeoutSeconds", "the connect timeout must be 1 to 600 seconds");
        }
        check("ciphers", c::toSsh);
    }

    private static void check(String field, Runnable r) {
        try {
            r.run();
        } catch (KeyException | IllegalArgumentException e) {
            throw new SshConfigException(SshConfigException.Kind.INVALID, field, e.getMessage(), e);
        }
    }

    private static void check(String field, Supplier<?> r) {
        check(field, (Runnable) r::get);
    }

    /** Tries a connection end to end; never throws for a failure of the remote side. */
    public ConnectionTest test(String name) {
        return connector.test(connection(name).toSsh());
    }

    /**
     * Fetches a remote host key for a person to confirm. Throws {@link SshConfigException} (kind
     * REMOTE) when nothing answers as an SSH server.
     */
    public HostKey discoverHostKey(String host, int port) {
        if (host == null || !host.matches("[A-Za-z0-9.:_%\\[\\]-]{1,253}")) {
            throw SshConfigException.invalid("host", "host must be a host name or IP address");
        }
        if (port < 1 || port > 65535) {
            throw SshConfigException.invalid("port", "port must be 1 to 65535, not " + port);
        }
        try {
            return connector.discoverHostKey(host, port, Duration.ofSeconds(ConnectionConfig.DEFAULT_TIMEOUT_SECONDS));
        } catch (SshTransportException e) {
            throw new SshConfigException(SshConfigException.Kind.REMOTE, "host", e.getMessage(), e);
        }
    }

    /**
     * Opens the replication endpoint of the box behind connection {@code name}: connects, checks
     * the pinned host key, authenticates with the connection's key pair. The caller closes the
     * endpoint, which closes the SSH connection.
     *
     * @throws SshConfigException    when there is no such connection
     * @throws SshTransportException when the connection fails (its {@code failure()} says why)
     */
    public RemoteEndpoint openEndpoint(String name) throws IOException {
        SshConnection c = connection(name).toSsh();
        return connector.openEndpoint(c);
    }

    // ---------------------------------------------------------------- pairing, this box's side

    /**
     * Pairs with the box at {@code url} using its one-time {@code token}: creates key pair
     * {@code keyPair} when missing, sends its public key (and this box's id as the peer name), and
     * saves connection {@code name} with the host key the other box answered, pinned. On failure
     * nothing is saved (a key pair created for it is removed).
     *
     * @param keyPair     empty: the connection's name
     * @param permissions what this box asks for: receive, read or both (the token bounds it)
     */
    public ConnectionConfig pair(String name, String url, String token, Optional<String> keyPair, String permissions) {
        check("name", () -> KeyPairs.checkName(name, "connection"));
        String kp = keyPair.filter(s -> !s.isBlank()).orElse(name);
        check("keyPair", () -> KeyPairs.checkName(kp));
        refuseHostKeyName(kp);
        String perms = permissions(permissions);
        if (connections.get(name).isPresent()) {
            throw new SshConfigException(SshConfigException.Kind.CONFLICT, "name", "a connection named '" + name + "' exists already");
        }
        URI base = PairingClient.checkUrl(url);
        PairTokens.Parsed parsed = PairTokens.parse(token);
        boolean created = false;
        if (!keys.exists(kp)) {
            keyCall("keyPair", () -> keys.generate(kp));
            created = true;
        }
        try {
            String publicKey = keys.show(kp).publicKey();
            PairingClient.Answer a = PairingClient.pair(base, parsed, boxId, publicKey, perms);
            String host = base.getHost();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            ConnectionConfig c = new ConnectionConfig(name, host, a.sshPort(), PAIRED_USER, kp, a.hostKey(),
                    ConnectionConfig.DEFAULT_TIMEOUT_SECONDS, List.of());
            try {
                validate(c);
            } catch (SshConfigException e) {
                throw new SshConfigException(SshConfigException.Kind.REMOTE, "url", "the other box answered the pairing with an "
                        + "unusable connection: " + e.getMessage(), e);
            }
            createConnection(c);
            LOG.info("ssh: paired with box {} at {} as connection {}", a.boxId(), base, name);
            return c;
        } catch (RuntimeException e) {
            if (created) {
                keys.delete(kp);
            }
            throw e;
        }
    }

    private static String permissions(String p) {
        String v = p == null || p.isBlank() ? "both" : p;
        if (!List.of("receive", "read", "both").contains(v)) {
            throw SshConfigException.invalid("permissions", "permissions must be receive, read or both, not '" + safe(v) + "'");
        }
        return v;
    }

    // ---------------------------------------------------------------- pairing, the other box's side

    /**
     * Makes a one-time pairing token.
     *
     * @param permissions receive, read or both (default receive)
     * @param receiveRoot where the peer may receive; empty: {@code <first pool>/from-<peer name>}
     * @param readable    what the peer may read; needed when permissions include read
     */
    public PairTokens.Created createPairToken(String permissions, Optional<String> receiveRoot, List<String> readable, Duration ttl) {
        String perms = permissions == null || permissions.isBlank() ? "receive" : permissions(permissions);
        boolean receive = !perms.equals("read");
        boolean read = !perms.equals("receive");
        Optional<String> root = receiveRoot.filter(s -> !s.isBlank());
        if (!receive && root.isPresent()) {
            throw SshConfigException.invalid("receiveRoot", "a receive root needs permissions receive or both");
        }
        if (!read && !readable.isEmpty()) {
            throw SshConfigException.invalid("readable", "datasets to read need permissions read or both");
        }
        if (read && readable.isEmpty()) {
            throw SshConfigException.invalid("readable", "name at least one dataset the peer may read (--read DATASET)");
        }
        root.ifPresent(r -> dataset("receiveRoot", r));
        readable.forEach(r -> dataset("readable", r));
        if (receive && root.isEmpty() && pools.pools().isEmpty()) {
            throw SshConfigException.invalid("receiveRoot", "this box has no pool to receive into");
        }
        String cert = certificateSha256.get().orElseThrow(() -> SshConfigException.invalid(null,
                "pairing needs the web API served over HTTPS (the token carries its certificate's fingerprint); start the daemon without --http"));
        PairTokens.Created t = tokens.create(new PairTokens.Grant(receive, root, readable), ttl, cert);
        LOG.info("ssh: made a pairing token ({}, expires {})", perms, t.expiresAt());
        return t;
    }

    public List<PairTokens.Entry> pendingPairTokens() {
        return tokens.pending();
    }

    /** What this box answers a box that paired: where to connect and which host key to pin. */
    public record PairingAnswer(int sshPort, String hostKey, String boxId, Optional<String> receiveRoot, List<String> readable) {
    }

    /**
     * Accepts a pairing request: checks the inputs, uses the token (refused when wrong, used or
     * expired: then nothing is registered), and registers the caller as peer {@code name} with the
     * token's permissions, narrowed to those requested.
     */
    public PairingAnswer acceptPairing(String token, String name, String publicKey, String requested) {
        check("name", () -> KeyPairs.checkName(name, "peer"));
        if (publicKey == null || publicKey.isBlank()) {
            throw SshConfigException.invalid("publicKey", "publicKey is required");
        }
        check("publicKey", () -> OpenSshKeys.parsePublicKey(publicKey));
        String perms = permissions(requested);
        // nothing about this box's peers is told to a caller without a good token; a clash does not spend it
        if (!tokens.valid(token)) {
            throw refusedToken(name);
        }
        Optional<Peer> owner = peers.findByKey(OpenSshKeys.parsePublicKey(publicKey));
        if (owner.isPresent() && !owner.get().name().equals(name)) {
            throw new SshConfigException(SshConfigException.Kind.CONFLICT, "publicKey", "this key belongs to peer '" + owner.get().name()
                    + "' already");
        }
        PairTokens.Grant g = tokens.redeem(token).orElseThrow(() -> refusedToken(name));
        Optional<DatasetName> root = Optional.empty();
        if (g.receive() && !perms.equals("read")) {
            root = Optional.of(g.receiveRoot().map(r -> DatasetName.of(r)).orElseGet(() -> defaultReceiveRoot(name)));
        }
        List<DatasetName> readable = perms.equals("receive") ? List.of() : g.readable().stream().map(DatasetName::of).toList();
        Peer peer = new Peer(name, publicKey.strip(), root, readable);
        peers.put(peer);
        root.ifPresent(this::createIfMissing);
        LOG.info("ssh: paired peer {} ({}), receive root {}, readable {}", name, peer.fingerprint(),
                root.map(DatasetName::value).orElse("none"), readable);
        return new PairingAnswer(service.port(), service.hostPublicKey(), boxId, root.map(DatasetName::value),
                readable.stream().map(DatasetName::value).toList());
    }

    private static SshConfigException refusedToken(String name) {
        LOG.warn("ssh: refused a pairing from {} with a wrong, used or expired token", name);
        return new SshConfigException(SshConfigException.Kind.REFUSED, "token", "the pairing token is wrong, used already or "
                + "expired; make a new one with 'snapferry pair-token' on this box");
    }

    private DatasetName defaultReceiveRoot(String peerName) {
        String pool = pools.pools().keySet().stream().findFirst()
                .orElseThrow(() -> SshConfigException.invalid("token", "this box has no pool to receive into"));
        return DatasetName.of(pool + "/from-" + peerName);
    }

    private void createIfMissing(DatasetName d) {
        try {
            if (pools.datasets(Optional.of(d)).isEmpty()) {
                pools.providerOf(d).createDataset(d);
            }
        } catch (DatasetException e) {
            if (e.code() == io.snapferry.dataset.ErrorCode.NOT_FOUND) {
                try {
                    pools.providerOf(d).createDataset(d);
                    return;
                } catch (RuntimeException again) {
                    LOG.warn("ssh: cannot create the receive root {}: {}", d, again.getMessage());
                    return;
                }
            }
            LOG.warn("ssh: cannot create the receive root {}: {}", d, e.getMessage());
        }
    }

    // ---------------------------------------------------------------- peers

    public List<Peer> peers() {
        return peers.list();
    }

    public Peer peer(String name) {
        return peers.find(name == null ? "" : name).orElseThrow(() -> new SshConfigException(SshConfigException.Kind.NOT_FOUND, "name",
                "no peer named '" + safe(name) + "'"));
    }

    /**
     * Changes a peer's permissions.
     *
     * @param receiveRoot empty: unchanged; Optional.of(Optional.empty()): it may receive nowhere
     * @param readable    empty: unchanged
     */
    public Peer updatePeer(String name, Optional<Optional<String>> receiveRoot, Optional<List<String>> readable) {
        Peer old = peer(name);
        Optional<DatasetName> root = receiveRoot.isPresent()
                ? receiveRoot.get().filter(s -> !s.isBlank()).map(r -> dataset("receiveRoot", r))
                : old.receiveRoot();
        List<DatasetName> read = readable.isPresent() ? readable.get().stream().map(r -> dataset("readable", r)).toList() : old.readable();
        Peer p = new Peer(old.name(), old.publicKey(), root, read);
        peers.put(p);
        LOG.info("ssh: updated peer {}: receive root {}, readable {}", name, root.map(DatasetName::value).orElse("none"), read);
        return p;
    }

    public void deletePeer(String name) {
        peer(name);
        peers.remove(name);
        LOG.info("ssh: removed peer {}", name);
    }

    private DatasetName dataset(String field, String value) {
        DatasetName d;
        try {
            d = DatasetName.of(value);
        } catch (DatasetException e) {
            throw new SshConfigException(SshConfigException.Kind.INVALID, field, e.getMessage(), e);
        }
        if (!pools.pools().containsKey(d.pool())) {
            throw SshConfigException.invalid(field, "pool " + d.pool() + " does not exist on this box (pools: "
                    + String.join(", ", pools.pools().keySet()) + ")");
        }
        return d;
    }

    private static String safe(String s) {
        if (s == null) {
            return "";
        }
        String shown = s.replaceAll("[^\\x20-\\x7e]", "?");
        return shown.length() > 80 ? shown.substring(0, 80) + "..." : shown;
    }
}
