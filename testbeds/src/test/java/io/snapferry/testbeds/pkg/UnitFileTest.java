package io.snapferry.testbeds.pkg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnitFileTest {
    @TempDir
    Path tmp;

    @Test
    void words_honour_quotes() {
        assertThat(UnitFile.words("a \"b c\" 'd e'f  g")).containsExactly("a", "b c", "d ef", "g");
        assertThat(UnitFile.words("\"A=x y\" B=")).containsExactly("A=x y", "B=");
        assertThatThrownBy(() -> UnitFile.words("\"open")).hasMessageContaining("unbalanced quote");
    }

    @Test
    void environment_files_override_environment_and_exec_start_expands_as_systemd_does() throws Exception {
        Path conf = tmp.resolve("x.conf");
        Files.writeString(conf, "# comment\nPORT=0\n; other comment\nOPTS=\"--a --b\"\n");
        UnitFile u = UnitFile.parse("""
                [Unit]
                Environment=IGNORED=1
                [Service]
                Environment="FLAGS=-Da=1 -Db=2"
                Environment=PORT=8443 OPTS= EMPTY=
                EnvironmentFile=-%s
                EnvironmentFile=-/nonexistent/optional.conf
                ExecStart=/usr/bin/x run --port ${PORT} --name=${NAME}x $OPTS $EMPTY ${EMPTY}
                CapabilityBoundingSet=CAP_SYS_ADMIN CAP_CHOWN
                """.formatted(conf));
        Map<String, String> env = u.environment();
        assertThat(env).containsEntry("FLAGS", "-Da=1 -Db=2").containsEntry("PORT", "0")
                .containsEntry("OPTS", "--a --b").doesNotContainKey("IGNORED");
        assertThat(u.execStart(env)).containsExactly("/usr/bin/x", "run", "--port", "0", "--name=x", "--a", "--b", "");
        assertThat(u.boundingSetForSetpriv()).isEqualTo("-all,+sys_admin,+chown");
    }

    @Test
    void a_missing_required_environment_file_is_an_error() {
        UnitFile u = UnitFile.parse("[Service]\nEnvironmentFile=" + tmp.resolve("missing") + "\nExecStart=/bin/true\n");
        assertThatThrownBy(u::environment).hasMessageContaining("is missing");
        assertThat(u.values("ExecStart")).isEqualTo(List.of("/bin/true"));
    }
}
