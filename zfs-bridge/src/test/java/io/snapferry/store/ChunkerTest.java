package io.snapferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
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

    @Test
    void smallChunkerResyncsAfterInsertionsAnywhere() {
        Chunker c = new Chunker(2048, 8192, 65536);
        Random r = new Random(11);
        int trials = 200;
        long changed = 0;
        for (int t = 0; t < trials; t++) {
            byte[] data = new byte[256 * 1024];
            r.nextBytes(data);
            int at = r.nextInt(200_000);
            byte[] ins = new byte[1 + r.nextInt(5000)];
            r.nextBytes(ins);
            byte[] edited = new byte[data.length + ins.length];
            System.arraycopy(data, 0, edited, 0, at);
            System.arraycopy(ins, 0, edited, at, ins.length);
            System.arraycopy(data, at, edited, at + ins.length, data.length - at);
            List<String> before = chunks(c, data);
            List<String> after = chunks(c, edited);
            Set<String> common = new HashSet<>(before);
            common.retainAll(new HashSet<>(after));
            // the cut points always fall back into step before the end of the data
            assertThat(after.get(after.size() - 1)).isEqualTo(before.get(before.size() - 1));
            changed += before.size() - common.size();
        }
        // on average an insertion disturbs the chunk it lands in and about one more
        assertThat((double) changed / trials).isLessThan(3.0);
    }
}
