package io.snapferry.ssh.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.stream.FrameResendChannel;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The client of the endpoint protocol: a remote box's datasets, with the operations of
 * {@link io.snapferry.dataset.DatasetProvider} that replication needs.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Errors.</b> A failure on the remote side (not found, busy, not authorised, ...) is a
 *       {@link DatasetException} with the remote's {@link ErrorCode} ({@link ErrorCode#PERMISSION}
 *       for "not authorised"), its message prefixed with {@code remote: }. {@link IOException} means
 *       the connection failed; {@link ProtocolException} that the remote broke the protocol. After
 *       either, the endpoint is closed and every further call throws.</li>
 *   <li><b>Threading.</b> One operation at a time: methods are synchronised, and while a stream
 *       from {@link #send} is open every other call fails with {@link IllegalStateException}. Open
 *       more endpoints for parallel transfers.</li>
 *   <li><b>Streams.</b> The caller closes the stream {@link #send} returns. Closing it before its
 *       end closes this endpoint (the rest of the stream is not read). {@link #receive} reads its
 *       input to the end (or until the remote refuses) and does not close it.</li>
 * </ul>
 */
public final class RemoteEndpoint implements Closeable {
    private final Frames.Reader reader;
    private final Frames.Writer writer;
    private final InputStream in;
    private final Closeable connection;
    private final Hello hello;
    private boolean closed;
    private PulledStream pulling;
    /** True while a push whose remote may ask for frames again runs: a response may follow such requests. */
    private boolean skipResends;

    private RemoteEndpoint(InputStream in, OutputStream out, Closeable connection, EndpointIdentity self) throws IOException {
        this.in = in;
        this.reader = new Frames.Reader(in);
        this.writer = new Frames.Writer(out);
        this.connection = connection;
        try {
            this.hello = greet(self);
        } catch (IOException | RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    /**
     * Opens the protocol over a connection's streams and says hello. {@code connection} is closed
     * by {@link #close()} (and when the hello fails).
     *
     * @throws DatasetException with {@link ErrorCode#UNSUPPORTED} when the remote speaks no common
     *                          protocol version
     */
    public static RemoteEndpoint open(InputStream in, OutputStream out, Closeable connection, EndpointIdentity self) throws IOException {
        return new RemoteEndpoint(in, out, connection, self);
    }

    private Hello greet(EndpointIdentity self) throws IOException {
        ObjectNode m = call(new Request.Hello(EndpointServer.VERSIONS, self));
        long version = Messages.number(m, "version");
        if (version < 1 || version > Integer.MAX_VALUE || !EndpointServer.VERSIONS.contains((int) version)) {
            throw new ProtocolException("the remote chose protocol version " + version + ", which was not offered");
        }
        EndpointIdentity remote;
        try {
            remote = new EndpointIdentity(Messages.text(m, "boxId"), Messages.text(m, "software"));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("bad hello: " + e.getMessage());
        }
        String peer = Messages.text(m, "peer");
        return new Hello((int) version, remote, Messages.printable(peer));
    }

    /** What the remote said in the hello exchange. */
    public Hello hello() {
        return hello;
    }

    public synchronized boolean isOpen() {
        return !closed;
    }

    private void checkUsable() throws IOException {
        if (closed) {
            throw new IOException("the endpoint connection is closed");
        }
        if (pulling != null && !pulling.done) {
            throw new IllegalStateException("a stream pulled from the remote is still open: read it to the end or close it first");
        }
    }

    private ObjectNode call(Request request) throws IOException {
        checkUsable();
        try {
            writer.message(Messages.encode(request));
            writer.flush();
            return response();
        } catch (IOException | RuntimeException e) {
            if (!(e instanceof DatasetException)) {
                closeQuietly();
            }
            throw e;
        }
    }

    private ObjectNode response() throws IOException {
        return response(reader.next());
    }

    /** The response {@code f} carries; while a push may be asked for frames again, requests before it are passed over. */
    private ObjectNode response(Frames.Frame f) throws IOException {
        while (skipResends && f != null && f.type() == Frames.RESEND) {
            f = reader.next();
        }
        if (f == null) {
            throw new IOException("the remote closed the connection");
        }
        if (f.type() != Frames.MESSAGE) {
            throw new ProtocolException("expected a response, got a " + f.typeName() + " frame");
        }
        return Messages.checkResponse(f.payload());
    }

    /** Datasets at and below {@code root} that this box may see there; all it may see when empty. */
    public synchronized List<Dataset> listDatasets(Optional<DatasetName> root) throws IOException {
        ObjectNode m = call(new Request.ListDatasets(root));
        List<Dataset> out = new ArrayList<>();
        for (JsonNode n : Messages.array(m, "datasets")) {
            out.add(Messages.dataset(n));
        }
        return out;
    }

    /** The snapshots of a remote dataset, oldest first. */
    public synchronized List<Snapshot> listSnapshots(DatasetName dataset) throws IOException {
        ObjectNode m = call(new Request.ListSnapshots(dataset));
        List<Snapshot> out = new ArrayList<>();
        for (JsonNode n : Messages.array(m, "snapshots")) {
            Snapshot s = Messages.snapshot(n);
            if (!s.dataset().equals(dataset)) {
                throw new ProtocolException("the remote listed " + s.name() + " as a snapshot of " + dataset);
            }
            out.add(s);
        }
        return out;
    }

    /** Whether the remote answers {@link #listSnapshotsBelow} and {@link #holdsOf} (protocol 3). */
    public boolean listsTreesInOneCall() {
        return hello.protocolVersion() >= 3;
    }

    /**
     * The snapshots of {@code root} and of every dataset below it that this box may see there, in one
     * round trip: grouped by dataset in tree order, each dataset's oldest first, as the remote's
     * provider lists them. Needs protocol 3 ({@link #listsTreesInOneCall}); UNSUPPORTED otherwise.
     */
    public synchronized List<Snapshot> listSnapshotsBelow(DatasetName root) throws IOException {
        call(since(new Request.ListSnapshotsBelow(root)));
        DataFrameInput data = new DataFrameInput(reader);
        try {
            List<Snapshot> out = new ArrayList<>();
            java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(512);
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = data.read(buf, 0, buf.length)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] != '\n') {
                        if (line.size() >= Messages.MAX_LISTING_LINE) {
                            throw new ProtocolException("a listed snapshot is longer than " + Messages.MAX_LISTING_LINE + " bytes");
                        }
                        line.write(buf[i]);
                        continue;
                    }
                    Snapshot s = Messages.snapshot(Messages.parse(line.toByteArray()));
                    line.reset();
                    if (!root.contains(s.dataset())) {
                        throw new ProtocolException("the remote listed " + s.name() + " below " + root);
                    }
                    if (out.size() == Messages.MAX_LISTED_BELOW) {
                        throw new ProtocolException("the remote listed more than " + Messages.MAX_LISTED_BELOW + " snapshots");
                    }
                    out.add(s);
                }
            }
            if (line.size() > 0) {
                throw new ProtocolException("the listing ended inside a line");
            }
            return out;
        } catch (IOException | RuntimeException e) {
            if (!(e instanceof DatasetException) || !data.finished()) {
                closeQuietly();
            }
            throw e;
        }
    }

    /**
     * The hold tags of several snapshots in as few round trips as batches of
     * {@link Messages#MAX_HOLDS_OF}: each existing snapshot maps to its tags (empty when not held),
     * missing ones are left out. Needs protocol 3 ({@link #listsTreesInOneCall}).
     */
    public synchronized Map<SnapshotName, Set<String>> holdsOf(java.util.Collection<SnapshotName> snapshots) throws IOException {
        List<SnapshotName> all = List.copyOf(new java.util.LinkedHashSet<>(snapshots));
        Map<SnapshotName, Set<String>> out = new java.util.LinkedHashMap<>();
        for (int from = 0; from < all.size(); from += Messages.MAX_HOLDS_OF) {
            List<SnapshotName> batch = all.subList(from, Math.min(all.size(), from + Messages.MAX_HOLDS_OF));
            ObjectNode m = call(since(new Request.HoldsOf(batch)));
            JsonNode holds = m.get("holds");
            if (holds == null || !holds.isObject()) {
                throw broken(new ProtocolException("field 'holds' must be an object"));
            }
            java.util.Set<SnapshotName> asked = new java.util.HashSet<>(batch);
            Map<SnapshotName, Set<String>> found = new java.util.HashMap<>();
            for (var it = holds.fields(); it.hasNext(); ) {
                var e = it.next();
                SnapshotName s = Messages.snapshotName(e.getKey());
                if (!asked.contains(s) || !(e.getValue() instanceof com.fasterxml.jackson.databind.node.ArrayNode tags)) {
                    throw broken(new ProtocolException("the remote answered holds of " + e.getKey() + ", which were not asked for, or not as a list"));
                }
                Set<String> t = new TreeSet<>();
                for (JsonNode tag : tags) {
                    if (!tag.isTextual()) {
                        throw broken(new ProtocolException("hold tags must be strings"));
                    }
                    t.add(Messages.checkTag(tag.textValue()));
                }
                found.put(s, t);
            }
            for (SnapshotName s : batch) {
                if (found.containsKey(s)) {
                    out.put(s, found.get(s));
                }
            }
        }
        return out;
    }

    /**
     * Pulls a stream from the remote. The returned stream ends when the remote's stream ends; a
     * failure of the remote's producer is thrown by {@code read} as a {@link DatasetException},
     * never shown as a short stream. The caller must close it.
     *
     * <p>When the remote speaks protocol 4 and its stream can be re-sent by frame, the returned
     * stream offers a {@link FrameResendChannel} (call it on the thread that reads): a receive that
     * finds a damaged frame asks the remote for it again, and the frames in flight are skipped.
     */
    public synchronized InputStream send(SendRequest request) throws IOException {
        boolean offer = hello.protocolVersion() >= 4;
        ObjectNode ok = call(new Request.Send(request, offer));
        boolean resend = offer && Messages.bool(ok, "resend", false);
        PulledStream pulled = new PulledStream(new DataFrameInput(reader, resend ? writer : null), resend);
        pulling = pulled;
        return resend ? FrameResendChannel.attach(pulled, Optional.of(pulled::requestResend)) : pulled;
    }

    /**
     * Pushes {@code stream} to the remote, which receives it into {@code target}. Returns what the
     * remote received. When the remote refuses before the end of the stream (the target exists,
     * say) the rest of the stream is not sent.
     *
     * <p>When {@code stream} offers a {@link FrameResendChannel} and the remote speaks protocol 4,
     * the remote may ask for a damaged frame of the stream format again: the request is passed to
     * the channel (which rewinds the stream; see {@link io.snapferry.stream.FrameReplayInputStream})
     * and the stream is read on from there, also after its end had been reached and sent. A frame
     * the channel cannot send again aborts the stream and fails with
     * {@link ErrorCode#CORRUPT_STREAM}.
     */
    public synchronized ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
        Optional<FrameResendChannel> channel = hello.protocolVersion() >= 4 ? FrameResendChannel.of(stream) : Optional.empty();
        call(new Request.Receive(target, options, channel.isPresent()));
        ObjectNode early = null;
        skipResends = channel.isPresent();
        try {
            byte[] buf = new byte[Frames.CHUNK];
            while (true) {
                while (true) {
                    int n;
                    try {
                        n = stream.readNBytes(buf, 0, buf.length);
                    } catch (DatasetException e) {
                        sendAbort(e.code(), e.getMessage(), true);
                        throw e;
                    } catch (IOException | RuntimeException e) {
                        sendAbort(ErrorCode.INTERNAL, "the sending side's stream failed: " + e, true);
                        throw new IOException("reading the stream to send failed: " + e.getMessage(), e);
                    }
                    if (n > 0) {
                        writer.data(buf, 0, n);
                    }
                    if (n < buf.length) {
                        break;
                    }
                    if (in.available() > 0) {
                        writer.flush();
                        Frames.Frame f = reader.next();
                        if (channel.isPresent() && f != null && f.type() == Frames.RESEND) {
                            sendAgain(f, channel.get());
                            continue;
                        }
                        try {
                            early = response(f);
                        } catch (DatasetException refused) {
                            sendAbort(refused.code(), "the receiver refused", false);
                            throw refused;
                        }
                        throw new ProtocolException("the remote reported success before the end of the stream");
                    }
                }
                writer.end();
                writer.flush();
                Frames.Frame f = reader.next();
                if (channel.isPresent() && f != null && f.type() == Frames.RESEND) {
                    sendAgain(f, channel.get());
                    continue;
                }
                return Messages.receiveResult(response(f));
            }
        } catch (IOException | RuntimeException e) {
            if (!(e instanceof DatasetException) || early != null) {
                closeQuietly();
            }
            throw e;
        } finally {
            skipResends = false;
        }
    }

    /**
     * The remote asked for a frame again: rewinds the stream through its channel and answers with
     * a RESEND frame of its own (what follows the record in progress is that frame again).
     */
    private void sendAgain(Frames.Frame request, FrameResendChannel channel) throws IOException {
        long seq = Frames.resendSeq(request);
        try {
            channel.requestFrom(seq);
        } catch (IOException e) {
            String why = "frame " + seq + " was damaged on the way and cannot be sent again (" + e.getMessage() + ")";
            sendAbort(ErrorCode.CORRUPT_STREAM, why, true);
            throw new DatasetException(ErrorCode.CORRUPT_STREAM, why, e);
        }
        writer.resend(seq);
    }

    private void sendAbort(ErrorCode code, String message, boolean responsePending) throws IOException {
        writer.abort(Messages.error(code, message));
        writer.flush();
        if (responsePending) {
            // the remote answers a receive exactly once; its answer to an aborted stream is not news
            try {
                response();
            } catch (DatasetException expected) {
                // the remote's view of the abort
            }
        }
    }

    /** Destroys snapshots on the remote (destination retention). */
    public synchronized DestroyResult destroySnapshots(List<SnapshotName> snapshots) throws IOException {
        return Messages.destroyResult(call(new Request.DestroySnapshots(snapshots)));
    }

    public synchronized void hold(SnapshotName snapshot, String tag) throws IOException {
        call(new Request.Hold(snapshot, Messages.checkTag(tag)));
    }

    public synchronized void release(SnapshotName snapshot, String tag) throws IOException {
        call(new Request.Release(snapshot, Messages.checkTag(tag)));
    }

    public synchronized Set<String> holds(SnapshotName snapshot) throws IOException {
        ObjectNode m = call(new Request.Holds(snapshot));
        Set<String> tags = new TreeSet<>();
        for (JsonNode n : Messages.array(m, "tags")) {
            if (!n.isTextual()) {
                throw new ProtocolException("hold tags must be strings");
            }
            tags.add(Messages.checkTag(n.textValue()));
        }
        return tags;
    }

    /** The resume token of an interrupted receive into {@code dataset} on the remote, if any. */
    public synchronized Optional<String> resumeToken(DatasetName dataset) throws IOException {
        ObjectNode m = call(new Request.ResumeToken(dataset));
        Optional<String> token = Messages.optText(m, "token");
        if (token.isPresent() && !token.get().matches("[A-Za-z0-9+/=_.:-]{1,4096}")) {
            throw new ProtocolException("the remote's resume token has characters outside its alphabet");
        }
        return token;
    }

    /** Discards the remote's partial state of an interrupted receive into {@code dataset}. */
    public synchronized void abortReceive(DatasetName dataset) throws IOException {
        call(new Request.AbortReceive(dataset));
    }

    /**
     * True when {@code dataset} exists on the remote, has no snapshot, and has data written into it
     * (a full receive would replace it); an empty, freshly created dataset answers false.
     * {@link ErrorCode#NOT_FOUND} when it does not exist. Needs receive permission on it.
     */
    public synchronized boolean hasUnsnapshottedData(DatasetName dataset) throws IOException {
        ObjectNode m = call(since(new Request.HasUnsnapshottedData(dataset)));
        JsonNode v = m.get("unsnapshotted");
        if (v == null || !v.isBoolean()) {
            throw broken(new ProtocolException("field 'unsnapshotted' must be true or false"));
        }
        return v.booleanValue();
    }

    /**
     * Creates the missing ancestors of {@code dataset} on the remote (not the dataset itself) and
     * returns those it created, parents first; empty when all were there. Idempotent. Needs receive
     * permission on {@code dataset}, and every ancestor to be created must lie within the peer's
     * receive root (which may itself be created), else nothing is created and the remote refuses
     * with {@link ErrorCode#PERMISSION}.
     */
    public synchronized List<DatasetName> createParents(DatasetName dataset) throws IOException {
        ObjectNode m = call(since(new Request.CreateParents(dataset)));
        try {
            List<DatasetName> created = new ArrayList<>();
            for (JsonNode n : Messages.array(m, "created")) {
                if (!n.isTextual()) {
                    throw new ProtocolException("created datasets must be strings");
                }
                DatasetName d = Messages.datasetName(n.textValue());
                if (d.equals(dataset) || !d.contains(dataset)) {
                    throw new ProtocolException("the remote reported creating " + d + ", which is not a parent of " + dataset);
                }
                created.add(d);
            }
            return created;
        } catch (ProtocolException e) {
            throw broken(e);
        }
    }

    /** Who replicates into {@code dataset} on the remote, if anyone has claimed it. Needs receive permission. */
    public synchronized Optional<TargetOwner> ownership(DatasetName dataset) throws IOException {
        ObjectNode m = call(since(new Request.Ownership(dataset)));
        JsonNode owner = m.get("owner");
        if (owner == null || owner.isNull()) {
            return Optional.empty();
        }
        try {
            if (!owner.isObject()) {
                throw new ProtocolException("field 'owner' must be an object");
            }
            return Optional.of(Messages.owner(owner));
        } catch (ProtocolException e) {
            throw broken(e);
        }
    }

    /**
     * Records {@code owner} on the remote as the one source of {@code dataset}, replacing any
     * previous owner. The dataset need not exist. Needs receive permission.
     */
    public synchronized void claim(DatasetName dataset, TargetOwner owner) throws IOException {
        call(since(new Request.Claim(dataset, owner)));
    }

    /** A remote that answers nonsense is not trusted further: closes this endpoint. */
    private ProtocolException broken(ProtocolException e) {
        closeQuietly();
        return e;
    }

    /** Refuses, without a round trip, an operation the remote's protocol version lacks. */
    private Request since(Request request) {
        if (request.since() > hello.protocolVersion()) {
            throw new DatasetException(ErrorCode.UNSUPPORTED, "the remote box " + hello.remote().boxId()
                    + " speaks endpoint protocol version " + hello.protocolVersion() + ", which has no '" + request.op()
                    + "' (version " + request.since() + " and later); upgrade snapferry on that box");
        }
        return request;
    }

    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            connection.close();
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException ignored) {
            // closing after a failure
        }
    }

    @Override
    public String toString() {
        return "RemoteEndpoint[" + hello.remote().boxId() + (closed ? ", closed]" : "]");
    }

    /**
     * The stream of a pull: closing it before its end closes the endpoint. With {@code resend} the
     * remote waits, after its stream, for this side's END: sent once the stream ended or was
     * aborted, when no request for a frame can follow.
     */
    private final class PulledStream extends InputStream {
        private final DataFrameInput data;
        private final boolean resend;
        private boolean done;
        private boolean eof;

        PulledStream(DataFrameInput data, boolean resend) {
            this.data = data;
            this.resend = resend;
        }

        void requestResend(long seq) throws IOException {
            if (done) {
                throw new IOException("cannot ask for frame " + seq + " again: the pulled stream is over");
            }
            try {
                data.requestResend(seq);
            } catch (IOException e) {
                done = true;
                closeQuietly();
                throw e;
            }
        }

        /** The remote's stream is over: tells it that nothing more will be asked for. */
        private void over() throws IOException {
            done = true;
            if (resend) {
                writer.end();
                writer.flush();
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (eof) {
                return -1;
            }
            if (done) {
                throw new IOException("stream closed");
            }
            try {
                int n = data.read(b, off, len);
                if (n < 0) {
                    eof = true;
                    over();
                }
                return n;
            } catch (DatasetException e) {
                over();
                throw e;
            } catch (IOException | RuntimeException e) {
                done = true;
                closeQuietly();
                throw e;
            }
        }

        @Override
        public int available() {
            return data.available();
        }

        @Override
        public void close() throws IOException {
            if (!done) {
                done = true;
                RemoteEndpoint.this.close();
            }
        }
    }
}
