package io.snapferry.store;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A snapshot's immutable record: header (identity, creation txg and time) and the tree's entries
 * in pre-order (a directory before its contents, siblings by name; the root directory is the
 * entry with path ""). The binary form ends with the SHA-256 of everything before it, so a
 * damaged manifest is always detected. See DESIGN.md for the layout.
 */
record Manifest(Kind kind, String dataset, String snapshot, long guid, long txg, long createdMillis,
                long fsClockNanos, long referenced, long sourceGuid, long sourceFromGuid, String sourceName,
                List<Entry> entries) {

    static final int MAGIC = 0x53464d46; // "SFMF"
    static final int VERSION = 1;
    static final int MAX_ENTRIES = 50_000_000;
    static final int MAX_STRING = 64 * 1024;
    static final int MAX_XATTRS = 4096;
    static final int MAX_XATTR_VALUE = 64 * 1024;
    static final int MAX_CHUNKS_PER_FILE = 16 * 1024 * 1024;

    /** A file tree, a stored ZFS send stream, or a volume (a tree holding one image file, {@code volume}). */
    enum Kind { TREE, ZFS_STREAM, VOLUME }

    enum Type { FILE, DIR, SYMLINK, HARDLINK }

    /**
     * One tree entry. Times are nanoseconds since the epoch. {@code linkTarget} is the symlink's
     * target, or for a {@code HARDLINK} the path of the first entry of its group (a FILE).
     * {@code inode} is the source's inode (for the change cache); it is not restored.
     */
    record Entry(String path, Type type, int mode, int uid, int gid, long mtime, long atime, long ctime,
                 long inode, long size, String linkTarget, Map<String, byte[]> xattrs, List<ChunkRef> chunks) {
        Entry {
            xattrs = xattrs.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(xattrs));
            chunks = List.copyOf(chunks);
        }

        String name() {
            return path.substring(path.lastIndexOf('/') + 1);
        }

        String parent() {
            int slash = path.lastIndexOf('/');
            return slash < 0 ? "" : path.substring(0, slash);
        }
    }

    Manifest {
        entries = List.copyOf(entries);
    }

    Manifest renamed(String dataset, long txg) {
        return new Manifest(kind, dataset, snapshot, guid, txg, createdMillis, fsClockNanos, referenced,
                sourceGuid, sourceFromGuid, sourceName, entries);
    }

    /** The header alone (entries are not kept): what the catalog needs. */
    record Header(Kind kind, String dataset, String snapshot, long guid, long txg, long createdMillis,
                  long fsClockNanos, long referenced, long sourceGuid, long sourceFromGuid, String sourceName) {
    }

    Header header() {
        return new Header(kind, dataset, snapshot, guid, txg, createdMillis, fsClockNanos, referenced, sourceGuid,
                sourceFromGuid, sourceName);
    }

    byte[] encode() {
        return encode(null);
    }

    /**
     * Encodes; when {@code entryStarts} is given (entries + 1 long) it receives the byte offset of
     * each entry and, last, of the end of the entries (where the digest starts).
     */
    byte[] encode(int[] entryStarts) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + entries.size() * 96);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeByte(kind.ordinal());
            str(out, dataset);
            str(out, snapshot);
            out.writeLong(guid);
            out.writeLong(txg);
            out.writeLong(createdMillis);
            out.writeLong(fsClockNanos);
            out.writeLong(referenced);
            out.writeLong(sourceGuid);
            out.writeLong(sourceFromGuid);
            str(out, sourceName);
            out.writeInt(entries.size());
            int index = 0;
            for (Entry e : entries) {
                if (entryStarts != null) {
                    out.flush();
                    entryStarts[index++] = bytes.size();
                }
                str(out, e.path);
                out.writeByte(e.type.ordinal());
                out.writeInt(e.mode);
                out.writeInt(e.uid);
                out.writeInt(e.gid);
                out.writeLong(e.mtime);
                out.writeLong(e.atime);
                out.writeLong(e.ctime);
                out.writeLong(e.inode);
                out.writeLong(e.size);
                str(out, e.linkTarget == null ? "" : e.linkTarget);
                out.writeInt(e.xattrs.size());
                for (Map.Entry<String, byte[]> x : e.xattrs.entrySet()) {
                    str(out, x.getKey());
                    out.writeInt(x.getValue().length);
                    out.write(x.getValue());
                }
                out.writeInt(e.chunks.size());
                for (ChunkRef c : e.chunks) {
                    out.writeBoolean(c.hole());
                    out.writeInt(c.length());
                    if (!c.hole()) {
                        out.write(c.hash());
                    }
                }
            }
            out.flush();
            if (entryStarts != null) {
                entryStarts[index] = bytes.size();
            }
            byte[] body = bytes.toByteArray();
            byte[] digest = sha256().digest(body);
            byte[] all = Arrays.copyOf(body, body.length + 32);
            System.arraycopy(digest, 0, all, body.length, 32);
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes and checks a whole manifest; a damaged one is {@link ErrorCode#CORRUPT_STREAM}. */
    static Manifest decode(byte[] all) {
        if (all.length < 40) {
            throw corrupt("manifest too short (" + all.length + " bytes)");
        }
        MessageDigest md = sha256();
        md.update(all, 0, all.length - 32);
        if (!MessageDigest.isEqual(md.digest(), Arrays.copyOfRange(all, all.length - 32, all.length))) {
            throw corrupt("manifest checksum mismatch: it is damaged or truncated");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(all, 0, all.length - 32))) {
            Header h = readHeader(in);
            int n = in.readInt();
            if (n < 0 || n > MAX_ENTRIES) {
                throw corrupt("manifest has " + n + " entries (limit " + MAX_ENTRIES + ")");
            }
            List<Entry> entries = new ArrayList<>(Math.min(n, 1 << 16));
            for (int i = 0; i < n; i++) {
                String path = str(in);
                int t = in.readUnsignedByte();
                if (t >= Type.values().length) {
                    throw corrupt("unknown entry type " + t);
                }
                int mode = in.readInt();
                int uid = in.readInt();
                int gid = in.readInt();
                long mtime = in.readLong();
                long atime = in.readLong();
                long ctime = in.readLong();
                long inode = in.readLong();
                long size = in.readLong();
                String link = str(in);
                int nx = in.readInt();
                if (nx < 0 || nx > MAX_XATTRS) {
                    throw corrupt("entry " + path + " has " + nx + " extended attributes (limit " + MAX_XATTRS + ")");
                }
                Map<String, byte[]> xattrs = new TreeMap<>();
                for (int x = 0; x < nx; x++) {
                    String k = str(in);
                    int len = in.readInt();
                    if (len < 0 || len > MAX_XATTR_VALUE) {
                        throw corrupt("extended attribute value of " + len + " bytes (limit " + MAX_XATTR_VALUE + ")");
                    }
                    byte[] v = new byte[len];
                    in.readFully(v);
                    xattrs.put(k, v);
                }
                int nc = in.readInt();
                if (nc < 0 || nc > MAX_CHUNKS_PER_FILE) {
                    throw corrupt("entry " + path + " has " + nc + " chunks (limit " + MAX_CHUNKS_PER_FILE + ")");
                }
                List<ChunkRef> chunks = new ArrayList<>(Math.min(nc, 4096));
                for (int c = 0; c < nc; c++) {
                    boolean hole = in.readBoolean();
                    int len = in.readInt();
                    if (len < 0) {
                        throw corrupt("negative chunk length");
                    }
                    if (hole) {
                        chunks.add(ChunkRef.hole(len));
                    } else {
                        byte[] hash = new byte[32];
                        in.readFully(hash);
                        chunks.add(new ChunkRef(hash, len, false));
                    }
                }
                entries.add(new Entry(path, Type.values()[t], mode, uid, gid, mtime, atime, ctime, inode, size,
                        link.isEmpty() ? null : link, xattrs, chunks));
            }
            if (in.available() != 0) {
                throw corrupt("manifest has trailing bytes");
            }
            checkTree(h.kind(), entries);
            return new Manifest(h.kind(), h.dataset(), h.snapshot(), h.guid(), h.txg(), h.createdMillis(),
                    h.fsClockNanos(), h.referenced(), h.sourceGuid(), h.sourceFromGuid(), h.sourceName(), entries);
        } catch (EOFException e) {
            throw corrupt("manifest truncated");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Checks that the entries form a tree that can be written out safely: the first entry is the
     * root directory, every other path is relative with no empty, "." or ".." component, its parent
     * is an earlier directory entry (so nothing is ever written through a symbolic link or outside
     * the destination), paths are unique, and a hard link names an earlier regular file. A volume
     * holds exactly its image. A received manifest passes here before anything is written.
     */
    static void checkTree(Kind kind, List<Entry> entries) {
        if (kind == Kind.ZFS_STREAM) {
            if (entries.size() != 1 || entries.get(0).type() != Type.FILE) {
                throw corrupt("a stored ZFS stream has exactly one file entry");
            }
            return;
        }
        if (entries.isEmpty() || !entries.get(0).path().isEmpty() || entries.get(0).type() != Type.DIR) {
            throw corrupt("a manifest starts with its root directory");
        }
        if (kind == Kind.VOLUME && (entries.size() != 2 || !entries.get(1).path().equals("volume")
                || entries.get(1).type() != Type.FILE)) {
            throw corrupt("a volume manifest holds exactly its root and its image");
        }
        Map<String, Type> seen = new java.util.HashMap<>();
        seen.put("", Type.DIR);
        for (int i = 1; i < entries.size(); i++) {
            Entry e = entries.get(i);
            String path = e.path();
            if (path.isEmpty() || path.startsWith("/") || path.endsWith("/") || path.indexOf('\0') >= 0) {
                throw corrupt("bad path in manifest: '" + printable(path) + "'");
            }
            for (String part : path.split("/", -1)) {
                if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                    throw corrupt("bad path in manifest: '" + printable(path) + "'");
                }
            }
            if (seen.get(e.parent()) != Type.DIR) {
                throw corrupt("'" + printable(path) + "' is not inside a directory listed before it");
            }
            if (seen.putIfAbsent(path, e.type()) != null) {
                throw corrupt("'" + printable(path) + "' is listed twice");
            }
            if (e.type() == Type.HARDLINK && (e.linkTarget() == null || seen.get(e.linkTarget()) != Type.FILE)) {
                throw corrupt("hard link '" + printable(path) + "' does not name an earlier file");
            }
            if (e.type() == Type.SYMLINK && (e.linkTarget() == null || e.linkTarget().indexOf('\0') >= 0)) {
                throw corrupt("symbolic link '" + printable(path) + "' has no usable target");
            }
            if (e.type() != Type.FILE && !e.chunks().isEmpty()) {
                throw corrupt("'" + printable(path) + "' is not a file but has contents");
            }
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 120; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }

    /** Reads just the header from the start of a manifest file (not checked: see {@link #decode}). */
    static Header readHeader(InputStream raw) throws IOException {
        DataInputStream in = raw instanceof DataInputStream d ? d : new DataInputStream(raw);
        if (in.readInt() != MAGIC) {
            throw corrupt("not a snapshot manifest (bad magic)");
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw corrupt("manifest version " + version + " is not supported (this build reads " + VERSION + ")");
        }
        int k = in.readUnsignedByte();
        if (k >= Kind.values().length) {
            throw corrupt("unknown manifest kind " + k);
        }
        String dataset = str(in);
        String snapshot = str(in);
        long guid = in.readLong();
        long txg = in.readLong();
        long created = in.readLong();
        long fsClock = in.readLong();
        long referenced = in.readLong();
        long sourceGuid = in.readLong();
        long sourceFromGuid = in.readLong();
        String sourceName = str(in);
        return new Header(Kind.values()[k], dataset, snapshot, guid, txg, created, fsClock, referenced, sourceGuid,
                sourceFromGuid, sourceName);
    }

    private static void str(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_STRING) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "a path or name is longer than " + MAX_STRING + " bytes");
        }
        out.writeInt(b.length);
        out.write(b);
    }

    private static String str(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_STRING) {
            throw corrupt("string of " + n + " bytes (limit " + MAX_STRING + ")");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    static DatasetException corrupt(String what) {
        return new DatasetException(ErrorCode.CORRUPT_STREAM, what);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
