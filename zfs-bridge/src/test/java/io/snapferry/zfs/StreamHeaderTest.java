package io.snapferry.zfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stream headers built byte for byte as zfs-fuse writes them (layout checked against zstreamdump). */
class StreamHeaderTest {

    static byte[] begin(ByteOrder order, int hdrtype, int payload, long toGuid, long fromGuid, String toName) {
        ByteBuffer b = ByteBuffer.allocate(StreamHeader.RECORD).order(order);
        b.putInt(0, 0).putInt(4, payload).putLong(8, 0x2F5BACBACL).putLong(16, hdrtype).putLong(40, toGuid).putLong(48, fromGuid);
        byte[] name = toName.getBytes(StandardCharsets.UTF_8);
        b.put(56, name);
        return b.array();
    }

    static byte[] end(ByteOrder order) {
        return ByteBuffer.allocate(StreamHeader.RECORD).order(order).putInt(0, 5).array();
    }

    private static byte[] concat(byte[]... parts) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.write(p);
        }
        return o.toByteArray();
    }

    @Test
    void readsAFullSubstream() throws IOException {
        byte[] body = new byte[1000];
        byte[] s = concat(begin(ByteOrder.LITTLE_ENDIAN, 1, 0, 77, 0, "pool/a@s1"), body);
        ByteArrayInputStream in = new ByteArrayInputStream(s);
        StreamHeader h = StreamHeader.read(in);
        assertThat(h.incremental()).isFalse();
        assertThat(h.toGuid()).isEqualTo(77);
        assertThat(h.toName()).isEqualTo("pool/a@s1");
        assertThat(h.consumed()).hasSize(StreamHeader.RECORD);
        assertThat(in.available()).isEqualTo(1000);
    }

    @Test
    void tellsWhetherAStreamCanSetProperties() throws IOException {
        byte[] single = concat(begin(ByteOrder.LITTLE_ENDIAN, 1, 0, 77, 0, "pool/a@s1"), new byte[10]);
        StreamHeader h = StreamHeader.read(new ByteArrayInputStream(single));
        assertThat(h.compound()).isFalse();
        assertThat(h.mayCarryProperties()).isFalse();

        byte[] names = "\0\0\0\u0003fss\0toguid\0fromsnap\0".getBytes(StandardCharsets.US_ASCII);
        byte[] withProps = "\0\0\0\u0005fss\0props\0mountpoint\0".getBytes(StandardCharsets.US_ASCII);
        for (byte[] payload : List.of(names, withProps)) {
            byte[] s = concat(begin(ByteOrder.LITTLE_ENDIAN, 2, payload.length, 0, 0, "pool/a@s3"), payload,
                    end(ByteOrder.LITTLE_ENDIAN), begin(ByteOrder.LITTLE_ENDIAN, 1, 0, 9, 8, "pool/a@s2"), new byte[10]);
            StreamHeader c = StreamHeader.read(new ByteArrayInputStream(s));
            assertThat(c.compound()).isTrue();
            assertThat(c.mayCarryProperties()).isEqualTo(payload == withProps);
        }
    }

    @Test
    void looksThroughACompoundHeaderToTheFirstSubstream() throws IOException {
        byte[] payload = new byte[624];
        Arrays.fill(payload, (byte) 7);
        byte[] s = concat(begin(ByteOrder.BIG_ENDIAN, 2, payload.length, 0, 0, "pool/a@s3"), payload, end(ByteOrder.BIG_ENDIAN),
                begin(ByteOrder.BIG_ENDIAN, 1, 0, -5, 0x0f18f2f3351dbd4fL, "pool/a@s2"), new byte[10]);
        StreamHeader h = StreamHeader.read(new ByteArrayInputStream(s));
        assertThat(h.incremental()).isTrue();
        assertThat(h.fromGuid()).isEqualTo(0x0f18f2f3351dbd4fL);
        assertThat(h.toGuid()).isEqualTo(-5);
        assertThat(h.consumed()).isEqualTo(Arrays.copyOf(s, 3 * StreamHeader.RECORD + payload.length));
    }

    @Test
    void garbageAndTruncationAreCorruptStreams() throws IOException {
        assertThat(catchThrowableOfType(DatasetException.class,
                () -> StreamHeader.read(new ByteArrayInputStream(new byte[100]))).code()).isEqualTo(ErrorCode.CORRUPT_STREAM);
        assertThat(catchThrowableOfType(DatasetException.class,
                () -> StreamHeader.read(new ByteArrayInputStream(new byte[400]))).getMessage()).contains("magic");
        byte[] cut = Arrays.copyOf(begin(ByteOrder.LITTLE_ENDIAN, 2, 0, 0, 0, "p@s"), StreamHeader.RECORD + 10);
        assertThat(catchThrowableOfType(DatasetException.class,
                () -> StreamHeader.read(new ByteArrayInputStream(cut))).code()).isEqualTo(ErrorCode.CORRUPT_STREAM);
        byte[] noEnd = concat(begin(ByteOrder.LITTLE_ENDIAN, 2, 0, 0, 0, "p@s"), new byte[StreamHeader.RECORD]);
        assertThat(catchThrowableOfType(DatasetException.class,
                () -> StreamHeader.read(new ByteArrayInputStream(noEnd))).getMessage()).contains("END");
    }
}
