package io.snapferry.ssh.endpoint;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.stream.FrameResendChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the endpoint protocol on one connection, against a {@link DatasetProvider}, for one
 * authenticated peer whose {@link Permissions} are checked before every operation.
 *
 * <p>{@link #serve} runs the connection to its end on the calling thread: it returns when the
 * client closes the connection between requests, and throws {@link ProtocolException} (after
 * trying to send the client an error message) when the client breaks the protocol; the caller
 * then closes the connection. Failures of single operations ({@link DatasetException}, refusals)
 * are answered as error responses and the connection goes on. One instance serves one connection.
 */
public final class EndpointServer {
    /** The SSH subsystem name the endpoint is served under. */
    public static final String SUBSYSTEM = "snapferry-endpoint";
    /** The protocol versions this implementation speaks. */
    public static final List<Integer> VERSIONS = List.of(1, 2, 3, 4);

    private static final Logger LOG = LoggerFactory.getLogger(EndpointServer.class);

    private final DatasetProvider provider;
    private final Permissions peer;
    private final EndpointIdentity identity;
    private final OwnershipStore owners;
    private int version;

    /**
     * A server whose target owners live in a store of its own, in memory: they are forgotten when
     * this connection ends. Use {@link #EndpointServer(DatasetProvider, Permissions, EndpointIdentity,
     * OwnershipStore)} to share a durable store between connections.
     */
    public EndpointServer(DatasetProvider provider, Permissions peer, EndpointIdentity identity) {
        this(provider, peer, identity, OwnershipStore.inMemory());
    }

    /**
     * @param provider the datasets served; not closed here
     * @param peer     what the connected peer may do
     * @param identity who this box says it is in the hello exchange
     * @param owners   where the owners of replicated targets are kept ({@code ownership}, {@code claim})
     */
    public EndpointServer(DatasetProvider provider, Permissions peer, EndpointIdentity identity, OwnershipStore owners) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.peer = Objects.requireNonNull(peer, "peer");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.owners = Objects.requireNonNull(owners, "owners");
    }

    /**
     * Serves requests from {@code in}, answering on {@code out}, until {@code in} ends. Neither
     * stream is closed here.
     */
    public void serve(InputStream in, OutputStream out) throws IOException {
        Frames.Reader reader = new Frames.Reader(in);
        Frames.Writer writer = new Frames.Writer(out);
        boolean greeted = false;
        try {
            while (true) {
                Frames.Frame frame = reader.next();
                if (frame == null) {
                    return;
                }
                if (frame.type() != Frames.MESSAGE) {
                    throw new ProtocolException("expected a request, got a " + frame.typeName() + " frame");
                }
                Request request = Messages.decodeRequest(frame.payload());
                if (request instanceof Request.Hello hello) {
                    if (greeted) {
                        throw new ProtocolException("hello sent twice");
                    }
                    if (!hello(hello, writer)) {
                        return;
                    }
                    greeted = true;
                    continue;
                }
                if (!greeted) {
                    throw new ProtocolException("the first request must be hello");
                }
                if (request.since() > version) {
                    throw new ProtocolException("operation '" + request.op() + "' needs protocol version " + request.since()
                            + ", this connection speaks version " + version);
                }
                handle(request, reader, writer);
            }
        } catch (ProtocolException e) {
            LOG.info("endpoint: protocol error from peer {}: {}", peer.peerName(), e.getMessage());
            try {
                writer.message(Messages.error(ErrorCode.INVALID_ARGUMENT, "protocol error: " + e.getMessage()));
                writer.flush();
            } catch (IOException ignored) {
                // the connection may be gone already
            }
            throw e;
        }
    }

    private boolean hello(Request.Hello hello, Frames.Writer writer) throws IOException {
        int version = -1;
        for (int v : hello.versions()) {
            if (VERSIONS.contains(v) && v > version) {
                version = v;
            }
        }
        if (version < 0) {
            reply(writer, Messages.error(ErrorCode.UNSUPPORTED, "no common protocol version: this box speaks "
                    + VERSIONS + ", the client offered " + hello.versions() + "; upgrade the older box"));
            return false;
        }
        this.version = version;
        LOG.debug("endpoint: peer {} (box {}, {}) speaks version {}", peer.peerName(), hello.identity().boxId(),
                hello.identity().softwareVersion(), version);
        ObjectNode m = Messages.ok();
        m.put("version", version);
        m.put("boxId", identity.boxId());
        m.put("software", identity.softwareVersion());
        m.put("peer", peer.peerName());
        reply(writer, Messages.bytes(m));
        return true;
    }

    private static void reply(Frames.Writer writer, byte[] message) throws IOException {
        writer.message(message);
        writer.flush();
    }

    private DatasetException refused(String op, Object what) {
        return new DatasetException(ErrorCode.PERMISSION,
                "not authorised: peer " + peer.peerName() + " may not " + op + " " + what);
    }

    private void handle(Request request, Frames.Reader reader, Frames.Writer writer) throws IOException {
        try {
            if (request instanceof Request.Send s) {
                send(s, reader, writer);
            } else if (request instanceof Request.ListSnapshotsBelow l) {
                listSnapshotsBelow(l.root(), writer);
            } else if (request instanceof Request.Receive r) {
                receive(r, reader, writer);
            } else {
                reply(writer, Messages.bytes(answer(request)));
            }
        } catch (DatasetException e) {
            if (e.code() == ErrorCode.PERMISSION) {
                LOG.info("endpoint: {}", e.getMessage());
            }
            reply(writer, Messages.error(e.code(), e.getMessage()));
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            LOG.warn("endpoint: {} for peer {} failed", request.op(), peer.peerName(), e);
            reply(writer, Messages.error(ErrorCode.INTERNAL, request.op() + " failed: " + e));
        }
    }

    private ObjectNode answer(Request request) {
        ObjectNode m = Messages.ok();
        if (request instanceof Request.ListDatasets l) {
            ArrayNode a = m.putArray("datasets");
            for (Dataset d : listDatasets(l.root())) {
                a.add(Messages.dataset(d));
            }
        } else if (request instanceof Request.ListSnapshots l) {
            if (!peer.maySee(l.dataset())) {
                throw refused("list", l.dataset());
            }
            ArrayNode a = m.putArray("snapshots");
            for (Snapshot s : provider.listSnapshots(l.dataset())) {
                a.add(Messages.snapshot(s));
            }
        } else if (request instanceof Request.DestroySnapshots d) {
            for (SnapshotName s : d.snapshots()) {
                if (!peer.mayReceive(s.dataset())) {
                    throw refused("destroy snapshots of", s.dataset());
                }
            }
            return Messages.destroyResult(provider.destroySnapshots(d.snapshots()));
        } else if (request instanceof Request.Hold h) {
            if (!peer.maySee(h.snapshot().dataset())) {
                throw refused("hold", h.snapshot());
            }
            provider.hold(h.snapshot(), h.tag());
        } else if (request instanceof Request.Release h) {
            if (!peer.maySee(h.snapshot().dataset())) {
                throw refused("release", h.snapshot());
            }
            provider.release(h.snapshot(), h.tag());
        } else if (request instanceof Request.Holds h) {
            if (!peer.maySee(h.snapshot().dataset())) {
                throw refused("list holds of", h.snapshot());
            }
            ArrayNode a = m.putArray("tags");
            provider.holds(h.snapshot()).stream().sorted().forEach(a::add);
        } else if (request instanceof Request.ResumeToken t) {
            if (!peer.mayReceive(t.dataset())) {
                throw refused("read the resume token of", t.dataset());
            }
            provider.resumeToken(t.dataset()).ifPresent(token -> m.put("token", token));
        } else if (request instanceof Request.AbortReceive a) {
            if (!peer.mayReceive(a.dataset())) {
                throw refused("abort the receive into", a.dataset());
            }
            provider.abortResumableReceive(a.dataset());
        } else if (request instanceof Request.HasUnsnapshottedData u) {
            if (!peer.mayReceive(u.dataset())) {
                throw refused("inspect", u.dataset());
            }
            m.put("unsnapshotted", provider.listSnapshots(u.dataset()).isEmpty()
                    && provider.writtenSinceLastSnapshot(u.dataset()) > 0);
        } else if (request instanceof Request.CreateParents c) {
            ArrayNode a = m.putArray("created");
            createParents(c.dataset()).forEach(d -> a.add(d.value()));
        } else if (request instanceof Request.Ownership o) {
            if (!peer.mayReceive(o.dataset())) {
                throw refused("read the owner of", o.dataset());
            }
            owners.get(o.dataset()).ifPresent(owner -> m.set("owner", Messages.owner(owner)));
        } else if (request instanceof Request.HoldsOf h) {
            for (SnapshotName s : h.snapshots()) {
                if (!peer.maySee(s.dataset())) {
                    throw refused("list holds of", s);
                }
            }
            ObjectNode holds = m.putObject("holds");
            provider.holdsOf(h.snapshots()).forEach((snap, tags) -> {
                ArrayNode a = holds.putArray(snap.toString());
                tags.stream().sorted().forEach(a::add);
            });
        } else if (request instanceof Request.Claim c) {
            if (!peer.mayReceive(c.dataset())) {
                throw refused("claim", c.dataset());
            }
            owners.put(c.dataset(), c.owner());
            LOG.info("endpoint: peer {} claimed {} for {}", peer.peerName(), c.dataset(), c.owner());
        } else {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "unexpected request " + request.op());
        }
        return m;
    }

    /**
     * Creates the missing ancestors of {@code dataset}, parents first, and returns those it created.
     * Every one of them must be a dataset the peer may receive into (its receive root or below), so
     * a peer can create its receive root when missing but nothing above it; that is checked for all
     * of them before any is created.
     */
    private List<DatasetName> createParents(DatasetName dataset) {
        if (!peer.mayReceive(dataset)) {
            throw refused("create the parents of", dataset);
        }
        List<DatasetName> missing = new ArrayList<>();
        for (DatasetName d : dataset.lineage()) {
            if (!d.equals(dataset) && !provider.exists(d)) {
                missing.add(d);
            }
        }
        for (DatasetName d : missing) {
            if (!peer.mayReceive(d)) {
                throw refused("create", d);
            }
        }
        List<DatasetName> created = new ArrayList<>();
        for (DatasetName d : missing) {
            try {
                provider.createDataset(d);
                created.add(d);
            } catch (DatasetException e) {
                if (e.code() != ErrorCode.ALREADY_EXISTS) {
                    throw e;
                }
            }
        }
        return created;
    }

    private List<Dataset> listDatasets(Optional<DatasetName> root) {
        if (root.isPresent()) {
            if (!peer.maySee(root.get())) {
                throw refused("list", root.get());
            }
            return provider.listDatasets(root).stream().filter(d -> peer.maySee(d.name())).toList();
        }
        Map<DatasetName, Dataset> out = new LinkedHashMap<>();
        for (DatasetName r : peer.visibleRoots()) {
            try {
                for (Dataset d : provider.listDatasets(Optional.of(r))) {
                    if (peer.maySee(d.name())) {
                        out.putIfAbsent(d.name(), d);
                    }
                }
            } catch (DatasetException e) {
                if (e.code() != ErrorCode.NOT_FOUND) {
                    throw e;
                }
            }
        }
        List<Dataset> sorted = new ArrayList<>(out.values());
        sorted.sort((a, b) -> a.name().value().replace('/', '\0').compareTo(b.name().value().replace('/', '\0')));
        return sorted;
    }

    /**
     * Answers {@code ok}, then the snapshots below {@code root} that the peer may see as a stream of
     * JSON lines (one snapshot object each, as in {@code listSnapshots}), then END. The listing is
     * taken before the answer, so a failure of the provider is an error response, not an ABORT.
     */
    private void listSnapshotsBelow(DatasetName root, Frames.Writer writer) throws IOException {
        if (!peer.maySee(root)) {
            throw refused("list", root);
        }
        List<Snapshot> all = provider.listSnapshotsBelow(root);
        reply(writer, Messages.bytes(Messages.ok()));
        java.io.ByteArrayOutputStream page = new java.io.ByteArrayOutputStream(Frames.CHUNK + Messages.MAX_LISTING_LINE);
        for (Snapshot s : all) {
            if (!peer.maySee(s.dataset())) {
                continue;
            }
            page.write(Messages.bytes(Messages.snapshot(s)));
            page.write('\n');
            if (page.size() >= Frames.CHUNK) {
                writer.data(page.toByteArray(), 0, page.size());
                page.reset();
            }
        }
        if (page.size() > 0) {
            writer.data(page.toByteArray(), 0, page.size());
        }
        writer.end();
        writer.flush();
    }

    /**
     * A pull. When the client offers to ask for damaged frames again (protocol 4) and the stream can
     * be re-sent by frame, the answer says {@code "resend":true}; then the client's RESEND requests
     * are carried out while the stream is written and after its END (or ABORT), until the client's
     * own END says it has all it needs.
     */
    private void send(Request.Send s, Frames.Reader reader, Frames.Writer writer) throws IOException {
        SnapshotName snap = s.request().snapshot();
        if (!peer.mayRead(snap.dataset())) {
            throw refused("read", snap.dataset());
        }
        InputStream stream = provider.send(s.request());
        try (stream) {
            FrameResendChannel replay = s.resend() && version >= 4 ? FrameResendChannel.of(stream).orElse(null) : null;
            ObjectNode ok = Messages.ok();
            if (replay != null) {
                ok.put("resend", true);
            }
            reply(writer, Messages.bytes(ok));
            boolean ended = pump(snap, stream, reader, writer, replay);
            while (true) {
                if (ended) {
                    writer.end();
                }
                writer.flush();
                if (replay == null || !awaitRequest(snap, reader, writer, replay, ended)) {
                    return;
                }
                ended = pump(snap, stream, reader, writer, replay);
            }
        }
    }

    /**
     * Writes the rest of {@code stream} as DATA frames, carrying out the client's requests between
     * chunks when {@code replay} is given. True when the stream ended (END not yet written), false
     * when it was aborted (ABORT written).
     */
    private boolean pump(SnapshotName snap, InputStream stream, Frames.Reader reader, Frames.Writer writer,
                         FrameResendChannel replay) throws IOException {
        byte[] buf = new byte[Frames.CHUNK];
        while (true) {
            int n;
            try {
                n = stream.readNBytes(buf, 0, buf.length);
            } catch (DatasetException e) {
                abort(writer, e.code(), e.getMessage());
                return false;
            } catch (IOException | RuntimeException e) {
                LOG.warn("endpoint: sending {} to peer {} failed", snap, peer.peerName(), e);
                abort(writer, ErrorCode.INTERNAL, "sending " + snap + " failed: " + e);
                return false;
            }
            if (n > 0) {
                writer.data(buf, 0, n);
            }
            if (n < buf.length) {
                return true;
            }
            if (replay != null && reader.available() > 0) {
                writer.flush();
                if (!sendAgain(snap, next(reader), writer, replay)) {
                    return false;
                }
            }
        }
    }

    /**
     * After the END (or ABORT) of a pull that may be asked for frames again: waits for the client's
     * END (false) or a request to carry out (true). After an ABORT requests are passed over.
     */
    private boolean awaitRequest(SnapshotName snap, Frames.Reader reader, Frames.Writer writer, FrameResendChannel replay,
                                 boolean ended) throws IOException {
        while (true) {
            Frames.Frame f = next(reader);
            if (f.type() == Frames.END) {
                return false;
            }
            if (!ended) {
                if (f.type() != Frames.RESEND) {
                    throw new ProtocolException("expected the end of a pull, got a " + f.typeName() + " frame");
                }
                continue;
            }
            if (sendAgain(snap, f, writer, replay)) {
                return true;
            }
            ended = false;
            writer.flush();
        }
    }

    private static Frames.Frame next(Frames.Reader reader) throws IOException {
        Frames.Frame f = reader.next();
        if (f == null) {
            throw new java.io.EOFException("the client closed the connection during a pull");
        }
        return f;
    }

    /** Carries out a RESEND request: rewinds the stream and answers; false (after an ABORT) when the frame is no longer kept. */
    private boolean sendAgain(SnapshotName snap, Frames.Frame f, Frames.Writer writer, FrameResendChannel replay) throws IOException {
        if (f.type() != Frames.RESEND) {
            throw new ProtocolException("expected a resend request or the end of a pull, got a " + f.typeName() + " frame");
        }
        long seq = Frames.resendSeq(f);
        try {
            replay.requestFrom(seq);
        } catch (IOException e) {
            abort(writer, ErrorCode.CORRUPT_STREAM, "frame " + seq + " of " + snap
                    + " was damaged on the way and cannot be sent again (" + e.getMessage() + ")");
            return false;
        }
        writer.resend(seq);
        return true;
    }

    private static void abort(Frames.Writer writer, ErrorCode code, String message) throws IOException {
        writer.abort(Messages.error(code, message));
        writer.flush();
    }

    private void receive(Request.Receive r, Frames.Reader reader, Frames.Writer writer) throws IOException {
        if (!peer.mayReceive(r.target())) {
            throw refused("receive into", r.target());
        }
        reply(writer, Messages.bytes(Messages.ok()));
        // protocol 4: a client that can send frames again is asked to, through the stream's back channel
        boolean resend = r.resend() && version >= 4;
        DataFrameInput data = new DataFrameInput(reader, resend ? writer : null);
        InputStream stream = resend ? FrameResendChannel.attach(data, Optional.of(data::requestResend)) : data;
        byte[] response;
        try {
            ReceiveResult result = provider.receive(r.target(), stream, r.options());
            response = Messages.bytes(Messages.receiveResult(result));
        } catch (DatasetException e) {
            response = Messages.error(e.code(), e.getMessage());
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            LOG.warn("endpoint: receiving into {} for peer {} failed", r.target(), peer.peerName(), e);
            response = Messages.error(ErrorCode.INTERNAL, "receive into " + r.target() + " failed: " + e);
        }
        reply(writer, response);
        if (!data.finished()) {
            data.drain();
        }
    }
}
