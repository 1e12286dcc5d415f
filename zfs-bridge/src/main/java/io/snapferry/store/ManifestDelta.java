package io.snapferry.store;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A manifest sent as the difference from one the receiver already has (the incremental base, or
 * the previous manifest of the same stream), so that an incremental stream carries the entries
 * that changed rather than every entry of the tree. Format (big-endian), the payload of a stream's
 * {@code 'D'} record:
 * <pre>
 * base guid u64 | header length u32 | header (the manifest's bytes up to its entry count)
 * op count u32, then per op: 0 u8, first base entry u32, entry count u32   (copy base entries)
 *                          | 1 u8, byte length u32, bytes                (whole new entries)
 * sha256 (32): the manifest's own trailing digest
 * </pre>
 * The receiver rebuilds the exact bytes of the sender's manifest from the entries of its own copy
 * of the base (whose entries are byte-identical; only the header differs) and decodes them, which
 * checks the digest: a delta applied to the wrong base fails as a damaged stream. Stateless.
 */
final class ManifestDelta {
    static final byte COPY = 0;
    static final byte LITERAL = 1;
    static final int MAX_OPS = 2 * Manifest.MAX_ENTRIES;

    private ManifestDelta() {
    }

    /** The delta that turns {@code base} (whose guid the receiver knows) into {@code next}. */
    static byte[] encode(Manifest base, Manifest next) {
        int[] bs = new int[base.entries().size() + 1];
        byte[] b = base.encode(bs);
        int[] ns = new int[next.entries().size() + 1];
        byte[] n = next.encode(ns);
        Map<String, Integer> basePos = new HashMap<>();
        for (int i = 0; i < base.entries().size(); i++) {
            basePos.put(base.entries().get(i).path(), i);
        }
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeLong(base.guid());
            out.writeInt(ns[0]);
            out.write(n, 0, ns[0]);
            ByteArrayOutputStream ops = new ByteArrayOutputStream(4096);
            DataOutputStream o = new DataOutputStream(ops);
            int count = 0;
            int i = 0;
            int entries = next.entries().size();
            while (i < entries) {
                Integer at = basePos.get(next.entries().get(i).path());
                if (at != null && sameBytes(b, bs, at, n, ns, i)) {
                    int run = 1;
                    while (i + run < entries && at + run < base.entries().size()
                            && next.entries().get(i + run).path().equals(base.entries().get(at + run).path())
                            && sameBytes(b, bs, at + run, n, ns, i + run)) {
                        run++;
                    }
                    o.writeByte(COPY);
                    o.writeInt(at);
                    o.writeInt(run);
                    i += run;
                } else {
                    int j = i + 1;
                    while (j < entries) {
                        Integer a = basePos.get(next.entries().get(j).path());
                        if (a != null && sameBytes(b, bs, a, n, ns, j)) {
                            break;
                        }
                        j++;
                    }
                    o.writeByte(LITERAL);
                    o.writeInt(ns[j] - ns[i]);
                    o.write(n, ns[i], ns[j] - ns[i]);
                    i = j;
                }
                count++;
            }
            out.writeInt(count);
            ops.writeTo(out);
            out.write(n, n.length - 32, 32);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean sameBytes(byte[] b, int[] bs, int bi, byte[] n, int[] ns, int ni) {
        return Arrays.equals(b, bs[bi], bs[bi + 1], n, ns[ni], ns[ni + 1]);
    }

    /** The guid of the manifest a delta applies to. */
    static long baseGuid(byte[] delta) {
        if (delta.length < 8) {
            throw corrupt("manifest delta too short");
        }
        return ByteBuffer.wrap(delta).getLong();
    }

    /** Rebuilds the manifest from the delta and the receiver's copy of its base; CORRUPT_STREAM when they do not fit. */
    static Manifest apply(byte[] delta, Manifest base) {
        int[] bs = new int[base.entries().size() + 1];
        byte[] b = base.encode(bs);
        try {
            ByteBuffer in = ByteBuffer.wrap(delta);
            if (in.getLong() != base.guid()) {
                throw corrupt("manifest delta names another base");
            }
            int headerLength = in.getInt();
            if (headerLength < 0 || headerLength > Math.min(in.remaining(), 1 << 20)) {
                throw corrupt("manifest delta header of " + headerLength + " bytes");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + 4096);
            out.write(delta, in.position(), headerLength);
            in.position(in.position() + headerLength);
            int ops = in.getInt();
            if (ops < 0 || ops > MAX_OPS) {
                throw corrupt("manifest delta announces " + ops + " operations");
            }
            for (int k = 0; k < ops; k++) {
                byte op = in.get();
                if (op == COPY) {
                    int first = in.getInt();
                    int count = in.getInt();
                    if (first < 0 || count <= 0 || count > base.entries().size() - first) {
                        throw corrupt("manifest delta copies entries outside its base");
                    }
                    out.write(b, bs[first], bs[first + count] - bs[first]);
                } else if (op == LITERAL) {
                    int length = in.getInt();
                    if (length <= 0 || length > in.remaining()) {
                        throw corrupt("manifest delta literal of " + length + " bytes");
                    }
                    out.write(delta, in.position(), length);
                    in.position(in.position() + length);
                } else {
                    throw corrupt("unknown manifest delta operation " + op);
                }
                if (out.size() > RecordStream.MAX_MANIFEST) {
                    throw corrupt("manifest delta expands beyond " + RecordStream.MAX_MANIFEST + " bytes");
                }
            }
            if (in.remaining() != 32) {
                throw corrupt("manifest delta has " + in.remaining() + " bytes where its digest should be");
            }
            out.write(delta, in.position(), 32);
            return Manifest.decode(out.toByteArray());
        } catch (BufferUnderflowException e) {
            throw corrupt("manifest delta ends early");
        }
    }

    private static DatasetException corrupt(String what) {
        return new DatasetException(ErrorCode.CORRUPT_STREAM, what);
    }
}
