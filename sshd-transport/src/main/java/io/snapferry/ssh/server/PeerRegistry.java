package io.snapferry.ssh.server;

import java.security.PublicKey;
import java.util.List;
import java.util.Optional;

/**
 * The peers allowed to connect. Implementations are thread-safe; the server looks a key up on
 * every authentication, so a removed peer cannot open new connections.
 */
public interface PeerRegistry {

    /** All peers, by name. */
    List<Peer> list();

    Optional<Peer> find(String name);

    /** The peer owning {@code key}, if any. */
    Optional<Peer> findByKey(PublicKey key);

    /**
     * Adds a peer or replaces the one of the same name. Refuses (IllegalArgumentException) a key
     * already owned by another peer.
     */
    void put(Peer peer);

    /** Removes a peer; false when there was none of that name. */
    boolean remove(String name);
}
