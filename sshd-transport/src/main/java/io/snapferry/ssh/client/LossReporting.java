package io.snapferry.ssh.client;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.UnaryOperator;

/**
 * Channel streams whose failures say what happened to the connection: every {@link IOException}
 * of the wrapped stream passes through {@code explain} (see {@link SshSession#lost}), which
 * replaces MINA's "Already closed: RemoteWindow[...]" with "the SSH connection to b (host:port)
 * was lost: ..." when the session is gone. Same threading and closing rules as the wrapped stream.
 */
final class LossReporting {
    private LossReporting() {
    }

    static final class In extends FilterInputStream {
        private final UnaryOperator<IOException> explain;

        In(InputStream in, UnaryOperator<IOException> explain) {
            super(in);
            this.explain = explain;
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                throw explain.apply(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw explain.apply(e);
            }
        }
    }

    static final class Out extends FilterOutputStream {
        private final UnaryOperator<IOException> explain;

        Out(OutputStream out, UnaryOperator<IOException> explain) {
            super(out);
            this.explain = explain;
        }

        @Override
        public void write(int b) throws IOException {
            try {
                out.write(b);
            } catch (IOException e) {
                throw explain.apply(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw explain.apply(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw explain.apply(e);
            }
        }
    }
}
