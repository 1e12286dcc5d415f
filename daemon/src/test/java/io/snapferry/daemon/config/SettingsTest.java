package io.snapferry.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
    @TempDir
    Path tmp;

    @Test
    void aFileFromBeforeTheNewFieldsGetsTheirDefaults() throws Exception {
        Path f = tmp.resolve("settings.json");
        Files.writeString(f, "{\"timeZone\": \"Europe/Berlin\", \"maxParallelReplications\": 3}");
        Settings s = new SettingsStore(f).get();
        assertThat(s).isEqualTo(new Settings("Europe/Berlin", 3, "loopback", 10));
        new SettingsStore(f).put(new Settings("UTC", 2, "authenticated", 0));
        assertThat(new SettingsStore(f).get()).isEqualTo(new Settings("UTC", 2, "authenticated", 0));
    }

    @Test
    void eachBadValueNamesItsField() {
        assertThatThrownBy(() -> new Settings("Nowhere/Land", 2)).isInstanceOfSatisfying(InvalidSettingException.class,
                e -> assertThat(e.field()).isEqualTo("timeZone"));
        assertThatThrownBy(() -> new Settings("UTC", 65)).isInstanceOfSatisfying(InvalidSettingException.class,
                e -> assertThat(e.field()).isEqualTo("maxParallelReplications"));
        assertThatThrownBy(() -> new Settings("UTC", 2, "public", 10)).isInstanceOfSatisfying(InvalidSettingException.class,
                e -> assertThat(e.field()).isEqualTo("metricsPublic"));
        assertThatThrownBy(() -> new Settings("UTC", 2, "loopback", 100)).isInstanceOfSatisfying(InvalidSettingException.class,
                e -> assertThat(e.field()).isEqualTo("freeSpaceThreshold"));
    }
}
