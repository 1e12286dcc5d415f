package io.snapferry.daemon.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PairTokensTest {
    static final String CERT = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    @TempDir
    Path tmp;
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);

    PairTokens.Grant grant() {
        return new PairTokens.Grant(true, Optional.of("tank/fromA"), List.of());
    }

    @Test
    void aTokenIsStoredHashedCarriesTheCertificateAndWorksOnce() throws Exception {
        Path file = tmp.resolve("pair-tokens.json");
        PairTokens tokens = new PairTokens(file, clock);
        PairTokens.Created t = tokens.create(grant(), PairTokens.DEFAULT_TTL, CERT);
        assertThat(t.token()).matches("sfp1\\.[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{43}");
        assertThat(t.expiresAt()).isEqualTo(Instant.parse("2026-03-01T10:15:00Z"));
        assertThat(PairTokens.parse(t.token()).certificateHex()).isEqualTo(CERT);

        String stored = Files.readString(file);
        assertThat(stored).doesNotContain(t.token()).doesNotContain(t.token().split("\\.")[1]).contains(PairTokens.hash(t.token()));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

        // survives a restart, then is spent by its first use
        PairTokens reloaded = new PairTokens(file, clock);
        assertThat(reloaded.redeem(t.token())).contains(grant());
        assertThat(reloaded.redeem(t.token())).isEmpty();
        assertThat(new PairTokens(file, clock).redeem(t.token())).isEmpty();
    }

    @Test
    void wrongAndExpiredTokensAreRefused() throws Exception {
        PairTokens tokens = new PairTokens(tmp.resolve("t.json"), clock);
        PairTokens.Created t = tokens.create(grant(), Duration.ofMinutes(5), CERT);
        String[] p = t.token().split("\\.");
        String flipped = p[0] + "." + (p[1].charAt(0) == 'A' ? 'B' : 'A') + p[1].substring(1) + "." + p[2];
        assertThat(tokens.redeem(flipped)).isEmpty();
        assertThat(tokens.redeem(null)).isEmpty();
        assertThat(tokens.redeem("")).isEmpty();
        clock.advance(Duration.ofMinutes(5));
        assertThat(tokens.valid(t.token())).isFalse();
        assertThat(tokens.redeem(t.token())).isEmpty();
        assertThat(tokens.pending()).isEmpty();
    }

    @Test
    void badInputIsNamed() throws Exception {
        PairTokens tokens = new PairTokens(tmp.resolve("t.json"), clock);
        assertThatThrownBy(() -> tokens.create(grant(), Duration.ofHours(25), CERT)).hasMessageContaining("24 hours");
        assertThatThrownBy(() -> tokens.create(grant(), Duration.ZERO, CERT)).hasMessageContaining("1 second");
        assertThatThrownBy(() -> PairTokens.parse("sfp1.abc.def")).isInstanceOf(SshConfigException.class)
                .hasMessageContaining("not a snapferry pairing token");
        assertThatThrownBy(() -> PairTokens.parseTtl("15 minutes")).hasMessageContaining("15m");
        assertThat(PairTokens.parseTtl("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(PairTokens.parseTtl("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(HexFormat.of().formatHex(PairTokens.parse(tokens.create(grant(), Duration.ofMinutes(1), CERT).token())
                .certificateSha256())).isEqualTo(CERT);
    }
}
