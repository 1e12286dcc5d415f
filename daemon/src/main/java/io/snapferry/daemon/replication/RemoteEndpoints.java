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

        /**
         * The run that opened this remote failed (an exception, or a dataset that did not
         * replicate); called before {@link #close}. A remote that remembers what it learned about the
         * far side (the ZFS features of an ssh-zfs host) forgets it, so the next run learns it anew.
         */
        default void failed() {
        }

        @Override
        void close() throws IOException;
    }

    Remote open(ReplicationTask task) throws IOException;

    RemoteEndpoints NONE = task -> {
        throw new IOException("replication over " + task.transport().name().toLowerCase().replace('_', '-')
                + " needs the SSH transport, which this daemon was started without");
    };
}
