package io.snapferry.zfs;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The first BEGIN record of a ZFS send stream (a 312-byte {@code dmu_replay_record}), read before a
 * receive starts so the provider can check the target first. For a compound stream (what
 * {@code send -I} and {@code send -p} write) the first substream's BEGIN is the one that says
 * whether the stream is incremental, so the compound header, its payload and its END are read too.
 *
 * @param fromGuid  the incremental base's GUID, 0 for a full stream
 * @param toGuid    the GUID of the first snapshot the stream creates
 * @param toName    that snapshot's name on the sending side
 * @param consumed  every byte read from the stream to learn this; they must be replayed to zfs
 * @param compound  a compound stream (several snapshots, or properties), not a single substream
 * @param mayCarryProperties false only when the stream certainly sets no dataset property on
 *                  receive: a single substream, or a compound one whose header nvlist has no
 *                  {@code props} entry (a byte search for the name: a false alarm only means true)
 */
record StreamHeader(long fromGuid, long toGuid, String toName, byte[] consumed, boolean compound,
                    boolean mayCarryProperties) {
    static final int RECORD = 312;
    private static final long MAGIC = 0x2F5BACBACL;
    private static final int COMPOUND = 2;
    private static final int MAX_PAYLOAD = 64 << 20;

    boolean incremental() {
        return fromGuid != 0;
    }

    /** Reads the header from {@code in}; a stream too short or without the ZFS magic is CORRUPT_STREAM. */
    static StreamHeader read(InputStream in) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        ByteBuffer begin = record(in, seen, "its first record");
        boolean compound = (begin.getLong(16) & 3) == COMPOUND;
        boolean props = false;
        if (compound) {
            long payload = Integer.toUnsignedLong(begin.getInt(4));
            if (payload > MAX_PAYLOAD) {
                throw new DatasetException(ErrorCode.CORRUPT_STREAM, "send stream header claims a " + payload + "-byte payload");
            }
            byte[] p = in.readNBytes((int) payload);
            seen.write(p);
            props = contains(p, PROPS);
            if (p.length < payload) {
                throw truncated(seen.size());
            }
            byte[] endRecord = in.readNBytes(RECORD);
            seen.write(endRecord);
            if (endRecord.length < RECORD) {
                throw truncated(seen.size());
            }
            if (ByteBuffer.wrap(endRecord).order(begin.order()).getInt(0) != 5) { // DRR_END
                throw new DatasetException(ErrorCode.CORRUPT_STREAM, "send stream's compound header is not followed by an END record");
            }
            begin = record(in, seen, "the first substream's BEGIN");
        }
        if (begin.getInt(0) != 0) {
            throw new DatasetException(ErrorCode.CORRUPT_STREAM, "send stream does not start with a BEGIN record");
        }
        byte[] name = new byte[256];
        begin.get(56, name);
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        return new StreamHeader(begin.getLong(48), begin.getLong(40), new String(name, 0, len, StandardCharsets.UTF_8),
                seen.toByteArray(), compound, props);
    }

    private static final byte[] PROPS = "props".getBytes(StandardCharsets.US_ASCII);

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (hay[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static ByteBuffer record(InputStream in, ByteArrayOutputStream seen, String what) throws IOException {
        byte[] r = in.readNBytes(RECORD);
        seen.write(r);
        if (r.length < RECORD) {
            throw truncated(seen.size());
        }
        ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getLong(8) == MAGIC) {
            return b;
        }
        b.order(ByteOrder.BIG_ENDIAN);
        if (b.getLong(8) == MAGIC) {
            return b;
        }
        throw new DatasetException(ErrorCode.CORRUPT_STREAM, "not a ZFS send stream: " + what + " lacks the stream magic");
    }

    private static DatasetException truncated(int size) {
        return new DatasetException(ErrorCode.CORRUPT_STREAM, "send stream ends after " + size + " bytes, inside its header");
    }
}
