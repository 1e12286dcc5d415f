package io.snapferry.daemon.replication;

import io.snapferry.replication.Endpoint;
import java.io.IOException;

/**
 * Opens the far side of an ssh or ssh-zfs replication. Implemented by the wiring over the SSH
 * transport; the caller closes what it opened.
 */
public interface RemoteEndpoints {
    /** An open connection to a remote box's datasets. */
    interface Remote extends AutoCloseable {
        Endpoint endpoint();

        @Override
        void close() throws IOException;
    }

    Remote open(ReplicationTask task) throws IOException;

    RemoteEndpoints NONE = task -> {
        throw new IOException("replication over " + task.transport().name().toLowerCase().replace('_', '-')
                + " needs the SSH transport, which this daemon was started without");
    };
}
