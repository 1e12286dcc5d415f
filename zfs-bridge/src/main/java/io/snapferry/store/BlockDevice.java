package io.snapferry.store;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A block device that backs a volume: checks that a path is a usable block device (not mounted,
 * none of its partitions or its whole disk mounted, not held by device-mapper, md or swap),
 * measures it, compares it with a snapshot, and writes a snapshot back onto it. Stateless; every
 * method re-checks the device, since device nodes come and go.
 *
 * <p>A raw device has no cheap change detection (no modification time, no dirty-block tracking
 * that works on every device), so comparing reads and hashes all of it. There is no reflink on a
 * raw device either: a snapshot reads the live device and is crash-consistent only if nothing
 * writes to it meanwhile.
 */
final class BlockDevice {
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    /** A checked device: its path, device number and size in bytes. */
    record Info(Path path, int major, int minor, long size) {
        String number() {
            return major + ":" + minor;
        }
    }

    /**
     * Where the kernel tells who uses block devices: {@code /sys/dev/block} (partitions, whole
     * disks, holders), the mount table, the swap table, and how a path maps to a device number.
     * Tests give a fake tree.
     */
    record SystemView(Path sysDevBlock, Path mountinfo, Path swaps, java.util.function.Function<Path, String> deviceNumber) {
        static SystemView live() {
            return new SystemView(Path.of("/sys/dev/block"), Path.of("/proc/self/mountinfo"), Path.of("/proc/swaps"), BlockDevice::number);
        }
    }

    private BlockDevice() {
    }

    /**
     * Checks that {@code device} is a block device that nothing uses, and measures it. Errors:
     * NOT_FOUND (no such path), INVALID_ARGUMENT (not a block device; a relative path), BUSY
     * (mounted, a partition or its disk mounted, held by device-mapper, md or swap).
     */
    static Info checkUnused(Path device) {
        Info info = inspect(device);
        String use = use(info, SystemView.live());
        if (use != null) {
            throw new DatasetException(ErrorCode.BUSY, use + "; unmount it (or release it) first, or choose another device");
        }
        return info;
    }

    /** Whether {@code path} is a block device (false when it does not exist or cannot be read). */
    static boolean isBlockDevice(Path path) {
        try {
            return ((Integer) Files.getAttribute(path, "unix:mode") & S_IFMT) == S_IFBLK;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Checks that {@code device} is a block device and measures it, without asking who uses it. */
    static Info inspect(Path device) {
        if (!device.isAbsolute()) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "a block device must be given by its absolute path (/dev/...), not '" + device + "'");
        }
        if (!Files.exists(device)) {
            throw DatasetException.notFound("block device " + device);
        }
        try {
            int mode = (Integer) Files.getAttribute(device, "unix:mode");
            if ((mode & S_IFMT) != S_IFBLK) {
                throw new DatasetException(ErrorCode.INVALID_ARGUMENT, device + " is not a block device"
                        + (Files.isRegularFile(device) ? " but a regular file; a volume on an image file is created with its size instead" : ""));
            }
            long rdev = (Long) Files.getAttribute(device, "unix:rdev");
            int major = (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
            int minor = (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
            long size = NativeFs.blockDeviceSize(device);
            if (size <= 0) {
                throw new DatasetException(ErrorCode.INVALID_ARGUMENT, device + " has no capacity (an empty loop device or a drive without a medium?)");
            }
            return new Info(device, major, minor, size);
        } catch (IOException e) {
            throw EmbeddedStore.failure("checking block device " + device, e);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            throw new DatasetException(ErrorCode.UNSUPPORTED, "block devices as volumes need Linux (unix file attributes)", e);
        }
    }

    /**
     * Why the device is in use, or null: the device, one of its partitions or (for a partition)
     * its whole disk mounted, a holder (device-mapper, md), or swap.
     */
    static String use(Info info, SystemView view) {
        try {
            Path sys = view.sysDevBlock().resolve(info.number());
            List<String[]> related = new ArrayList<>(); // {maj:min, description}
            related.add(new String[] {info.number(), info.path().toString()});
            Path real = Files.exists(sys) ? sys.toRealPath() : null;
            if (real != null) {
                if (Files.exists(real.resolve("partition"))) {
                    String disk = read(real.getParent().resolve("dev"));
                    if (disk != null) {
                        related.add(new String[] {disk, "its disk /dev/" + real.getParent().getFileName()});
                    }
                } else {
                    try (DirectoryStream<Path> kids = Files.newDirectoryStream(real)) {
                        for (Path k : kids) {
                            if (Files.exists(k.resolve("partition"))) {
                                String part = read(k.resolve("dev"));
                                if (part != null) {
                                    related.add(new String[] {part, "its partition /dev/" + k.getFileName()});
                                }
                            }
                        }
                    }
                }
                for (String[] r : related) {
                    Path node = view.sysDevBlock().resolve(r[0]);
                    if (!Files.exists(node)) {
                        continue;
                    }
                    Path holders = node.toRealPath().resolve("holders");
                    if (Files.isDirectory(holders)) {
                        try (DirectoryStream<Path> hs = Files.newDirectoryStream(holders)) {
                            for (Path h : hs) {
                                return describe(info, r) + " is held by " + h.getFileName() + " (device-mapper, md or LVM)";
                            }
                        }
                    }
                }
            }
            for (String line : Files.readAllLines(view.mountinfo(), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                int dash = Arrays.asList(f).indexOf("-");
                if (f.length < 5 || dash < 0 || dash + 2 >= f.length) {
                    continue;
                }
                String source = unescape(f[dash + 2]);
                for (String[] r : related) {
                    if (f[2].equals(r[0]) || source.startsWith("/") && r[0].equals(view.deviceNumber().apply(Path.of(source)))) {
                        return describe(info, r) + " is mounted at " + unescape(f[4]);
                    }
                }
            }
            Path swaps = view.swaps();
            if (Files.exists(swaps)) {
                for (String line : Files.readAllLines(swaps, StandardCharsets.UTF_8)) {
                    String dev = line.split("\\s+")[0];
                    for (String[] r : related) {
                        if (dev.startsWith("/") && r[0].equals(view.deviceNumber().apply(Path.of(dev)))) {
                            return describe(info, r) + " is in use as swap";
                        }
                    }
                }
            }
            return null;
        } catch (IOException e) {
            throw EmbeddedStore.failure("checking whether " + info.path() + " is in use", e);
        }
    }

    private static String describe(Info info, String[] related) {
        return related[1].equals(info.path().toString()) ? info.path().toString() : info.path() + " (" + related[1] + ")";
    }

    private static String number(Path p) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode");
            if ((mode & S_IFMT) != S_IFBLK) {
                return null;
            }
            long rdev = (Long) Files.getAttribute(p, "unix:rdev");
            return (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL)) + ":" + ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8).trim() : null;
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).chars().allMatch(ch -> ch >= '0' && ch <= '7')) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * Bytes of the device that differ from {@code reference} (a volume image's chunk list), reading
     * all of the device: a chunk counts whole when its bytes hash differently; device bytes past the
     * reference's end count when not zero.
     */
    static long changedBytes(Path device, List<ChunkRef> reference) throws IOException {
        Info info = inspect(device);
        MessageDigest sha = Manifest.sha256();
        long changed = 0;
        try (FileChannel ch = FileChannel.open(device, StandardOpenOption.READ)) {
            long pos = 0;
            byte[] buf = new byte[0];
            for (ChunkRef c : reference) {
                if (buf.length < c.length()) {
                    buf = new byte[c.length()];
                }
                int n = readFully(ch, buf, c.length(), pos);
                if (n < c.length() || !same(sha, buf, n, c)) {
                    changed += c.length();
                }
                pos += c.length();
            }
            ByteBuffer rest = ByteBuffer.allocate(1 << 20);
            while (pos < info.size()) {
                rest.clear();
                int n = ch.read(rest, pos);
                if (n <= 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    if (rest.get(i) != 0) {
                        changed += n;
                        break;
                    }
                }
                pos += n;
            }
        }
        return changed;
    }

    private static boolean same(MessageDigest sha, byte[] buf, int len, ChunkRef c) {
        if (c.hole()) {
            for (int i = 0; i < len; i++) {
                if (buf[i] != 0) {
                    return false;
                }
            }
            return true;
        }
        sha.update(buf, 0, len);
        return MessageDigest.isEqual(sha.digest(), c.hash());
    }

    private static int readFully(FileChannel ch, byte[] buf, int len, long pos) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buf, 0, len);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                break;
            }
        }
        return b.position();
    }

    /**
     * Writes a volume image into {@code file}, an empty regular file: every chunk's bytes checked
     * against its hash, holes left as holes (the length set without writing them), the data
     * synced. The caller publishes it under its final name.
     */
    static void writeImageFile(Path file, List<ChunkRef> image, ChunkStore chunks) throws IOException {
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            FileChannel ch = raf.getChannel();
            long pos = 0;
            for (ChunkRef c : image) {
                if (!c.hole()) {
                    ByteBuffer b = ByteBuffer.wrap(chunks.read(c.hash()));
                    if (b.remaining() != c.length()) {
                        throw Manifest.corrupt("chunk " + c + " has " + b.remaining() + " bytes, not " + c.length());
                    }
                    while (b.hasRemaining()) {
                        ch.write(b, pos + b.position());
                    }
                }
                pos += c.length();
            }
            raf.setLength(pos);
            ch.force(true);
        }
    }

    /**
     * Writes a volume image (its chunk list) onto {@code device}, from offset 0: every chunk whose
     * bytes on the device differ is written (holes as zeros), then the device is flushed. The device
     * is claimed exclusively meanwhile (the kernel refuses mounts), and must be unused and at least
     * as big as the image. Bytes past the image's end are left alone. Returns the bytes written.
     */
    static long writeImage(Path device, List<ChunkRef> image, ChunkStore chunks) throws IOException {
        Info info = checkUnused(device);
        long need = 0;
        for (ChunkRef c : image) {
            need += c.length();
        }
        if (info.size() < need) {
            throw new DatasetException(ErrorCode.NO_SPACE, device + " holds " + info.size() + " bytes but the volume needs " + need
                    + "; use a device of at least " + need + " bytes");
        }
        MessageDigest sha = Manifest.sha256();
        long written = 0;
        try (NativeFs.Claim claim = NativeFs.claimExclusive(device);
             FileChannel ch = FileChannel.open(device, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long pos = 0;
            byte[] buf = new byte[0];
            for (ChunkRef c : image) {
                if (buf.length < c.length()) {
                    buf = new byte[c.length()];
                }
                int n = readFully(ch, buf, c.length(), pos);
                if (n < c.length() || !same(sha, buf, n, c)) {
                    ByteBuffer b;
                    if (c.hole()) {
                        b = ByteBuffer.allocate(c.length());
                    } else {
                        b = ByteBuffer.wrap(chunks.read(c.hash()));
                        if (b.remaining() != c.length()) {
                            throw Manifest.corrupt("chunk " + c + " has " + b.remaining() + " bytes, not " + c.length());
                        }
                    }
                    while (b.hasRemaining()) {
                        ch.write(b, pos + b.position());
                    }
                    written += c.length();
                }
                pos += c.length();
            }
            ch.force(true);
        } catch (NativeFs.DeviceBusyException e) {
            throw new DatasetException(ErrorCode.BUSY, e.getMessage() + "; unmount it (or release it) first", e);
        }
        return written;
    }
}
