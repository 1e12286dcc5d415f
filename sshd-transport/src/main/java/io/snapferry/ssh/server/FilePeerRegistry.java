package io.snapferry.ssh.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.snapferry.dataset.DatasetName;
import io.snapferry.ssh.keys.OpenSshKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.sshd.common.config.keys.KeyUtils;

/**
 * A {@link PeerRegistry} kept in a JSON file ({@code peers.json}), rewritten atomically (a
 * temporary file moved into place) on every change, mode 0600. The file is read once at
 * construction; changes go through this object. Thread-safe.
 *
 * <pre>{"peers":[{"name":"boxb","publicKey":"ssh-ed25519 AAAA... c","receiveRoot":"pool/fromB","readable":["pool/data"]}]}</pre>
 */
public final class FilePeerRegistry implements PeerRegistry {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Path file;
    private final TreeMap<String, Peer> peers = new TreeMap<>();

    /** Opens the registry in {@code file}; a missing file is an empty registry. */
    public FilePeerRegistry(Path file) {
        this.file = file;
        if (Files.exists(file)) {
            load();
        }
    }

    private void load() {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the peer list " + file + ": " + e.getMessage(), e);
        }
        JsonNode list = root == null ? null : root.get("peers");
        if (list == null || !list.isArray()) {
            throw new IllegalStateException(file + " is not a peer list: expected {\"peers\": [...]}");
        }
        for (JsonNode n : list) {
            try {
                Optional<DatasetName> receiveRoot = n.hasNonNull("receiveRoot")
                        ? Optional.of(DatasetName.of(n.get("receiveRoot").asText())) : Optional.empty();
                List<DatasetName> readable = new ArrayList<>();
                if (n.has("readable")) {
                    for (JsonNode r : n.get("readable")) {
                        readable.add(DatasetName.of(r.asText()));
                    }
                }
                Peer p = new Peer(n.get("name").asText(), n.get("publicKey").asText(), receiveRoot, readable);
                peers.put(p.name(), p);
            } catch (RuntimeException e) {
                throw new IllegalStateException(file + " has a bad peer entry: " + e.getMessage(), e);
            }
        }
    }

    private void save() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("peers");
        for (Peer p : peers.values()) {
            ObjectNode n = list.addObject();
            n.put("name", p.name());
            n.put("publicKey", p.publicKey());
            p.receiveRoot().ifPresent(r -> n.put("receiveRoot", r.value()));
            ArrayNode rs = n.putArray("readable");
            p.readable().forEach(r -> rs.add(r.value()));
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            OpenSshKeys.writeAtomically(file, JSON.writeValueAsBytes(root), PosixFilePermissions.fromString("rw-------"), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the peer list " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized List<Peer> list() {
        return List.copyOf(peers.values());
    }

    @Override
    public synchronized Optional<Peer> find(String name) {
        return Optional.ofNullable(peers.get(name));
    }

    @Override
    public synchronized Optional<Peer> findByKey(PublicKey key) {
        for (Peer p : peers.values()) {
            if (KeyUtils.compareKeys(p.key(), key)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized void put(Peer peer) {
        for (Peer p : peers.values()) {
            if (!p.name().equals(peer.name()) && KeyUtils.compareKeys(p.key(), peer.key())) {
                throw new IllegalArgumentException("the key " + peer.fingerprint() + " already belongs to peer " + p.name());
            }
        }
        Peer before = peers.put(peer.name(), peer);
        try {
            save();
        } catch (RuntimeException e) {
            if (before == null) {
                peers.remove(peer.name());
            } else {
                peers.put(before.name(), before);
            }
            throw e;
        }
    }

    @Override
    public synchronized boolean remove(String name) {
        Peer before = peers.remove(name);
        if (before == null) {
            return false;
        }
        try {
            save();
        } catch (RuntimeException e) {
            peers.put(before.name(), before);
            throw e;
        }
        return true;
    }

    @Override
    public String toString() {
        return "FilePeerRegistry[" + file + "]";
    }
}
