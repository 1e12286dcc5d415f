package io.snapferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ChunkerTest {
    private static List<String> chunks(Chunker c, byte[] data) {
        List<String> out = new ArrayList<>();
        int pos = 0;
        while (pos < data.length) {
            int n = c.cut(data, pos, Math.min(data.length - pos, c.max() * 2));
            out.add(java.util.HexFormat.of().formatHex(Manifest.sha256().digest(java.util.Arrays.copyOfRange(data, pos, pos + n))));
            pos += n;
        }
        return out;
    }

    private static int[] sizes(Chunker c, byte[] data) {
        List<Integer> out = new ArrayList<>();
        int pos = 0;
        while (pos < data.length) {
            int n = c.cut(data, pos, data.length - pos);
            out.add(n);
            pos += n;
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void standardChunksAverageAboutOneMebibyteWithinBounds() {
        byte[] data = new byte[64 << 20];
        new Random(1).nextBytes(data);
        int[] s = sizes(Chunker.standard(), data);
        for (int i = 0; i < s.length - 1; i++) {
            assertThat(s[i]).isBetween(256 * 1024, 4 << 20);
        }
        double avg = (double) data.length / s.length;
        assertThat(avg).isBetween(0.6 * (1 << 20), 1.6 * (1 << 20));
    }

    @Test
    void anInsertionMovesOnlyTheChunksAroundIt() {
        byte[] data = new byte[24 << 20];
        new Random(2).nextBytes(data);
        byte[] edited = new byte[data.length + 100];
        int at = 9 << 20;
        System.arraycopy(data, 0, edited, 0, at);
        for (int i = 0; i < 100; i++) {
            edited[at + i] = (byte) (i * 7 + 1);
        }
        System.arraycopy(data, at, edited, at + 100, data.length - at);

        List<String> before = chunks(Chunker.standard(), data);
        List<String> after = chunks(Chunker.standard(), edited);
        Set<String> common = new HashSet<>(before);
        common.retainAll(new HashSet<>(after));
        // At most the chunk holding the insertion and its successor change; everything after resyncs.
        assertThat(before.size() - common.size()).isBetween(1, 2);
        assertThat(after.subList(after.size() - 5, after.size())).isEqualTo(before.subList(before.size() - 5, before.size()));
    }

    @Property(tries = 30)
    void smallChunkerResyncsAfterAnyInsertion(@ForAll @IntRange(min = 0, max = 200_000) int at,
                                              @ForAll @IntRange(min = 1, max = 5000) int len) {
        Chunker c = new Chunker(2048, 8192, 65536);
        byte[] data = new byte[256 * 1024];
        new Random(at).nextBytes(data);
        byte[] ins = new byte[len];
        new Random(len).nextBytes(ins);
        byte[] edited = new byte[data.length + len];
        System.arraycopy(data, 0, edited, 0, at);
        System.arraycopy(ins, 0, edited, at, len);
        System.arraycopy(data, at, edited, at + len, data.length - at);
        List<String> before = chunks(c, data);
        List<String> after = chunks(c, edited);
        Set<String> common = new HashSet<>(before);
        common.retainAll(new HashSet<>(after));
        // an insertion disturbs the chunks it touches and a few after them, then the cuts resynchronise
        assertThat(before.size() - common.size()).isLessThanOrEqualTo(6 + len / 2048);
        assertThat(after.get(after.size() - 1)).isEqualTo(before.get(before.size() - 1));
    }
}
