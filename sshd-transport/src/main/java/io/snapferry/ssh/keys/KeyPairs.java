package io.snapferry.ssh.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.sshd.common.config.keys.KeyUtils;

/**
 * The SSH key pairs of this box, one pair per name, kept in a directory: {@code NAME.key} (the
 * private key, OpenSSH format, mode 0600 from its creation) and {@code NAME.pub} (the public key
 * line).
 *
 * <p>Names are {@code [a-z0-9][a-z0-9_-]{0,63}}. Every method meant for display returns
 * {@link KeyInfo}, which holds no private material; only {@link #keyPair(String)} hands out the
 * private key, for the SSH client to authenticate with. Nothing here logs key material.
 *
 * <p>Thread-safe: methods that change the directory are synchronised on this object; readers see a
 * pair either whole or not at all (the private key is written before its public key file, and
 * {@link #list()} lists by public key files).
 */
public final class KeyPairs {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    private final Path dir;

    /** Key pairs in {@code dir}, which is created (mode 0700) when missing. */
    public KeyPairs(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            throw new KeyException(KeyException.Reason.IO, "cannot create the key directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Throws {@link KeyException} with {@link KeyException.Reason#INVALID_NAME} unless {@code name} is valid. */
    public static String checkName(String name) {
        return checkName(name, "key");
    }

    /**
     * The same rule for other names (peers, connections); {@code what} names the thing in the
     * message ("invalid peer name ...").
     */
    public static String checkName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            String shown = name == null ? "null" : name.replaceAll("[^\\x20-\\x7e]", "?");
            throw new KeyException(KeyException.Reason.INVALID_NAME, "invalid " + what + " name '" + (shown.length() > 80 ? shown.substring(0, 80) + "..." : shown)
                    + "': use 1 to 64 of lower-case letters, digits, '_' and '-', starting with a letter or digit");
        }
        return name;
    }

    public Path directory() {
        return dir;
    }

    /** Generates a new pair; {@link KeyException.Reason#ALREADY_EXISTS} when the name is taken. */
    public synchronized KeyInfo generate(String name, KeyType type, String comment) {
        checkName(name);
        refuseExisting(name);
        KeyPair pair = OpenSshKeys.generate(type);
        return store(name, pair, comment == null || comment.isBlank() ? "snapferry-" + name : comment);
    }

    /** Generates an Ed25519 pair with the default comment. */
    public KeyInfo generate(String name) {
        return generate(name, KeyType.ED25519, null);
    }

    /**
     * Imports an existing private key file (OpenSSH format, or PEM), decrypting it with
     * {@code passphrase} when it is encrypted. The stored copy is unencrypted, mode 0600.
     * The comment is taken from a {@code .pub} file beside it when there is one.
     */
    public synchronized KeyInfo importKey(String name, Path privateKeyFile, Optional<char[]> passphrase) {
        checkName(name);
        refuseExisting(name);
        KeyPair pair = OpenSshKeys.readPrivateKey(privateKeyFile, passphrase);
        String comment = "snapferry-" + name;
        Path pub = privateKeyFile.resolveSibling(privateKeyFile.getFileName() + ".pub");
        if (Files.isRegularFile(pub)) {
            try {
                String c = OpenSshKeys.comment(Files.readString(pub, StandardCharsets.UTF_8));
                if (!c.isBlank() && c.matches("[\\x20-\\x7e]{1,200}")) {
                    comment = c;
                }
            } catch (IOException | RuntimeException ignored) {
                // no usable comment: keep the default
            }
        }
        return store(name, pair, comment);
    }

    private void refuseExisting(String name) {
        if (Files.exists(privateFile(name)) || Files.exists(publicFile(name))) {
            throw new KeyException(KeyException.Reason.ALREADY_EXISTS, "a key pair named '" + name + "' already exists");
        }
    }

    private KeyInfo store(String name, KeyPair pair, String comment) {
        OpenSshKeys.writePrivateKey(privateFile(name), pair, comment);
        String line = OpenSshKeys.publicKeyLine(pair.getPublic(), comment);
        OpenSshKeys.writePublicKey(publicFile(name), line);
        return info(name, pair.getPublic(), comment);
    }

    private static KeyInfo info(String name, PublicKey key, String comment) {
        return new KeyInfo(name, KeyUtils.getKeyType(key), OpenSshKeys.publicKeyLine(key, comment),
                OpenSshKeys.fingerprint(key), comment);
    }

    /** All pairs, by name. */
    public List<KeyInfo> list() {
        List<KeyInfo> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                String f = p.getFileName().toString();
                if (f.endsWith(".pub")) {
                    String name = f.substring(0, f.length() - 4);
                    if (NAME.matcher(name).matches() && Files.exists(privateFile(name))) {
                        out.add(show(name));
                    }
                }
            }
        } catch (IOException e) {
            throw new KeyException(KeyException.Reason.IO, "cannot list " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The public facts of one pair; {@link KeyException.Reason#NOT_FOUND} when absent. */
    public KeyInfo show(String name) {
        checkName(name);
        Path pub = publicFile(name);
        if (!Files.isRegularFile(pub)) {
            throw new KeyException(KeyException.Reason.NOT_FOUND, "no key pair named '" + name + "'");
        }
        try {
            String line = Files.readString(pub, StandardCharsets.UTF_8).strip();
            return info(name, OpenSshKeys.parsePublicKey(line), OpenSshKeys.comment(line));
        } catch (IOException e) {
            throw new KeyException(KeyException.Reason.IO, "cannot read " + pub + ": " + e.getMessage(), e);
        }
    }

    public boolean exists(String name) {
        checkName(name);
        return Files.isRegularFile(publicFile(name)) && Files.isRegularFile(privateFile(name));
    }

    /**
     * The key pair with its private key, for authenticating. Not for display: a {@link KeyPair}
     * must not be logged or shown.
     */
    public KeyPair keyPair(String name) {
        checkName(name);
        if (!Files.isRegularFile(privateFile(name))) {
            throw new KeyException(KeyException.Reason.NOT_FOUND, "no key pair named '" + name + "'");
        }
        return OpenSshKeys.readPrivateKey(privateFile(name), Optional.empty());
    }

    /** Deletes a pair; returns false when there was none. */
    public synchronized boolean delete(String name) {
        checkName(name);
        try {
            boolean pub = Files.deleteIfExists(publicFile(name));
            boolean priv = Files.deleteIfExists(privateFile(name));
            return pub || priv;
        } catch (IOException e) {
            throw new KeyException(KeyException.Reason.IO, "cannot delete key pair '" + name + "': " + e.getMessage(), e);
        }
    }

    Path privateFile(String name) {
        return dir.resolve(name + ".key");
    }

    Path publicFile(String name) {
        return dir.resolve(name + ".pub");
    }

    @Override
    public String toString() {
        return "KeyPairs[" + dir + "]";
    }
}
