package io.snapferry.daemon.systemd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import jnr.ffi.LastError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd how the daemon is doing, as {@code sd_notify(3)} does: one datagram per message to
 * the unix socket named by {@code $NOTIFY_SOCKET}. When that variable is unset (the daemon runs
 * outside a {@code Type=notify} unit) every method does nothing.
 *
 * <p>Messages are newline-separated {@code KEY=VALUE} lines: {@link #ready} sends {@code READY=1},
 * {@link #stopping} {@code STOPPING=1}, and each carries a {@code STATUS=} line that
 * {@code systemctl status} shows. The datagrams go from the calling process itself, so the unit's
 * {@code NotifyAccess=main} accepts them when the JVM is the main process (the launcher
 * {@code exec}s it).
 *
 * <p>Thread-safe; each message opens, uses and closes its own socket. {@link #send} reports a failed
 * delivery as an {@link IOException}; the convenience methods log it at WARN and return false, since
 * the daemon's work does not depend on systemd hearing about it.
 */
public final class SystemdNotify {
    public static final String ENV = "NOTIFY_SOCKET";
    private static final Logger LOG = LoggerFactory.getLogger(SystemdNotify.class);
    private static final SystemdNotify DISABLED = new SystemdNotify(Optional.empty());

    private final Optional<NotifySocket> socket;

    private SystemdNotify(Optional<NotifySocket> socket) {
        this.socket = socket;
    }

    /** From this process's {@code $NOTIFY_SOCKET}. */
    public static SystemdNotify fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * From {@code env}'s {@code NOTIFY_SOCKET}: disabled when it is unset or empty, and, with a
     * warning naming the problem, when it is malformed.
     */
    public static SystemdNotify fromEnvironment(Map<String, String> env) {
        String value = env.get(ENV);
        if (value == null || value.isEmpty()) {
            return DISABLED;
        }
        try {
            return to(new NotifySocket(value));
        } catch (IllegalArgumentException e) {
            LOG.warn("not notifying systemd: {}", e.getMessage());
            return DISABLED;
        }
    }

    /** Notifies the given socket. */
    public static SystemdNotify to(NotifySocket socket) {
        return new SystemdNotify(Optional.of(socket));
    }

    /** One that never sends anything. */
    public static SystemdNotify disabled() {
        return DISABLED;
    }

    public boolean enabled() {
        return socket.isPresent();
    }

    public Optional<NotifySocket> socket() {
        return socket;
    }

    /** {@code READY=1}: start-up finished; systemd now considers the unit active. */
    public boolean ready(String status) {
        return trySend("READY=1\nSTATUS=" + oneLine(status));
    }

    /** {@code STATUS=...}: a one-line description of what the daemon is doing. */
    public boolean status(String status) {
        return trySend("STATUS=" + oneLine(status));
    }

    /** {@code STOPPING=1}: the daemon has begun to shut down. */
    public boolean stopping(String status) {
        return trySend("STOPPING=1\nSTATUS=" + oneLine(status));
    }

    /**
     * Sends {@code message} as one datagram. Does nothing when disabled.
     *
     * @throws IOException naming the socket and the system error when the datagram was not delivered
     *                     (for instance nothing listens on the socket)
     */
    public void send(String message) throws IOException {
        if (socket.isEmpty()) {
            return;
        }
        NotifySocket target = socket.get();
        byte[] payload = message.getBytes(StandardCharsets.UTF_8);
        byte[] addr = target.sockaddr();
        LibC libc = LibC.Holder.LIBC;
        int fd = libc.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw failure("socket(AF_UNIX, SOCK_DGRAM)", target);
        }
        try {
            long sent = libc.sendto(fd, payload, payload.length, LibC.MSG_NOSIGNAL, addr, addr.length);
            if (sent < 0) {
                throw failure("sendto", target);
            }
            if (sent != payload.length) {
                throw new IOException("notifying systemd at " + target + ": sent " + sent + " of " + payload.length + " bytes");
            }
        } finally {
            libc.close(fd);
        }
    }

    private boolean trySend(String message) {
        if (socket.isEmpty()) {
            return false;
        }
        try {
            send(message);
            return true;
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.warn("could not notify systemd: {}", e.getMessage());
            return false;
        }
    }

    private static IOException failure(String call, NotifySocket target) {
        int errno = LastError.getLastError(LibC.Holder.RUNTIME);
        return new IOException("notifying systemd at " + target + ": " + call + " failed: "
                + LibC.Holder.LIBC.strerror(errno) + " (errno " + errno + ")");
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }
}
