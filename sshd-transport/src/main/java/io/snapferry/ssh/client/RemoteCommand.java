package io.snapferry.ssh.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;

/**
 * A command running on the remote host. The caller writes {@link #stdin()} (closing it sends EOF),
 * reads {@link #stdout()} and {@link #stderr()} (both, or on separate threads: a full stderr window
 * stalls the command), then calls {@link #waitFor}. {@link #close()} ends the channel, and with it
 * the command if still running.
 */
public final class RemoteCommand implements AutoCloseable {
    private final ChannelExec channel;
    private final String commandLine;
    private InputStream stdout;

    RemoteCommand(ChannelExec channel, String commandLine) {
        this.channel = channel;
        this.commandLine = commandLine;
    }

    public OutputStream stdin() {
        return channel.getInvertedIn();
    }

    /** The command's output. The same stream on every call; read-ahead buffered (8 MiB). */
    public synchronized InputStream stdout() {
        if (stdout == null) {
            stdout = SshSession.drained(channel.getInvertedOut());
        }
        return stdout;
    }

    public InputStream stderr() {
        return channel.getInvertedErr();
    }

    /** The command line as sent, with every argument quoted. */
    public String commandLine() {
        return commandLine;
    }

    /**
     * Waits for the command to end and returns its exit code.
     *
     * @throws IOException when it has not ended within {@code timeout}, or ended without an exit
     *                     status (killed by a signal, or the connection dropped)
     */
    public int waitFor(Duration timeout) throws IOException {
        Set<ClientChannelEvent> events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED, ClientChannelEvent.EXIT_STATUS), timeout);
        Integer status = channel.getExitStatus();
        if (status != null) {
            return status;
        }
        if (events.contains(ClientChannelEvent.TIMEOUT)) {
            throw new IOException("remote command did not end within " + timeout + ": " + commandLine);
        }
        String signal = channel.getExitSignal();
        throw new IOException("remote command ended without an exit status" + (signal == null ? "" : " (signal " + signal + ")") + ": " + commandLine);
    }

    @Override
    public void close() throws IOException {
        channel.close(false);
    }

    @Override
    public String toString() {
        return "RemoteCommand[" + commandLine + "]";
    }
}
