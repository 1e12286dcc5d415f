package io.snapferry.ssh.endpoint;

import io.snapferry.dataset.DatasetName;

/**
 * What a connected peer may do. The endpoint server asks before every operation; anything not
 * allowed is refused with {@code not authorised: peer P may not OP DATASET}.
 */
public interface Permissions {

    /** The peer's name, for messages and logs. */
    String peerName();

    /**
     * May receive streams into {@code dataset}, destroy its snapshots, read its resume token, ask
     * whether it has unsnapshotted data, create it as a missing parent, and read and claim its owner.
     */
    boolean mayReceive(DatasetName dataset);

    /** May list and pull (send) {@code dataset}'s snapshots. */
    boolean mayRead(DatasetName dataset);

    /** May see {@code dataset} in lists: it may read or receive into it. */
    default boolean maySee(DatasetName dataset) {
        return mayRead(dataset) || mayReceive(dataset);
    }

    /** The roots below which the peer may see anything: used to answer an unrooted list. */
    java.util.List<DatasetName> visibleRoots();
}
