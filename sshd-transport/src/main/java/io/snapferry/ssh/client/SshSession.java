package io.snapferry.ssh.client;

import io.snapferry.ssh.endpoint.EndpointIdentity;
import io.snapferry.ssh.endpoint.EndpointServer;
import io.snapferry.ssh.endpoint.RemoteEndpoint;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelSubsystem;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;

/**
 * An authenticated SSH connection to another box, with the host key checked. Channels on it
 * (endpoints, commands) may be used from different threads at once. Closing it closes every
 * channel.
 */
public final class SshSession implements AutoCloseable {
    private final SshClient client;
    private final ClientSession session;
    private final SshConnection connection;
    /** The first failure MINA reported on the session: why it was closed under us. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    SshSession(SshClient client, ClientSession session, SshConnection connection) {
        this.client = client;
        this.session = session;
        this.connection = connection;
        session.addSessionListener(new SessionListener() {
            @Override
            public void sessionException(Session s, Throwable t) {
                failure.compareAndSet(null, t);
            }
        });
    }

    /** The remote SSH server's version string, e.g. {@code SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3}. */
    public String serverVersion() {
        return session.getServerVersion();
    }

    /** True when the remote is a snapferry box (its server identifies itself as snapferry). */
    public boolean isSnapferry() {
        String v = serverVersion();
        return v != null && v.startsWith("SSH-2.0-snapferry_");
    }

    public SshConnection connection() {
        return connection;
    }

    public boolean isOpen() {
        return session.isOpen();
    }

    /**
     * Opens the replication endpoint of a snapferry box on a new channel and says hello. Closing
     * the endpoint closes the channel, not this session.
     */
    public RemoteEndpoint endpoint(EndpointIdentity self) throws IOException {
        return endpoint(self, false);
    }

    RemoteEndpoint endpoint(EndpointIdentity self, boolean closeSessionToo) throws IOException {
        ChannelSubsystem channel = session.createSubsystemChannel(EndpointServer.SUBSYSTEM);
        try {
            channel.open().verify(connection.connectTimeout());
        } catch (IOException e) {
            channel.close(true);
            throw new IOException("the remote has no snapferry endpoint (is it a snapferry box?): " + e.getMessage(), e);
        }
        try {
            return RemoteEndpoint.open(new LossReporting.In(drained(channel.getInvertedOut()), this::lost),
                    new LossReporting.Out(channel.getInvertedIn(), this::lost), () -> {
                try {
                    channel.close(false);
                } finally {
                    if (closeSessionToo) {
                        close();
                    }
                }
            }, self);
        } catch (IOException e) {
            if (e instanceof io.snapferry.ssh.endpoint.ProtocolException || channel.isOpen() && !channel.isClosing()) {
                throw e;
            }
            // the server refused the subsystem request and closed the channel
            throw new IOException("the remote has no snapferry endpoint (is it a snapferry box, and is this box's key a peer there?): "
                    + e.getMessage(), e);
        }
    }

    /**
     * What a channel stream's failure means: when the session is gone, an exception that says the
     * connection to the remote was lost, and why, around {@code e}; otherwise {@code e} itself.
     */
    IOException lost(IOException e) {
        if (session.isOpen() && !session.isClosing() && failure.get() == null) {
            return e;
        }
        String where = (connection.host().indexOf(':') >= 0 ? "[" + connection.host() + "]" : connection.host()) + ":" + connection.port();
        return new SessionLostException(connection.name(), where, lossReason(failure.get()), e);
    }

    /** Why a session ended, in words, from the failure MINA reported (null: closed without one). */
    static String lossReason(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.InterruptedByTimeoutException || t instanceof java.net.SocketTimeoutException) {
                return "the remote acknowledged nothing sent to it for "
                        + org.apache.sshd.core.CoreModuleProperties.NIO2_MIN_WRITE_TIMEOUT.getRequiredDefault().toSeconds()
                        + " s; is the network between the boxes down?";
            }
            if (t.getMessage() != null && t.getMessage().contains("heartbeat requests without reply")) {
                return "the remote answered none of the last " + SshConnector.KEEPALIVE_MAX_UNANSWERED + " keepalives (one every "
                        + SshConnector.KEEPALIVE_INTERVAL.toSeconds() + " s); is the network between the boxes down?";
            }
            String m = String.valueOf(t.getMessage());
            if (t instanceof java.net.SocketException || t instanceof java.io.EOFException
                    || m.startsWith("Connection reset") || m.startsWith("Broken pipe")) {
                return "the remote closed it (" + t.getMessage() + "); did the remote box restart?";
            }
        }
        if (failure == null) {
            return "it was closed";
        }
        return failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
    }

    /** Read-ahead buffer over a channel's input pipe; see {@link #drained}. */
    static final int READ_AHEAD = 8 << 20;

    /**
     * Wraps a channel's input pipe so that every read from the pipe takes all it holds, up to 8 MiB.
     * MINA's pipe moves its unread bytes to the front of its buffer after each read larger than a
     * packet; with a 16 MiB window and small reads that copying costs more than the transfer.
     */
    static InputStream drained(InputStream pipe) {
        return new BufferedInputStream(pipe, READ_AHEAD);
    }

    /**
     * Quotes one argument for a POSIX shell: always single-quoted, each {@code '} written as
     * {@code '\''}. Refuses NUL, which no command line can carry.
     */
    public static String quote(String arg) {
        Objects.requireNonNull(arg, "argument");
        if (arg.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a command argument cannot contain NUL");
        }
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    /** The command line {@link #exec} sends: every argument quoted, separated by spaces. */
    public static String commandLine(String... argv) {
        if (argv.length == 0) {
            throw new IllegalArgumentException("no command given");
        }
        StringBuilder b = new StringBuilder();
        for (String a : argv) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(quote(a));
        }
        return b.toString();
    }

    /**
     * Starts {@code argv} on the remote host through the remote user's shell, each argument quoted
     * so that it arrives as exactly one argument, whatever characters it holds.
     */
    public RemoteCommand exec(String... argv) throws IOException {
        String line = commandLine(argv);
        ChannelExec channel = session.createExecChannel(line);
        try {
            channel.open().verify(connection.connectTimeout());
        } catch (IOException e) {
            channel.close(true);
            throw new IOException("the remote refused to run a command: " + e.getMessage(), e);
        }
        return new RemoteCommand(channel, line);
    }

    /**
     * Runs {@code argv} with empty input and returns its exit code and output, for commands whose
     * output is small (it is kept in memory).
     */
    public ExecResult run(Duration timeout, String... argv) throws IOException {
        String line = commandLine(argv);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ChannelExec channel = session.createExecChannel(line)) {
            channel.setIn(new ByteArrayInputStream(new byte[0]));
            channel.setOut(out);
            channel.setErr(err);
            channel.open().verify(connection.connectTimeout());
            var events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout);
            if (events.contains(ClientChannelEvent.TIMEOUT)) {
                throw new IOException("remote command did not end within " + timeout + ": " + line);
            }
            Integer status = channel.getExitStatus();
            if (status == null) {
                throw new IOException("remote command ended without an exit status: " + line);
            }
            return new ExecResult(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() throws IOException {
        try {
            // a graceful close, bounded: the remote sees a clean disconnect, not a reset
            session.close(false).await(Duration.ofSeconds(5));
        } finally {
            client.stop();
        }
    }

    @Override
    public String toString() {
        return "SshSession[" + connection.name() + " " + connection.host() + ":" + connection.port() + "]";
    }
}
