package io.snapferry.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.LongLongByReference;

/**
 * The Linux calls Java lacks, through JNR-FFI: {@code renameat2(RENAME_EXCHANGE)} to swap two
 * directory trees in one step, {@code syncfs} to make a batch of writes durable with one
 * flush instead of one fsync per file, {@code ioctl(FICLONE)} for reflink clones, and for block
 * devices {@code ioctl(BLKGETSIZE64)} and an exclusive open ({@code O_EXCL}, which the kernel
 * refuses while the device is mounted or held). Where they are missing, two renames (repaired at
 * open, see DESIGN.md) and per-file fsyncs are used; block devices then cannot be used.
 */
final class NativeFs {
    private static final int AT_FDCWD = -100;
    private static final int RENAME_EXCHANGE = 2;

    public interface LibC {
        int renameat2(int olddirfd, String oldpath, int newdirfd, String newpath, int flags);

        @SaveError
        int open(String path, int flags);

        int syncfs(int fd);

        int close(int fd);

        @SaveError
        int open(String path, int flags, int mode);

        int ioctl(int fd, long request, int arg);

        @SaveError
        int ioctl(int fd, long request, LongLongByReference arg);

        long lseek(int fd, long offset, int whence);
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

    private static final long BLKGETSIZE64 = 0x80081272L;
    private static final int SEEK_END = 2;
    private static final int O_RDONLY = 0;
    private static final int O_EXCL = 0200;
    private static final int O_CLOEXEC = 02000000;
    private static final int EBUSY = 16;

    /**
     * The size in bytes of the block device at {@code device}: {@code ioctl(BLKGETSIZE64)}, or the
     * offset of its end where that fails. Throws when the device cannot be opened or measured.
     */
    static long blockDeviceSize(Path device) throws IOException {
        if (LIBC == null) {
            throw new IOException("block devices need the Linux C library (JNR-FFI), which is not available here");
        }
        int fd = LIBC.open(device.toString(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            throw new IOException("cannot open " + device + " (errno " + LastError.getLastError(jnr.ffi.Runtime.getRuntime(LIBC)) + ")");
        }
        try {
            LongLongByReference size = new LongLongByReference();
            if (LIBC.ioctl(fd, BLKGETSIZE64, size) == 0) {
                return size.longValue();
            }
            long end = LIBC.lseek(fd, 0, SEEK_END);
            if (end < 0) {
                throw new IOException("cannot measure " + device + ": neither BLKGETSIZE64 nor a seek to its end worked");
            }
            return end;
        } finally {
            LIBC.close(fd);
        }
    }

    /** An exclusive claim on a block device, held until closed. */
    interface Claim extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Opens {@code device} with {@code O_EXCL}: while the claim is held the kernel refuses to mount
     * it or claim it otherwise, and the open itself fails with EBUSY when it is mounted or held
     * (device-mapper, md, swap). Throws {@link DeviceBusyException} then, {@link IOException} for
     * other failures. Reads and writes go through ordinary channels beside the claim.
     */
    static Claim claimExclusive(Path device) throws IOException {
        if (LIBC == null) {
            throw new IOException("block devices need the Linux C library (JNR-FFI), which is not available here");
        }
        int fd = LIBC.open(device.toString(), O_RDONLY | O_EXCL | O_CLOEXEC, 0);
        if (fd < 0) {
            int errno = LastError.getLastError(jnr.ffi.Runtime.getRuntime(LIBC));
            if (errno == EBUSY) {
                throw new DeviceBusyException(device + " is in use (mounted, or held by swap, device-mapper or md)");
            }
            throw new IOException("cannot open " + device + " exclusively (errno " + errno + ")");
        }
        return () -> LIBC.close(fd);
    }

    /** The kernel refused an exclusive open: the device is mounted or held. */
    static final class DeviceBusyException extends IOException {
        private static final long serialVersionUID = 1L;

        DeviceBusyException(String message) {
            super(message);
        }
    }
}
