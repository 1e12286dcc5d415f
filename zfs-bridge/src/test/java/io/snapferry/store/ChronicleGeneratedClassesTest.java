package io.snapferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import net.openhft.chronicle.map.ChronicleMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class Chronicle Map would otherwise compile with javac at every start
 * ({@code net.openhft.chronicle.hash.VanillaGlobalMutableState$$Native}, shipped precompiled in
 * this module) is exactly what the Chronicle libraries on the class path generate, and is the one
 * a map opens with.
 */
class ChronicleGeneratedClassesTest {
    private static final String INTERFACE = "net.openhft.chronicle.hash.VanillaGlobalMutableState";
    private static final Path SOURCE = Path.of("src/main/java/net/openhft/chronicle/hash/VanillaGlobalMutableState$$Native.java");

    @Test
    void theShippedSourceIsWhatChronicleValuesGenerates() throws Exception {
        Class<?> valueModel = Class.forName("net.openhft.chronicle.values.ValueModel");
        Object model = valueModel.getMethod("acquire", Class.class).invoke(null, Class.forName(INTERFACE));
        Method generate = Class.forName("net.openhft.chronicle.values.Generators")
                .getDeclaredMethod("generateNativeClass", valueModel, String.class);
        generate.setAccessible(true);
        String generated = (String) generate.invoke(null, model, "VanillaGlobalMutableState$$Native");

        String shipped = Files.readAllLines(SOURCE).stream().filter(l -> !l.startsWith("//"))
                .collect(Collectors.joining("\n", "", "\n"));
        assertThat(shipped.strip())
                .withFailMessage("the Chronicle libraries now generate another %s$$Native; replace the code below the comment"
                        + " in %s with:%n%s", INTERFACE, SOURCE, generated)
                .isEqualTo(generated.strip());
    }

    @Test
    void aMapOpensWithTheShippedClassAndCompilesNothing(@TempDir Path dir) throws Exception {
        Class<?> shipped = Class.forName(INTERFACE + "$$Native");
        assertThat(shipped.getClassLoader()).isSameAs(ChronicleGeneratedClassesTest.class.getClassLoader());
        assertThat(shipped.getProtectionDomain().getCodeSource().getLocation().getPath())
                .as("loaded from this module's classes, not generated").contains("zfs-bridge");
        try (ChronicleMap<byte[], Long> map = ChronicleMap.of(byte[].class, Long.class).name("probe")
                .constantKeySizeBySample(new byte[32]).entries(1000).createPersistedTo(dir.resolve("probe.cmap").toFile())) {
            map.put(new byte[32], 7L);
            assertThat(map.get(new byte[32])).isEqualTo(7L);
        }
        // The class Chronicle Values hands the map is the shipped one: it never reached its compiler.
        Class<?> valueModel = Class.forName("net.openhft.chronicle.values.ValueModel");
        Object model = valueModel.getMethod("acquire", Class.class).invoke(null, Class.forName(INTERFACE));
        assertThat(valueModel.getMethod("nativeClass").invoke(model)).isSameAs(shipped);
    }
}
