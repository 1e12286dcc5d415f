package io.snapferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestTest {
    private static Manifest.Entry dir(String path) {
        return new Manifest.Entry(path, Manifest.Type.DIR, 040755, 0, 0, 1, 2, 3, 4, 0, null, Map.of(), List.of());
    }

    private static Manifest.Entry file(String path) {
        return new Manifest.Entry(path, Manifest.Type.FILE, 0100644, 0, 0, 1, 2, 3, 5, 3, null, Map.of("user.k", new byte[] {1}),
                List.of(new ChunkRef(new byte[32], 3, false), ChunkRef.hole(4096)));
    }

    private static Manifest.Entry link(String path, Manifest.Type type, String target) {
        return new Manifest.Entry(path, type, 0120777, 0, 0, 1, 2, 3, 6, 0, target, Map.of(), List.of());
    }

    private static Manifest manifest(List<Manifest.Entry> entries) {
        return new Manifest(Manifest.Kind.TREE, "local/a", "s", 42, 7, 1000, 2000, 3, 0, 0, "", entries);
    }

    @Test
    void roundTripsEveryField() {
        Manifest m = manifest(List.of(dir(""), dir("d"), file("d/f"), link("d/h", Manifest.Type.HARDLINK, "d/f"),
                link("l", Manifest.Type.SYMLINK, "../outside/is/fine/for/a/symlink")));
        Manifest back = Manifest.decode(m.encode());
        assertThat(back.header()).isEqualTo(m.header());
        assertThat(back.entries()).hasSize(5);
        assertThat(back.entries().get(2).chunks()).isEqualTo(m.entries().get(2).chunks());
        assertThat(back.entries().get(2).xattrs().get("user.k")).containsExactly(1);
        assertThat(back.entries().get(4).linkTarget()).isEqualTo("../outside/is/fine/for/a/symlink");
    }

    private static void refused(List<Manifest.Entry> entries) {
        byte[] bytes = manifest(entries).encode();
        assertThat(catchThrowableOfType(DatasetException.class, () -> Manifest.decode(bytes)).code()).isEqualTo(ErrorCode.CORRUPT_STREAM);
    }

    @Test
    void pathsThatCouldEscapeTheDestinationAreRefused() {
        refused(List.of(dir(""), file("../etc/passwd")));
        refused(List.of(dir(""), file("/etc/passwd")));
        refused(List.of(dir(""), dir("a"), file("a/../../x")));
        refused(List.of(dir(""), file("a//b")));
        // writing below a symbolic link would follow it
        refused(List.of(dir(""), link("l", Manifest.Type.SYMLINK, "/etc"), file("l/passwd")));
        // a parent must come first
        refused(List.of(dir(""), file("a/b"), dir("a")));
        refused(List.of(dir(""), file("f"), file("f")));
        refused(List.of(dir(""), link("h", Manifest.Type.HARDLINK, "/etc/shadow")));
        refused(List.of(file("f")));
    }

    @Test
    void damageAnywhereIsDetected() {
        byte[] good = manifest(List.of(dir(""), file("f"))).encode();
        List<Integer> offsets = new ArrayList<>();
        for (int i = 0; i < good.length; i += 7) {
            offsets.add(i);
        }
        for (int i : offsets) {
            byte[] bad = good.clone();
            bad[i] ^= 0x10;
            assertThat(catchThrowableOfType(DatasetException.class, () -> Manifest.decode(bad)).code())
                    .isEqualTo(ErrorCode.CORRUPT_STREAM);
        }
    }

    private static Manifest randomTree(java.util.Random r, int files, Manifest.Entry... extra) {
        List<Manifest.Entry> entries = new ArrayList<>();
        entries.add(dir(""));
        for (int d = 0; d < 5; d++) {
            entries.add(dir("d" + d));
            for (int f = 0; f < files; f++) {
                if (r.nextInt(10) > 0) {
                    byte[] h = new byte[32];
                    r.nextBytes(h);
                    entries.add(new Manifest.Entry("d" + d + "/f" + f, Manifest.Type.FILE, 0100644, 0, 0, r.nextInt(3), 2, 3, 5, 9,
                            null, Map.of(), List.of(new ChunkRef(h, 9, false))));
                }
            }
        }
        entries.addAll(List.of(extra));
        return manifest(entries);
    }

    @Test
    void aDeltaRebuildsTheExactManifestFromItsBase() {
        java.util.Random r = new java.util.Random(7);
        for (int round = 0; round < 50; round++) {
            Manifest base = randomTree(r, 1 + r.nextInt(40));
            Manifest next = r.nextBoolean() ? randomTree(r, 1 + r.nextInt(40), link("z", Manifest.Type.SYMLINK, "d0"))
                    : manifest(edit(r, base.entries()));
            byte[] delta = ManifestDelta.encode(base, next);
            Manifest rebuilt = ManifestDelta.apply(delta, base);
            assertThat(rebuilt.encode()).isEqualTo(next.encode());
            // a base with the same guid but other entries does not fit: the digest check refuses it
            Manifest other = manifest(edit(r, base.entries()));
            if (!java.util.Arrays.equals(other.encode(), base.encode()) && delta.length > 0) {
                byte[] a = ManifestDelta.encode(base, next);
                try {
                    Manifest wrong = ManifestDelta.apply(a, other);
                    assertThat(wrong.encode()).as("a delta applied to another base rebuilds the same manifest or fails")
                            .isEqualTo(next.encode());
                } catch (DatasetException e) {
                    assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_STREAM);
                }
            }
        }
    }

    @Test
    void aDeltaOfAFewChangedEntriesIsSmall() {
        Manifest base = randomTree(new java.util.Random(1), 1000);
        List<Manifest.Entry> changed = new ArrayList<>(base.entries());
        for (int i : new int[] {100, 3000}) {
            while (changed.get(i).type() != Manifest.Type.FILE) {
                i++;
            }
            changed.set(i, file(changed.get(i).path()));
        }
        byte[] delta = ManifestDelta.encode(base, manifest(changed));
        assertThat(base.encode().length).isGreaterThan(300_000);
        assertThat(delta.length).isLessThan(1000);
        assertThat(ManifestDelta.apply(delta, base).encode()).isEqualTo(manifest(changed).encode());
    }

    /** Changes, removes or keeps each file entry at random (keeping the tree valid). */
    private static List<Manifest.Entry> edit(java.util.Random r, List<Manifest.Entry> entries) {
        List<Manifest.Entry> out = new ArrayList<>();
        for (Manifest.Entry e : entries) {
            int roll = r.nextInt(10);
            if (e.type() != Manifest.Type.FILE || roll > 2) {
                out.add(e);
            } else if (roll == 1) {
                out.add(file(e.path()));
            }
        }
        return out;
    }
}
