package io.snapferry.daemon.ssh;

import io.snapferry.ssh.client.SshConnection;
import java.time.Duration;
import java.util.List;

/**
 * A connection to another box as stored in {@code config/connections/NAME.json}. Validated by
 * {@link SshManager} before it is saved; {@link #toSsh()} gives the transport's
 * {@link SshConnection}.
 *
 * @param connectTimeoutSeconds 1 to 600
 * @param ciphers               OpenSSH cipher names in order of preference; empty: the transport's defaults
 */
public record ConnectionConfig(String name, String host, int port, String user, String keyPair, String hostKey,
                               int connectTimeoutSeconds, List<String> ciphers) {
    public static final int DEFAULT_PORT = 8022;
    public static final String DEFAULT_USER = "snapferry";
    public static final int DEFAULT_TIMEOUT_SECONDS = 15;

    public ConnectionConfig {
        ciphers = ciphers == null ? List.of() : List.copyOf(ciphers);
    }

    /** The transport's view; throws IllegalArgumentException or KeyException when a field is invalid. */
    public SshConnection toSsh() {
        return new SshConnection(name, host, port, user, keyPair, hostKey, Duration.ofSeconds(connectTimeoutSeconds), ciphers);
    }

    public ConnectionConfig withHostKey(String key) {
        return new ConnectionConfig(name, host, port, user, keyPair, key, connectTimeoutSeconds, ciphers);
    }
}
