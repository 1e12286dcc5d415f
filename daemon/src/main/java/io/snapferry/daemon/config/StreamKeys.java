package io.snapferry.daemon.config;

import io.snapferry.stream.KeyResolver;
import io.snapferry.stream.StreamKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The box's named stream keys for encrypting replication streams on the wire: one file
 * {@code NAME.key} each (64 hex digits, mode 0600) in a directory of mode 0700. Both boxes of a
 * replication need the same key: create it on one, export it to a file, import it on the other.
 * Keys are never returned by the API or logged; only names and fingerprints are shown.
 */
public final class StreamKeys implements KeyResolver {
    private final Path dir;

    public StreamKeys(Path dir) {
        this.dir = dir;
    }

    /** A key's public face. */
    public record Info(String name, String fingerprint) {
    }

    private Path file(String name) {
        if (!name.matches("[a-z0-9][a-z0-9_-]{0,63}")) {
            throw new IllegalArgumentException("a stream key name uses 1 to 64 lower-case letters, digits, '-' and '_'");
        }
        return dir.resolve(name + ".key");
    }

    private void ensureDir() throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    public synchronized Info create(String name) {
        return save(StreamKey.generate(name), false);
    }

    /** Imports a key from 64 hex digits (what {@link #export} writes). */
    public synchronized Info importHex(String name, String hex) {
        byte[] key;
        try {
            key = HexFormat.of().parseHex(hex.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a stream key file holds 64 hex digits (32 bytes), as 'snapferry stream-key export' writes");
        }
        return save(new StreamKey(name, key), false);
    }

    private Info save(StreamKey k, boolean replace) {
        Path f = file(k.name());
        try {
            ensureDir();
            if (!replace && Files.exists(f)) {
                throw new IllegalArgumentException("a stream key named " + k.name() + " exists already");
            }
            AtomicFiles.write(f, (HexFormat.of().formatHex(k.key()) + "\n").getBytes(StandardCharsets.US_ASCII), AtomicFiles.OWNER_ONLY);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save stream key " + k.name(), e);
        }
        return new Info(k.name(), k.fingerprint());
    }

    /** Writes the key to {@code file} (mode 0600), to carry it to the other box. */
    public synchronized void export(String name, Path file) {
        StreamKey k = get(name).orElseThrow(() -> new IllegalArgumentException("no stream key named " + name));
        try {
            AtomicFiles.write(file, (HexFormat.of().formatHex(k.key()) + "\n").getBytes(StandardCharsets.US_ASCII),
                    AtomicFiles.OWNER_ONLY);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public synchronized Optional<StreamKey> get(String name) {
        Path f = file(name);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new StreamKey(name, HexFormat.of().parseHex(Files.readString(f, StandardCharsets.US_ASCII).strip())));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read stream key " + name, e);
        }
    }

    public synchronized List<Info> list() {
        List<Info> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.key")) {
            for (Path f : files) {
                String name = f.getFileName().toString().replaceAll("\\.key$", "");
                get(name).ifPresent(k -> out.add(new Info(name, k.fingerprint())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list stream keys in " + dir, e);
        }
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    public synchronized boolean delete(String name) {
        try {
            return Files.deleteIfExists(file(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete stream key " + name, e);
        }
    }

    @Override
    public Optional<StreamKey> find(String fingerprint) {
        for (Info i : list()) {
            if (i.fingerprint().equals(fingerprint)) {
                return get(i.name());
            }
        }
        return Optional.empty();
    }
}
