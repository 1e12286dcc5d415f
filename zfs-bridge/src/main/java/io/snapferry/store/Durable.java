package io.snapferry.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Crash-safe file operations: a file becomes visible under its final name only complete and on
 * disk (temp file in the same directory, write, fsync, rename, fsync of the directory).
 */
final class Durable {
    private Durable() {
    }

    /** Writes {@code data} to {@code target} atomically, replacing it if present. */
    static void write(Path target, byte[] data) throws IOException {
        write(target, ByteBuffer.wrap(data));
    }

    static void write(Path target, ByteBuffer... data) throws IOException {
        Path tmp = tempSibling(target);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                for (ByteBuffer b : data) {
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                }
                ch.force(true);
            }
            moveAtomic(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
        fsyncDir(target.getParent());
    }

    /** A unique name beside {@code target}, starting with ".tmp-" so scans can skip and clean it. */
    static Path tempSibling(Path target) {
        return target.resolveSibling(".tmp-" + target.getFileName() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    }

    static void moveAtomic(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system cannot rename atomically: " + from + " -> " + to, e);
        }
    }

    static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems refuse to open or sync a directory; the rename is still atomic there.
            if (!(e instanceof NoSuchFileException)) {
                return;
            }
            throw e;
        }
    }

    /** Makes everything written below {@code root} durable: one syncfs, or an fsync per file and directory. */
    static void syncTree(Path root) throws IOException {
        if (NativeFs.syncfs(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                        ch.force(true);
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                fsyncDir(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Deletes a tree without following symbolic links. Missing is fine. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                // a snapshot may hold read-only directories; their entries can only go once they are writable
                int mode = (Integer) Files.getAttribute(dir, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if ((mode & 0700) != 0700) {
                    Files.setAttribute(dir, "unix:mode", (mode & 07777) | 0700);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
