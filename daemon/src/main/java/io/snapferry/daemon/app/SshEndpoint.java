package io.snapferry.daemon.app;

import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.replication.Endpoint;
import io.snapferry.replication.Ownership;
import io.snapferry.ssh.endpoint.RemoteEndpoint;
import io.snapferry.ssh.endpoint.TargetOwner;
import io.snapferry.replication.LinkLostException;
import io.snapferry.ssh.client.SessionLostException;
import io.snapferry.ssh.endpoint.ProtocolException;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A snapferry box at the end of an SSH connection, as a replication {@link Endpoint}. The remote
 * box frames what it sends and verifies what it receives, so streams pass through untouched.
 *
 * <p>A connection that breaks (reset, closed, the box gone) is a {@link LinkLostException} naming
 * the connection, not the SSH library's words; on a call that has no {@code IOException} in its
 * signature it is wrapped in an {@link UncheckedIOException}, which the replication logic treats as
 * a transport failure. A failure of the stream being sent, and a remote that breaks the protocol,
 * stay what they are. The first call after a lost connection connects again (to the same box, by
 * its id), so that a retry within the run, and the release of its holds, reach the box.
 * Thread-safe; {@link #close()} closes the current connection.
 */
final class SshEndpoint implements Endpoint, java.io.Closeable {
    /** Opens a new connection to the same box. */
    @FunctionalInterface
    interface Reconnect {
        RemoteEndpoint open() throws IOException;
    }

    private final String connection;
    private final Reconnect reconnect;
    private final String identity;
    private RemoteEndpoint remote; // guarded by this

    /**
     * @param remote     the connection, open
     * @param connection the name of the connection the remote is reached by, for messages
     */
    SshEndpoint(RemoteEndpoint remote, String connection, Reconnect reconnect) {
        this.remote = remote;
        this.connection = connection;
        this.reconnect = reconnect;
        this.identity = remote.hello().remote().boxId();
    }

    /** The open connection; after a lost one, a new one. */
    private RemoteEndpoint remote() throws IOException {
        synchronized (this) {
            if (!remote.isOpen()) {
                RemoteEndpoint fresh = reconnect.open();
                String box = fresh.hello().remote().boxId();
                if (!box.equals(identity)) {
                    fresh.close();
                    throw new ProtocolException("connection " + connection + " reached box " + box + " after a reconnect, not "
                            + identity + " as before");
                }
                remote = fresh;
            }
            return remote;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        remote.close();
    }

    /** {@code e} as a lost connection, unless it is the remote breaking the protocol. */
    private IOException lost(IOException e) {
        if (e instanceof LinkLostException) {
            return e;
        }
        if (e instanceof ProtocolException && !(e.getCause() instanceof EOFException)) {
            return e;
        }
        return linkLost(connection, e);
    }

    /** {@code e} as a lost link to {@code peer}, with the SSH client's reason when it gave one. */
    static LinkLostException linkLost(String peer, IOException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SessionLostException s) {
                return new LinkLostException(peer, s.reason(), e);
            }
        }
        return new LinkLostException(peer, e);
    }

    private interface Call<T> {
        T call() throws IOException;
    }

    private <T> T io(Call<T> c) {
        try {
            return c.call();
        } catch (IOException e) {
            IOException l = lost(e);
            throw new UncheckedIOException(l.getMessage(), l);
        }
    }

    @Override
    public String identity() {
        return identity;
    }

    @Override
    public List<Dataset> listDatasets(DatasetName root) {
        return io(() -> remote().listDatasets(Optional.of(root)));
    }

    @Override
    public List<Snapshot> listSnapshots(DatasetName dataset) {
        return io(() -> remote().listSnapshots(dataset));
    }

    /** One round trip when the remote speaks endpoint protocol 3, else a listing per dataset. */
    @Override
    public List<Snapshot> listSnapshotsBelow(DatasetName root) {
        List<Snapshot> once = io(() -> remote().listsTreesInOneCall() ? remote().listSnapshotsBelow(root) : null);
        return once != null ? once : Endpoint.super.listSnapshotsBelow(root);
    }

    /** Batches of a thousand when the remote speaks endpoint protocol 3, else a call per snapshot. */
    @Override
    public java.util.Map<SnapshotName, Set<String>> holdsOf(java.util.Collection<SnapshotName> snapshots) {
        java.util.Map<SnapshotName, Set<String>> once = io(() -> remote().listsTreesInOneCall() ? remote().holdsOf(snapshots) : null);
        return once != null ? once : Endpoint.super.holdsOf(snapshots);
    }

    @Override
    public boolean hasUnsnapshottedData(DatasetName dataset) {
        return io(() -> remote().hasUnsnapshottedData(dataset));
    }

    @Override
    public void createParents(DatasetName dataset) {
        io(() -> remote().createParents(dataset));
    }

    @Override
    public InputStream send(SendRequest request) throws IOException {
        InputStream pulled;
        try {
            pulled = remote().send(request);
        } catch (IOException e) {
            throw lost(e);
        }
        // the pulled stream's frame back channel, if it has one, goes along: the receive may ask for damaged frames again
        return io.snapferry.stream.FrameResendChannel.attach(new FilterInputStream(pulled) {
            @Override
            public int read() throws IOException {
                try {
                    return super.read();
                } catch (IOException e) {
                    throw lost(e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return super.read(b, off, len);
                } catch (IOException e) {
                    throw lost(e);
                }
            }
        }, io.snapferry.stream.FrameResendChannel.of(pulled));
    }

    @Override
    public ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
        SourceWatch source = new SourceWatch(stream);
        try {
            // the stream's frame back channel, if it has one, goes along: the remote may ask for damaged frames again
            return remote().receive(target, io.snapferry.stream.FrameResendChannel.attach(source,
                    io.snapferry.stream.FrameResendChannel.of(stream)), options);
        } catch (IOException e) {
            throw source.failed ? e : lost(e);
        }
    }

    /** Remembers whether the stream being sent failed, so that its failure is not taken for the connection's. */
    private static final class SourceWatch extends FilterInputStream {
        volatile boolean failed;

        SourceWatch(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException | RuntimeException e) {
                failed = true;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException | RuntimeException e) {
                failed = true;
                throw e;
            }
        }

        @Override
        public void close() {
            // the caller of receive owns the stream
        }
    }

    @Override
    public void hold(SnapshotName snapshot, String tag) {
        io(() -> {
            remote().hold(snapshot, tag);
            return null;
        });
    }

    @Override
    public void release(SnapshotName snapshot, String tag) {
        io(() -> {
            remote().release(snapshot, tag);
            return null;
        });
    }

    @Override
    public Set<String> holds(SnapshotName snapshot) {
        return io(() -> remote().holds(snapshot));
    }

    @Override
    public DestroyResult destroySnapshots(List<SnapshotName> snapshots) {
        return io(() -> remote().destroySnapshots(snapshots));
    }

    @Override
    public Optional<String> resumeToken(DatasetName dataset) {
        return io(() -> remote().resumeToken(dataset));
    }

    @Override
    public void abortResumableReceive(DatasetName dataset) {
        io(() -> {
            remote().abortReceive(dataset);
            return null;
        });
    }

    @Override
    public Optional<Ownership> ownership(DatasetName dataset) {
        return io(() -> remote().ownership(dataset)).map(o -> new Ownership(o.boxId(), o.taskId()));
    }

    @Override
    public void claim(DatasetName dataset, Ownership owner) {
        io(() -> {
            remote().claim(dataset, new TargetOwner(owner.boxId(), owner.taskId()));
            return null;
        });
    }
}
