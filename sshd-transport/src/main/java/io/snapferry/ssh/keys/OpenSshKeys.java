package io.snapferry.ssh.keys;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * OpenSSH formats: public key lines, fingerprints, private key files. Stateless and thread-safe.
 */
public final class OpenSshKeys {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");
    private static final int MAX_KEY_FILE = 64 * 1024;

    private OpenSshKeys() {
    }

    /** {@code TYPE BASE64 [comment]}, as in {@code id_ed25519.pub} and {@code authorized_keys}. */
    public static String publicKeyLine(PublicKey key, String comment) {
        String line = PublicKeyEntry.toString(key);
        String c = comment == null ? "" : comment.strip();
        return c.isEmpty() ? line : line + " " + c;
    }

    /** The OpenSSH key type name of a public key ({@code ssh-ed25519}, {@code ssh-rsa}, ...). */
    public static String keyType(PublicKey key) {
        return KeyUtils.getKeyType(key);
    }

    /**
     * The fingerprint exactly as {@code ssh-keygen -l} prints it: {@code SHA256:} followed by the
     * unpadded base64 of the SHA-256 of the key blob.
     */
    public static String fingerprint(PublicKey key) {
        String line = PublicKeyEntry.toString(key);
        byte[] blob = Base64.getDecoder().decode(line.split(" ")[1]);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** The fingerprint of a public key line; {@link KeyException} when the line is malformed. */
    public static String fingerprint(String publicKeyLine) {
        return fingerprint(parsePublicKey(publicKeyLine));
    }

    /**
     * Parses a public key line ({@code TYPE BASE64 [comment]}; authorized_keys options are refused).
     * Throws {@link KeyException} with {@link KeyException.Reason#UNREADABLE} when it is not one.
     */
    public static PublicKey parsePublicKey(String line) {
        if (line == null || line.isBlank() || line.length() > 16 * 1024 || line.indexOf('\n') >= 0) {
            throw new KeyException(KeyException.Reason.UNREADABLE, "not an OpenSSH public key line (expected 'ssh-ed25519 AAAA... comment')");
        }
        try {
            AuthorizedKeyEntry entry = AuthorizedKeyEntry.parseAuthorizedKeyEntry(line.strip());
            if (entry == null || (entry.getLoginOptions() != null && !entry.getLoginOptions().isEmpty())) {
                throw new IllegalArgumentException("options or nothing");
            }
            PublicKey key = entry.resolvePublicKey(null, PublicKeyEntryResolver.FAILING);
            if (key == null) {
                throw new IllegalArgumentException("unresolved");
            }
            return key;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new KeyException(KeyException.Reason.UNREADABLE,
                    "not an OpenSSH public key line (expected 'ssh-ed25519 AAAA... comment'): " + e.getClass().getSimpleName());
        }
    }

    /** The comment of a public key line, or "". */
    public static String comment(String line) {
        String[] parts = line.strip().split("\\s+", 3);
        return parts.length == 3 ? parts[2] : "";
    }

    /**
     * Reads a private key file in OpenSSH ({@code -----BEGIN OPENSSH PRIVATE KEY-----}) or PEM
     * (PKCS#1, PKCS#8) format, encrypted or not.
     */
    public static KeyPair readPrivateKey(Path file, Optional<char[]> passphrase) {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_KEY_FILE) {
                throw new KeyException(KeyException.Reason.UNREADABLE, file + " is too large to be a private key");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new KeyException(KeyException.Reason.IO, "cannot read " + file + ": " + e.getMessage(), e);
        }
        FilePasswordProvider passwords = passphrase.isPresent()
                ? FilePasswordProvider.of(new String(passphrase.get()))
                : FilePasswordProvider.EMPTY;
        Iterable<KeyPair> pairs;
        try {
            pairs = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.getFileName().toString()),
                    new ByteArrayInputStream(bytes), passwords);
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            boolean encrypted = new String(bytes, StandardCharsets.US_ASCII).contains("ENCRYPTED")
                    || isEncryptedOpenSsh(bytes);
            if (encrypted) {
                throw new KeyException(KeyException.Reason.BAD_PASSPHRASE, passphrase.isPresent()
                        ? "the passphrase for " + file.getFileName() + " is wrong"
                        : file.getFileName() + " is encrypted: give its passphrase");
            }
            throw new KeyException(KeyException.Reason.UNREADABLE,
                    file.getFileName() + " is not an OpenSSH or PEM private key snapferry can read (" + e.getClass().getSimpleName() + ")");
        }
        Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
        if (it == null || !it.hasNext()) {
            throw new KeyException(KeyException.Reason.UNREADABLE, file.getFileName() + " holds no private key");
        }
        KeyPair pair = it.next();
        if (pair.getPublic() == null || pair.getPrivate() == null) {
            throw new KeyException(KeyException.Reason.UNREADABLE, file.getFileName() + " holds no complete key pair");
        }
        return pair;
    }

    private static boolean isEncryptedOpenSsh(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.US_ASCII);
        if (!text.contains("BEGIN OPENSSH PRIVATE KEY")) {
            return false;
        }
        String body = text.replaceAll("-----[^-]+-----", "").replaceAll("\\s", "");
        try {
            byte[] raw = Base64.getDecoder().decode(body);
            String head = new String(raw, 0, Math.min(raw.length, 64), StandardCharsets.US_ASCII);
            return !head.contains("none");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The private key in OpenSSH format, unencrypted, as bytes (for writing to a 0600 file only). */
    static byte[] encodePrivateKey(KeyPair pair, String comment) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, comment, null, out);
        } catch (IOException | GeneralSecurityException e) {
            throw new KeyException(KeyException.Reason.IO, "cannot encode the private key: " + e.getClass().getSimpleName(), e);
        }
        return out.toByteArray();
    }

    /**
     * Writes a private key file in OpenSSH format with mode 0600 from its creation: the bytes go
     * to a temporary file created 0600 beside {@code file}, which is then moved into place.
     * Refuses to replace an existing file.
     */
    public static void writePrivateKey(Path file, KeyPair pair, String comment) {
        byte[] bytes = encodePrivateKey(pair, comment);
        try {
            writeAtomically(file, bytes, OWNER_ONLY, false);
        } finally {
            java.util.Arrays.fill(bytes, (byte) 0);
        }
    }

    /** Writes a public key line file, mode 0644, atomically. */
    static void writePublicKey(Path file, String line) {
        writeAtomically(file, (line + "\n").getBytes(StandardCharsets.UTF_8), PUBLIC, true);
    }

    /**
     * Writes {@code bytes} to a temporary file created with {@code mode} in {@code file}'s directory,
     * forces it to disk, and moves it to {@code file}.
     */
    public static void writeAtomically(Path file, byte[] bytes, Set<PosixFilePermission> mode, boolean replace) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(mode);
        try {
            try (SeekableByteChannel ch = Files.newByteChannel(tmp, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, StandardOpenOption.SYNC), attr);
                 OutputStream out = Channels.newOutputStream(ch)) {
                out.write(bytes);
            }
            if (!replace && Files.exists(file)) {
                throw new KeyException(KeyException.Reason.ALREADY_EXISTS, file.getFileName() + " already exists");
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new KeyException(KeyException.Reason.IO, "cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: the temporary file has the final mode already
            }
        }
    }

    /** Generates a key pair of {@code type}. */
    public static KeyPair generate(KeyType type) {
        try {
            return KeyUtils.generateKeyPair(type.sshName(), type.bits());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a " + type + " key pair: " + e.getMessage(), e);
        }
    }
}
