package io.snapferry.store;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * The embedded store's send stream (format in DESIGN.md, "record stream"): a header, then records
 * of {@code type (1 byte), length (4 bytes, big-endian), payload}, ended by an END record carrying
 * the record count and the SHA-256 of every byte before it. Chunk records carry their SHA-256,
 * which the reader checks after decompressing; manifests check themselves. Every length is
 * checked against a limit before anything is allocated.
 */
final class RecordStream {
    static final int MAGIC = 0x53464553; // "SFES"
    /** Version 2 added manifest deltas ('D'); version 1 streams are still read. */
    static final int VERSION = 2;
    static final int HEADER = 4 + 2 + 8 + 8 + 4;
    static final byte CHUNK = 'C';
    static final byte MANIFEST = 'M';
    static final byte DELTA = 'D';
    static final byte END = 'E';
    static final int MAX_CHUNK_RECORD = 32 + 1 + 4 + ChunkStore.MAX_CHUNK + 1024;
    static final int MAX_MANIFEST = 256 * 1024 * 1024;
    static final int MAX_SNAPSHOTS = 1_000_000;

    private RecordStream() {
    }

    /** The stream header: the incremental base's GUID (0 for a full stream) and the manifest count. */
    record Header(long baseGuid, long datasetGuid, int snapshots) {
    }

    /** One thing to put in a stream: a chunk (by hash) or a manifest (encoded). */
    sealed interface Part permits ChunkPart, ManifestPart, DeltaPart {
    }

    record ChunkPart(byte[] hash) implements Part {
    }

    record ManifestPart(byte[] encoded) implements Part {
    }

    /** A manifest as a {@link ManifestDelta} from one the receiver has. */
    record DeltaPart(byte[] delta) implements Part {
    }

    /**
     * Produces the stream as it is read. A read-ahead thread ({@code snapferry-send-readahead},
     * started by the first read) reads each chunk from its pack when its record is due, checks its
     * CRC, adds the record to the stream digest and queues it; the reader's thread only copies, so
     * whatever the reader does with the bytes (framing, hashing, encrypting, the network) overlaps
     * with the reading and hashing here. At most {@value #READ_AHEAD} bytes (or one record, if
     * larger) wait in the queue. Not thread-safe (one reader). {@link #close()} stops and joins the
     * thread and then runs the release action, once; a stream must be closed, also when abandoned
     * early (until then its thread waits for room in the queue). A failure of the read-ahead
     * thread is thrown by the read that reaches it.
     */
    static final class Writer extends InputStream {
        static final int READ_AHEAD = 16 << 20;
        private static final ByteBuffer EOF = ByteBuffer.allocate(0);
        private final ChunkStore chunks;
        private final Iterator<Part> parts;
        private final Runnable release;
        private final MessageDigest sha = Manifest.sha256();
        private final byte[] head;
        private final java.util.concurrent.BlockingQueue<ByteBuffer> queue = new java.util.concurrent.LinkedBlockingQueue<>();
        private final java.util.concurrent.Semaphore room = new java.util.concurrent.Semaphore(READ_AHEAD);
        private volatile Throwable failure;
        private volatile boolean stopping;
        private Thread thread;
        private ByteBuffer current;
        private boolean ended;
        private boolean closed;

        Writer(ChunkStore chunks, Header header, List<Part> parts, Runnable release) {
            this.chunks = chunks;
            this.parts = parts.iterator();
            this.release = release;
            this.head = ByteBuffer.allocate(HEADER).putInt(MAGIC).putShort((short) VERSION)
                    .putLong(header.baseGuid()).putLong(header.datasetGuid()).putInt(header.snapshots()).array();
        }

        /** The read-ahead thread's loop: every buffer of the stream, in order, then {@link #EOF}. */
        private void produce() {
            try {
                sha.update(head);
                offer(ByteBuffer.wrap(head));
                long records = 0;
                while (parts.hasNext() && !stopping) {
                    Part p = parts.next();
                    records++;
                    if (p instanceof ChunkPart c) {
                        ChunkStore.Encoded e = chunks.readEncoded(c.hash());
                        ByteBuffer b = ByteBuffer.allocate(5 + 32 + 1 + 4);
                        b.put(CHUNK).putInt(32 + 1 + 4 + e.payload().length).put(c.hash()).put(e.codec()).putInt(e.rawLength());
                        sha.update(b.array());
                        sha.update(e.payload());
                        offer(ByteBuffer.wrap(b.array()));
                        offer(ByteBuffer.wrap(e.payload()));
                    } else {
                        byte type = p instanceof DeltaPart ? DELTA : MANIFEST;
                        byte[] m = p instanceof DeltaPart dp ? dp.delta() : ((ManifestPart) p).encoded();
                        byte[] b = ByteBuffer.allocate(5 + m.length).put(type).putInt(m.length).put(m).array();
                        sha.update(b);
                        offer(ByteBuffer.wrap(b));
                    }
                }
                if (stopping) {
                    return;
                }
                ByteBuffer b = ByteBuffer.allocate(5 + 8 + 32).put(END).putInt(8 + 32).putLong(records);
                b.put(sha.digest());
                offer(ByteBuffer.wrap(b.array()));
            } catch (InterruptedException stop) {
                // closed
            } catch (Throwable e) {
                failure = e;
            } finally {
                queue.add(EOF); // always: a reader waiting in another thread must wake, also when the stream was closed
            }
        }

        /** At the end of the queue: a close or a failure of the read-ahead is thrown, every time; a normal end returns. */
        private void endOfQueue() throws IOException {
            if (stopping) {
                throw new IOException("send stream was closed");
            }
            Throwable f = failure;
            if (f instanceof IOException x) {
                throw x;
            }
            if (f instanceof RuntimeException x) {
                throw x;
            }
            if (f instanceof Error x) {
                throw x;
            }
        }

        /** Queues a buffer once there is room; InterruptedException once the stream is closed. */
        private void offer(ByteBuffer b) throws InterruptedException {
            room.acquire(Math.min(b.remaining(), READ_AHEAD));
            if (stopping) {
                throw new InterruptedException("send stream closed");
            }
            queue.add(b);
        }

        /** Makes {@link #current} a buffer with bytes left; false at the end of the stream. */
        private boolean advance() throws IOException {
            while (current == null || !current.hasRemaining()) {
                if (current != null) {
                    room.release(Math.min(current.capacity(), READ_AHEAD));
                    current = null;
                }
                if (ended) {
                    endOfQueue();
                    return false;
                }
                if (thread == null) {
                    thread = new Thread(this::produce, "snapferry-send-readahead");
                    thread.setDaemon(true);
                    thread.start();
                }
                ByteBuffer b;
                try {
                    b = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while reading a send stream");
                }
                if (b == EOF) {
                    ended = true;
                    endOfQueue();
                    return false;
                }
                current = b;
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (closed) {
                throw new IOException("send stream is closed");
            }
            if (len == 0) {
                return 0;
            }
            if (!advance()) {
                return -1;
            }
            int n = Math.min(len, current.remaining());
            current.get(b, off, n);
            return n;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (thread != null) {
                // Not Thread.interrupt: that would close the pack channels the thread shares with other readers.
                stopping = true;
                room.release(2 * READ_AHEAD);
                boolean interrupted = false;
                while (thread.isAlive()) {
                    try {
                        thread.join();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            release.run();
        }
    }

    /** What a reader hands to its consumer. */
    interface Consumer {
        void chunk(byte[] hash, ChunkStore.Encoded encoded) throws IOException;

        void manifest(Manifest m) throws IOException;

        /** A manifest as a delta (see {@link ManifestDelta}); the consumer applies it to the base it names. */
        void manifestDelta(byte[] delta) throws IOException;
    }

    /** Reads the header; a stream of another kind is CORRUPT_STREAM. */
    static Header readHeader(DataInputStream in, MessageDigest sha) throws IOException {
        byte[] h = new byte[HEADER];
        try {
            in.readFully(h);
        } catch (EOFException e) {
            throw corrupt("stream ends inside its header");
        }
        sha.update(h);
        ByteBuffer b = ByteBuffer.wrap(h);
        if (b.getInt() != MAGIC) {
            throw corrupt("not an embedded-store stream (bad magic)");
        }
        int version = b.getShort();
        if (version < 1 || version > VERSION) {
            throw corrupt("stream version " + version + " is not supported (this build reads 1 to " + VERSION
                    + "): upgrade snapferry on the receiving side");
        }
        long base = b.getLong();
        long ds = b.getLong();
        int n = b.getInt();
        if (n <= 0 || n > MAX_SNAPSHOTS) {
            throw corrupt("stream announces " + n + " snapshots");
        }
        return new Header(base, ds, n);
    }

    /**
     * Reads records up to and including END, checks the count and the digest, and requires the
     * stream to end there. Chunks are checked against their hash before the consumer sees them.
     */
    static void readBody(DataInputStream in, MessageDigest sha, Header header, Consumer consumer) throws IOException {
        long records = 0;
        int manifests = 0;
        try {
            while (true) {
                int type = in.readUnsignedByte();
                int len = in.readInt();
                if (type == END) {
                    if (len != 40) {
                        throw corrupt("END record has length " + len);
                    }
                    byte[] want = sha.digest();
                    long count = in.readLong();
                    byte[] got = new byte[32];
                    in.readFully(got);
                    if (count != records || !MessageDigest.isEqual(want, got)) {
                        throw corrupt("stream digest or record count does not match: the stream was damaged");
                    }
                    if (manifests != header.snapshots()) {
                        throw corrupt("stream announced " + header.snapshots() + " snapshots but carried " + manifests);
                    }
                    if (in.read() >= 0) {
                        throw corrupt("bytes after the end of the stream");
                    }
                    return;
                }
                sha.update((byte) type);
                sha.update(ByteBuffer.allocate(4).putInt(len).array());
                records++;
                if (type == CHUNK) {
                    if (len < 37 || len > MAX_CHUNK_RECORD) {
                        throw corrupt("chunk record of " + len + " bytes (limit " + MAX_CHUNK_RECORD + ")");
                    }
                    byte[] body = new byte[len];
                    in.readFully(body);
                    sha.update(body);
                    ByteBuffer b = ByteBuffer.wrap(body);
                    byte[] hash = new byte[32];
                    b.get(hash);
                    byte codec = b.get();
                    int raw = b.getInt();
                    ChunkStore.Encoded e = new ChunkStore.Encoded(codec, raw, Arrays.copyOfRange(body, 37, body.length));
                    byte[] data = ChunkStore.decode(e);
                    if (!MessageDigest.isEqual(Manifest.sha256().digest(data), hash)) {
                        throw corrupt("a chunk does not match its SHA-256: the stream was damaged");
                    }
                    consumer.chunk(hash, e);
                } else if (type == DELTA) {
                    if (len < 8 + 4 + 4 + 32 || len > MAX_MANIFEST) {
                        throw corrupt("manifest delta record of " + len + " bytes (limit " + MAX_MANIFEST + ")");
                    }
                    if (++manifests > header.snapshots()) {
                        throw corrupt("more manifests than the header announced");
                    }
                    byte[] body = new byte[len];
                    in.readFully(body);
                    sha.update(body);
                    consumer.manifestDelta(body);
                } else if (type == MANIFEST) {
                    if (len < 40 || len > MAX_MANIFEST) {
                        throw corrupt("manifest record of " + len + " bytes (limit " + MAX_MANIFEST + ")");
                    }
                    if (++manifests > header.snapshots()) {
                        throw corrupt("more manifests than the header announced");
                    }
                    byte[] body = new byte[len];
                    in.readFully(body);
                    sha.update(body);
                    consumer.manifest(Manifest.decode(body));
                } else {
                    throw corrupt("unknown record type " + type);
                }
            }
        } catch (EOFException e) {
            throw corrupt("stream truncated after " + records + " records");
        }
    }

    static DatasetException corrupt(String what) {
        return new DatasetException(ErrorCode.CORRUPT_STREAM, what);
    }
}
