package io.snapferry.ssh.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.sshd.server.channel.ChannelDataReceiver;
import org.apache.sshd.server.channel.ChannelSession;

/**
 * Takes a channel's data as a {@link ChannelDataReceiver} (on MINA's I/O thread, which only copies
 * and queues) and hands it to one reading thread as an {@link InputStream}. Flow control stays
 * with SSH: the channel window is released only as the reader consumes, so the queue never holds
 * more than one window. EOF or close of the channel ends the stream after the queued data.
 */
final class ChannelInput extends InputStream implements ChannelDataReceiver {
    private static final byte[] EOF = new byte[0];
    private final ChannelSession channel;
    private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private byte[] chunk;
    private int pos;
    private long unreleased;
    private boolean eof;
    private volatile boolean closed;

    ChannelInput(ChannelSession channel) {
        this.channel = channel;
    }

    @Override
    public int data(ChannelSession channel, byte[] buf, int start, int len) {
        if (len > 0 && !closed) {
            byte[] copy = new byte[len];
            System.arraycopy(buf, start, copy, 0, len);
            queue.add(copy);
        }
        return 0;
    }

    private boolean fill() throws IOException {
        while (chunk == null || pos == chunk.length) {
            if (eof) {
                return false;
            }
            if (chunk != null) {
                release(chunk.length);
                chunk = null;
            }
            byte[] next = queue.poll();
            if (next == null) {
                flushRelease();
                try {
                    next = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for channel data");
                }
            }
            if (next == EOF) {
                eof = true;
                return false;
            }
            chunk = next;
            pos = 0;
        }
        return true;
    }

    private void release(long n) throws IOException {
        unreleased += n;
        if (unreleased >= 256 * 1024) {
            flushRelease();
        }
    }

    private void flushRelease() throws IOException {
        if (unreleased > 0 && !closed && channel.isOpen()) {
            channel.getLocalWindow().release(unreleased);
        }
        unreleased = 0;
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return chunk[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, chunk.length - pos);
        System.arraycopy(chunk, pos, b, off, n);
        pos += n;
        return n;
    }

    /** The bytes left of the chunk being read or, when it is used up, of the next one queued. */
    @Override
    public int available() {
        int left = chunk == null ? 0 : chunk.length - pos;
        if (left > 0) {
            return left;
        }
        byte[] next = queue.peek();
        return next == null || next == EOF ? 0 : next.length;
    }

    /** Called by MINA on the client's EOF and on channel close: the stream ends after what is queued. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            queue.add(EOF);
        }
    }
}
