package io.snapferry.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;

/**
 * The Linux calls Java lacks, through JNR-FFI: {@code renameat2(RENAME_EXCHANGE)} to swap two
 * directory trees in one step, and {@code syncfs} to make a batch of writes durable with one
 * flush instead of one fsync per file. Where they are missing, two renames (repaired at open, see
 * DESIGN.md) and per-file fsyncs are used.
 */
final class NativeFs {
    private static final int AT_FDCWD = -100;
    private static final int RENAME_EXCHANGE = 2;

    public interface LibC {
        int renameat2(int olddirfd, String oldpath, int newdirfd, String newpath, int flags);

        int open(String path, int flags);

        int syncfs(int fd);

        int close(int fd);

        int open(String path, int flags, int mode);

        int ioctl(int fd, long request, int arg);
    }

    private static final LibC LIBC = load();

    private NativeFs() {
    }

    /**
     * Flushes everything written to the file system holding {@code dir} to disk. Returns false when
     * syncfs is not available (the caller must then fsync file by file).
     */
    static boolean syncfs(Path dir) {
        if (LIBC == null) {
            return false;
        }
        try {
            int fd = LIBC.open(dir.toString(), 0);
            if (fd < 0) {
                return false;
            }
            try {
                return LIBC.syncfs(fd) == 0;
            } finally {
                LIBC.close(fd);
            }
        } catch (Throwable t) {
            return false;
        }
    }

    private static LibC load() {
        if (Platform.getNativePlatform().getOS() != Platform.OS.LINUX) {
            return null;
        }
        try {
            LibC c = LibraryLoader.create(LibC.class).load("c");
            return c;
        } catch (Throwable t) {
            return null;
        }
    }

    private static final long FICLONE = 0x40049409L;

    /**
     * Makes {@code copy} (which must not exist) a reflink clone of {@code source}: an instant,
     * consistent, copy-on-write freeze of its contents (btrfs, xfs). Returns false, leaving no
     * {@code copy}, where the file system cannot (ext4 answers EOPNOTSUPP).
     */
    static boolean reflink(Path source, Path copy) {
        if (LIBC == null) {
            return false;
        }
        int src = -1;
        int dst = -1;
        boolean ok = false;
        try {
            src = LIBC.open(source.toString(), 0);
            if (src < 0) {
                return false;
            }
            dst = LIBC.open(copy.toString(), 01 | 0100 | 0200, 0600);
            if (dst < 0) {
                return false;
            }
            ok = LIBC.ioctl(dst, FICLONE, src) == 0;
            return ok;
        } catch (Throwable t) {
            return false;
        } finally {
            if (dst >= 0) {
                LIBC.close(dst);
                if (!ok) {
                    try {
                        Files.deleteIfExists(copy);
                    } catch (IOException ignored) {
                        // left in tmp/, removed at the next open
                    }
                }
            }
            if (src >= 0) {
                LIBC.close(src);
            }
        }
    }

    /**
     * Exchanges {@code a} and {@code b} (both must exist). Returns true when it was done atomically,
     * false when the caller must fall back.
     */
    static boolean exchange(Path a, Path b) {
        if (LIBC == null) {
            return false;
        }
        try {
            return LIBC.renameat2(AT_FDCWD, a.toString(), AT_FDCWD, b.toString(), RENAME_EXCHANGE) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /**
     * Puts the tree at {@code replacement} at {@code live} and returns where the old live tree now
     * is (for the caller to delete), or null when there was none. Atomic with renameat2; otherwise
     * two renames, the old tree going to {@code live + ".old"}.
     */
    static Path swapIn(Path replacement, Path live) throws IOException {
        if (Files.exists(live) && exchange(replacement, live)) {
            Durable.fsyncDir(live.getParent());
            return replacement;
        }
        Path old = live.resolveSibling(live.getFileName() + ".old");
        Durable.deleteTree(old);
        boolean had = Files.exists(live);
        if (had) {
            Files.move(live, old);
        }
        Files.move(replacement, live);
        Durable.fsyncDir(live.getParent());
        return had ? old : null;
    }
}
