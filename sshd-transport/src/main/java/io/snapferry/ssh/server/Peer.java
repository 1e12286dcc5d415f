package io.snapferry.ssh.server;

import io.snapferry.dataset.DatasetName;
import io.snapferry.ssh.endpoint.Permissions;
import io.snapferry.ssh.keys.KeyPairs;
import io.snapferry.ssh.keys.OpenSshKeys;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A box allowed to connect, known by its public key, and what it may do.
 *
 * @param name        the peer's name, {@code [a-z0-9][a-z0-9_-]{0,63}}
 * @param publicKey   its public key in OpenSSH one-line format (validated)
 * @param receiveRoot it may receive streams only into this dataset and below, and prune, hold,
 *                    create missing parents and claim targets there (like zrepl's sink
 *                    {@code root_fs/<client>}); empty: it may receive nowhere
 * @param readable    datasets it may read (list and pull), with their children
 */
public record Peer(String name, String publicKey, Optional<DatasetName> receiveRoot, List<DatasetName> readable)
        implements Permissions {

    public Peer {
        KeyPairs.checkName(name, "peer");
        Objects.requireNonNull(publicKey, "publicKey");
        OpenSshKeys.parsePublicKey(publicKey);
        publicKey = publicKey.strip();
        Objects.requireNonNull(receiveRoot, "receiveRoot");
        readable = List.copyOf(readable);
    }

    /** The parsed public key. */
    public PublicKey key() {
        return OpenSshKeys.parsePublicKey(publicKey);
    }

    /** The key's fingerprint as OpenSSH prints it. */
    public String fingerprint() {
        return OpenSshKeys.fingerprint(publicKey);
    }

    @Override
    public String peerName() {
        return name;
    }

    @Override
    public boolean mayReceive(DatasetName dataset) {
        return receiveRoot.isPresent() && receiveRoot.get().contains(dataset);
    }

    @Override
    public boolean mayRead(DatasetName dataset) {
        for (DatasetName r : readable) {
            if (r.contains(dataset)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<DatasetName> visibleRoots() {
        List<DatasetName> roots = new ArrayList<>(readable);
        receiveRoot.ifPresent(roots::add);
        return roots;
    }
}
