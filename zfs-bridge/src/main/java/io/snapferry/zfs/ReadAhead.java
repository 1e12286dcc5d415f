package io.snapferry.zfs;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a stream ahead of its reader on a thread of its own, up to {@code chunks} chunks of
 * {@code chunkBytes} (and the one it is filling), as mbuffer does between a network and {@code zfs receive}: while
 * {@code zfs receive} is busy and stops reading its pipe, the network side goes on delivering.
 *
 * <p>The bytes come out as they went in, then end of stream; a failure of the source shows as
 * {@code read} throwing it once the bytes before it are delivered. {@link #close()} stops the
 * read-ahead thread (after the read it is in returns) and does not close the source: closing the
 * source is the caller's, as ever (closing it also unblocks a read-ahead thread stuck in a read).
 * An interrupted {@code read} throws {@link InterruptedIOException}. One reader thread at a time.
 */
final class ReadAhead extends InputStream {
    private static final byte[] END = new byte[0];

    private final BlockingQueue<Object> queue;
    private volatile boolean closed;
    private byte[] current = END;
    private int pos;
    private boolean ended;
    private IOException failure;

    ReadAhead(InputStream source, int chunkBytes, int chunks, String name) {
        this.queue = new ArrayBlockingQueue<>(chunks + 1);
        Thread t = new Thread(() -> fill(source, chunkBytes), name);
        t.setDaemon(true);
        t.start();
    }

    private void fill(InputStream source, int chunkBytes) {
        Object last = END;
        try {
            while (!closed) {
                byte[] buf = new byte[chunkBytes];
                int n = 0;
                // Fill the chunk with what is there now; hand over what is there rather than wait for more.
                int r = source.read(buf, 0, buf.length);
                if (r < 0) {
                    break;
                }
                n += r;
                while (n < buf.length && source.available() > 0) {
                    r = source.read(buf, n, buf.length - n);
                    if (r < 0) {
                        break;
                    }
                    n += r;
                }
                if (!put(n == buf.length ? buf : Arrays.copyOf(buf, n)) || r < 0) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            last = e instanceof IOException io ? io : new IOException(e);
        }
        put(last);
    }

    /** Queues {@code item} unless closed meanwhile; false when closed. */
    private boolean put(Object item) {
        try {
            while (!closed) {
                if (queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** The next chunk with bytes left, or false at the end (or failure, then thrown). */
    private boolean next() throws IOException {
        while (pos >= current.length) {
            if (failure != null) {
                throw failure;
            }
            if (ended) {
                return false;
            }
            Object item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the stream");
            }
            if (item instanceof IOException e) {
                failure = e;
            } else if (item == END) {
                ended = true;
            } else {
                current = (byte[]) item;
                pos = 0;
            }
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        return next() ? current[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("stream closed");
        }
        if (len == 0) {
            return 0;
        }
        if (!next()) {
            return -1;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public void close() {
        closed = true;
        queue.clear();
    }
}
