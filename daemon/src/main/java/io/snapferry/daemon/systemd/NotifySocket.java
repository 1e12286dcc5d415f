package io.snapferry.daemon.systemd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The address in {@code $NOTIFY_SOCKET}, validated: an absolute path of a unix datagram socket, or
 * an abstract socket name written with a leading {@code @}.
 *
 * @param value the address as systemd gave it
 */
public record NotifySocket(String value) {
    /** {@code sizeof(sun_path)} on Linux. */
    static final int SUN_PATH_MAX = 108;
    private static final short AF_UNIX = 1;

    public NotifySocket {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("NOTIFY_SOCKET is empty");
        }
        if (!value.startsWith("/") && !value.startsWith("@")) {
            throw new IllegalArgumentException("NOTIFY_SOCKET='" + value
                    + "' is neither an absolute socket path nor an abstract name starting with '@'"
                    + " (other address kinds, such as vsock:, are not supported)");
        }
        if (value.length() < 2) {
            throw new IllegalArgumentException("NOTIFY_SOCKET='" + value + "' names no socket");
        }
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("NOTIFY_SOCKET contains a NUL character");
        }
        int room = SUN_PATH_MAX - 1; // a path needs its trailing NUL, an abstract name its leading one
        if (nameBytes(value).length > room) {
            throw new IllegalArgumentException("NOTIFY_SOCKET='" + value + "' is longer than the " + room
                    + " bytes a unix socket address holds");
        }
    }

    /** True for an abstract socket ({@code @name}), which has no file. */
    public boolean abstractName() {
        return value.startsWith("@");
    }

    /** The path, or the abstract name without its {@code @}. */
    private static byte[] nameBytes(String value) {
        return (value.startsWith("@") ? value.substring(1) : value).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The {@code struct sockaddr_un} for {@code sendto}: family, then the path with its NUL, or a
     * NUL and the abstract name (whose length is given by the address length, not by a NUL).
     */
    byte[] sockaddr() {
        byte[] name = nameBytes(value);
        ByteBuffer b = ByteBuffer.allocate(2 + 1 + name.length).order(ByteOrder.nativeOrder());
        b.putShort(AF_UNIX);
        if (abstractName()) {
            b.put((byte) 0).put(name);
        } else {
            b.put(name).put((byte) 0);
        }
        return b.array();
    }

    @Override
    public String toString() {
        return value;
    }
}
