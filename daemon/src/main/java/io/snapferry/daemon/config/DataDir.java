package io.snapferry.daemon.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * The daemon's data directory: where it keeps configuration, keys, state and the embedded store's
 * default pool, and how the CLI finds a running daemon ({@link #apiAddress()}, {@link #adminToken()}).
 *
 * <p>Only one daemon may own a directory: {@link #lock()} takes an exclusive lock on
 * {@code daemon.lock} for the life of the process.
 */
public final class DataDir {
    public static final String ENV = "SNAPFERRY_DATA";
    public static final Path DEFAULT = Path.of("/var/lib/snapferry");

    private final Path root;

    public DataDir(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The directory from {@code --data}, else {@code $SNAPFERRY_DATA}, else /var/lib/snapferry. */
    public static DataDir resolve(Optional<String> flag) {
        String env = System.getenv(ENV);
        if (flag.isPresent()) {
            return new DataDir(Path.of(flag.get()));
        }
        if (env != null && !env.isBlank()) {
            return new DataDir(Path.of(env));
        }
        return new DataDir(DEFAULT);
    }

    public Path root() {
        return root;
    }

    public Path config() {
        return root.resolve("config");
    }

    public Path keys() {
        return root.resolve("keys");
    }

    public Path state() {
        return root.resolve("state");
    }

    public Path tls() {
        return root.resolve("tls");
    }

    public Path pools() {
        return root.resolve("pools");
    }

    public Path logs() {
        return root.resolve("logs");
    }

    /** Creates the directory tree, private to the owner. */
    public DataDir create() throws IOException {
        for (Path p : new Path[] {root, config(), keys(), state(), tls(), pools()}) {
            if (!Files.isDirectory(p)) {
                Files.createDirectories(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        }
        return this;
    }

    /**
     * Takes the directory for this process. Throws {@link AlreadyRunningException} naming the other
     * daemon's pid when one holds it.
     */
    public DaemonLock lock() throws IOException {
        Path file = root.resolve("daemon.lock");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null; // this very process holds it already
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String pid = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).trim();
            ch.close();
            throw new AlreadyRunningException("another snapferry daemon" + (pid.isEmpty() ? "" : " (pid " + pid + ")")
                    + " is already running on " + root + "; stop it first or use another --data directory");
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        ch.force(true);
        return new DaemonLock(ch, lock);
    }

    /** Held for the daemon's lifetime; closing it lets another daemon start. */
    public static final class DaemonLock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        DaemonLock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            lock.release();
            channel.close();
        }
    }

    public static final class AlreadyRunningException extends IOException {
        private static final long serialVersionUID = 1L;

        public AlreadyRunningException(String message) {
            super(message);
        }
    }

    /** Where the running daemon's API listens. Written at start, removed at clean stop. */
    public record ApiAddress(String url, Optional<String> certificateSha256, int sshPort, long pid) {
    }

    public void writeApiAddress(ApiAddress address) throws IOException {
        AtomicFiles.write(root.resolve("api.json"), Json.mapper().writeValueAsBytes(address));
    }

    public void clearApiAddress() throws IOException {
        Files.deleteIfExists(root.resolve("api.json"));
    }

    public Optional<ApiAddress> apiAddress() throws IOException {
        Path p = root.resolve("api.json");
        if (!Files.exists(p)) {
            return Optional.empty();
        }
        return Optional.of(Json.mapper().readValue(p.toFile(), ApiAddress.class));
    }

    /** The local admin credential for the CLI, created on first use, readable only by its owner. */
    public String adminToken() throws IOException {
        Path p = root.resolve("admin.token");
        if (Files.exists(p)) {
            return Files.readString(p, StandardCharsets.US_ASCII).trim();
        }
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        String token = "sfa_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        AtomicFiles.write(p, (token + "\n").getBytes(StandardCharsets.US_ASCII), AtomicFiles.OWNER_ONLY);
        return token;
    }

    /** This box's identity, made at first use: recorded as the owner of replication targets. */
    public String boxId() throws IOException {
        Path p = root.resolve("box-id");
        if (Files.exists(p)) {
            return Files.readString(p, StandardCharsets.US_ASCII).trim();
        }
        byte[] raw = new byte[12];
        new SecureRandom().nextBytes(raw);
        String id = "box-" + java.util.HexFormat.of().formatHex(raw);
        AtomicFiles.write(p, (id + "\n").getBytes(StandardCharsets.US_ASCII));
        return id;
    }

    /** Reads the admin credential without creating it; for the CLI. */
    public Optional<String> existingAdminToken() throws IOException {
        Path p = root.resolve("admin.token");
        if (!Files.exists(p)) {
            return Optional.empty();
        }
        return Optional.of(Files.readString(p, StandardCharsets.US_ASCII).trim());
    }
}
