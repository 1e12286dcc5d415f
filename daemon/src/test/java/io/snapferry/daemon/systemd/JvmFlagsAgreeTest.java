package io.snapferry.daemon.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/**
 * The JVM flags live in three places, one per way a JVM starts: the root pom's
 * {@code snapferry.jvm.flags} (tests), {@code jvm.flags} (the launcher in the repository, and the
 * Debian package's copy for interactive use) and the systemd unit's {@code SNAPFERRY_JVM_FLAGS}.
 * They must be the same, and must keep Chronicle Map from phoning home.
 */
class JvmFlagsAgreeTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void pom_launcher_and_unit_carry_the_same_jvm_flags() throws Exception {
        List<String> pom = words(pomProperty("snapferry.jvm.flags"));
        List<String> launcher = words(Files.readString(ROOT.resolve("jvm.flags"), StandardCharsets.UTF_8));
        List<String> unit = words(unitEnvironment("SNAPFERRY_JVM_FLAGS"));

        assertThat(pom).contains("-Dchronicle.analytics.disable=true")
                .contains("--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED");
        assertThat(launcher).as("jvm.flags").isEqualTo(pom);
        assertThat(unit).as("SNAPFERRY_JVM_FLAGS in systemd/snapferry.service").isEqualTo(pom);
    }

    @Test
    void surefire_runs_tests_with_the_flags() throws Exception {
        assertThat(System.getProperty("chronicle.analytics.disable")).isEqualTo("true");
    }

    private static List<String> words(String s) {
        return List.of(s.trim().split("\\s+"));
    }

    private static String pomProperty(String name) throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(ROOT.resolve("pom.xml").toFile());
        var nodes = pom.getElementsByTagName(name);
        assertThat(nodes.getLength()).as("<" + name + "> in the root pom").isEqualTo(1);
        return nodes.item(0).getTextContent();
    }

    /** The value of {@code Environment="NAME=..."} in the unit, quoted as systemd quotes it. */
    private static String unitEnvironment(String name) throws Exception {
        Pattern p = Pattern.compile("^Environment=\"" + Pattern.quote(name) + "=([^\"]*)\"$");
        String found = null;
        for (String line : Files.readAllLines(ROOT.resolve("systemd/snapferry.service"), StandardCharsets.UTF_8)) {
            Matcher m = p.matcher(line);
            if (m.matches()) {
                assertThat(found).as(name + " is set once").isNull();
                found = m.group(1);
            }
        }
        assertThat(found).as("Environment=\"" + name + "=...\" in systemd/snapferry.service").isNotNull();
        return found;
    }
}
