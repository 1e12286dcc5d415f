package io.snapferry.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Writes manifest entries out as files: a whole snapshot into a fresh directory (rollback,
 * receive) or a part of one to a chosen place (restore). Contents come from the chunk store and are
 * checked against their hashes on the way. Holes are left unwritten, so they stay sparse.
 * Ownership is restored when the process may (as root); modes, times and extended attributes
 * always. Nothing is fsynced here: callers that need the tree durable sync it (see
 * {@link Durable#syncTree}). Not thread-safe; one writer per call.
 */
final class TreeWriter {
    private final ChunkStore chunks;

    TreeWriter(ChunkStore chunks) {
        this.chunks = chunks;
    }

    /**
     * Writes the entries at and below {@code from} in {@code m} to {@code dest}, which must not exist.
     * {@code from} is "" for the whole tree. {@code written} is told each regular file written (its
     * snapshot path and destination), so the caller can refresh its change cache.
     */
    void write(Manifest m, String from, Path dest, BiConsumer<Manifest.Entry, Path> written) throws IOException {
        Map<String, Manifest.Entry> byPath = new HashMap<>();
        for (Manifest.Entry e : m.entries()) {
            byPath.put(e.path(), e);
        }
        List<Object[]> dirs = new ArrayList<>();
        String prefix = from.isEmpty() ? "" : from + "/";
        for (Manifest.Entry e : m.entries()) {
            String rel;
            if (e.path().equals(from)) {
                rel = "";
            } else if (from.isEmpty() || e.path().startsWith(prefix)) {
                rel = e.path().substring(prefix.length());
            } else {
                continue;
            }
            Path p = rel.isEmpty() ? dest : dest.resolve(rel);
            switch (e.type()) {
                case DIR -> {
                    Files.createDirectory(p);
                    xattrs(p, e);
                    dirs.add(new Object[] {p, e});
                }
                case FILE -> {
                    writeFile(e, p);
                    finish(p, e, false);
                    written.accept(e, p);
                }
                case SYMLINK -> {
                    Files.createSymbolicLink(p, Path.of(e.linkTarget()));
                    finish(p, e, true);
                }
                case HARDLINK -> {
                    Manifest.Entry first = byPath.get(e.linkTarget());
                    if (first == null || first.type() != Manifest.Type.FILE) {
                        throw Manifest.corrupt("hard link " + e.path() + " points to " + e.linkTarget() + ", which is not a file in the snapshot");
                    }
                    boolean inside = from.isEmpty() || first.path().startsWith(prefix);
                    if (inside) {
                        Files.createLink(p, dest.resolve(first.path().substring(prefix.length())));
                    } else {
                        writeFile(first, p);
                        finish(p, first, false);
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
        for (int i = dirs.size() - 1; i >= 0; i--) {
            finish((Path) dirs.get(i)[0], (Manifest.Entry) dirs.get(i)[1], false);
        }
    }

    /** Writes one regular file's contents and extended attributes (not its owner, mode or times: see {@link #finish}). */
    void writeFile(Manifest.Entry e, Path p) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            FileChannel ch = raf.getChannel();
            long pos = 0;
            for (ChunkRef c : e.chunks()) {
                if (!c.hole()) {
                    ByteBuffer b = ByteBuffer.wrap(chunks.read(c.hash()));
                    if (b.remaining() != c.length()) {
                        throw Manifest.corrupt("chunk " + c + " of " + e.path() + " has " + b.remaining() + " bytes");
                    }
                    while (b.hasRemaining()) {
                        ch.write(b, pos + b.position());
                    }
                }
                pos += c.length();
            }
            raf.setLength(pos);
        }
        xattrs(p, e);
    }

    static void xattrs(Path p, Manifest.Entry e) throws IOException {
        if (e.xattrs().isEmpty()) {
            return;
        }
        UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
        for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
            v.write(x.getKey(), ByteBuffer.wrap(x.getValue()));
        }
    }

    /** Sets owner (when permitted), mode (not for a symbolic link) and times from the entry. */
    static void finish(Path p, Manifest.Entry e, boolean symlink) throws IOException {
        LinkOption[] nofollow = {LinkOption.NOFOLLOW_LINKS};
        try {
            Files.setAttribute(p, "unix:uid", e.uid(), nofollow);
            Files.setAttribute(p, "unix:gid", e.gid(), nofollow);
        } catch (IOException | SecurityException denied) {
            // Only root may give files away; as another user they keep the writer's ownership.
        }
        if (!symlink) {
            Files.setAttribute(p, "unix:mode", e.mode() & 07777);
        }
        try {
            Files.getFileAttributeView(p, BasicFileAttributeView.class, nofollow)
                    .setTimes(FileTime.from(e.mtime(), TimeUnit.NANOSECONDS), FileTime.from(e.atime(), TimeUnit.NANOSECONDS), null);
        } catch (IOException | UnsupportedOperationException noLutimes) {
            if (!symlink) {
                throw noLutimes;
            }
        }
    }
}
