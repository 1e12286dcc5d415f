package io.snapferry.zfs;

import io.snapferry.dataset.DatasetException;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;

/**
 * The stdout of a running {@code zfs send}, read directly (nothing is buffered beyond the pipe).
 * At the end of the stream it waits for the process: a non-zero exit is thrown from {@code read}
 * as the {@link DatasetException} its stderr maps to, so a failed send never looks like a short,
 * complete stream. {@link #close} before the end kills the process. Not thread-safe: one reader.
 */
final class ProcessInputStream extends InputStream {
    private final Process process;
    private final InputStream out;
    private final CommandRunner.StreamCollector err;
    private final String what;
    private boolean ended;
    private boolean closed;

    ProcessInputStream(Process process, String what) {
        this.process = process;
        this.out = process.getInputStream();
        this.err = CommandRunner.StreamCollector.start(process.getErrorStream(), 64 << 10, "stderr of " + what);
        this.what = what;
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
            throw new IOException(what + ": stream is closed");
        }
        if (ended) {
            return -1;
        }
        int n = out.read(b, off, len);
        if (n < 0) {
            ended = true;
            finish();
        }
        return n;
    }

    @Override
    public int available() throws IOException {
        return closed || ended ? 0 : out.available();
    }

    /** Waits for the process after the end of its output and throws if it failed. */
    private void finish() throws IOException {
        int exit;
        try {
            exit = process.waitFor();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(what + ": interrupted while waiting for it to finish", e);
        }
        if (exit != 0) {
            throw ZfsErrors.toException(what, err.text(), exit);
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (!ended && !process.isAlive() && process.exitValue() != 0) {
            // it failed before the reader saw the end: report that rather than a quiet close
            out.close();
            throw ZfsErrors.toException(what, err.text(), process.exitValue());
        }
        if (!ended) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        out.close();
    }
}
