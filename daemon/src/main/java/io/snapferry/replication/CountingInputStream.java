package io.snapferry.replication;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;

/**
 * Counts the bytes read through it, remembers when the last byte moved (for the stall watchdog)
 * and reports progress about once per MiB. Read by one thread; {@link #bytes()},
 * {@link #idleNanos()} and {@link #finished()} may be asked from another.
 */
final class CountingInputStream extends FilterInputStream {
    private static final long REPORT_EVERY = 1 << 20;

    private final LongConsumer progress;
    private volatile long bytes;
    private volatile long lastActivity = System.nanoTime();
    private volatile boolean finished;
    private long reported;

    CountingInputStream(InputStream in, LongConsumer progress) {
        super(in);
        this.progress = progress;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        moved(b < 0 ? -1 : 1);
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        moved(n);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long k = super.skip(n);
        moved(k);
        return k;
    }

    private void moved(long n) {
        lastActivity = System.nanoTime();
        if (n < 0) {
            finished = true;
            return;
        }
        if (n > 0) {
            finished = false; // a stream re-sent in part after its end moves again
        }
        bytes += n;
        if (bytes - reported >= REPORT_EVERY) {
            reported = bytes;
            progress.accept(bytes);
        }
    }

    long bytes() {
        return bytes;
    }

    /** Nanoseconds since a byte last moved (or since the stream was opened). */
    long idleNanos() {
        return System.nanoTime() - lastActivity;
    }

    /**
     * True once the end of the stream was read (and nothing moved since: a stream some of whose
     * frames are sent again reads on after its end): what remains is the receiver's own work.
     */
    boolean finished() {
        return finished;
    }
}
