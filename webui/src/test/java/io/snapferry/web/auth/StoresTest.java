package io.snapferry.web.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.web.MutableClock;
import io.snapferry.web.api.ApiError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoresTest {
    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final PasswordHasher cheap = new PasswordHasher(new PasswordHasher.Cost(1024, 1, 1));

    @Test
    void adminIsCreatedOnceAndSurvivesARestart() throws Exception {
        Path file = dir.resolve("config/users.json");
        UserStore users = new UserStore(file, cheap, clock);
        assertThat(users.setupNeeded()).isTrue();
        assertThatThrownBy(() -> users.createAdmin("admin", "short")).isInstanceOfSatisfying(ApiError.class,
                e -> assertThat(e.field()).isEqualTo("password"));
        assertThatThrownBy(() -> users.createAdmin("1admin", "long enough password")).isInstanceOfSatisfying(ApiError.class,
                e -> assertThat(e.field()).isEqualTo("username"));
        assertThat(users.setupNeeded()).as("bad input leaves setup open").isTrue();
        users.createAdmin("admin", "long enough password");
        assertThatThrownBy(() -> users.createAdmin("other", "another long password")).isInstanceOfSatisfying(ApiError.class,
                e -> assertThat(e.status()).isEqualTo(403));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).contains("$argon2id$").doesNotContain("long enough password");

        UserStore again = new UserStore(file, cheap, clock);
        assertThat(again.setupNeeded()).isFalse();
        assertThat(again.authenticate("admin", "long enough password")).contains("admin");
        assertThat(again.authenticate("admin", "long enough passwort")).isEmpty();
        assertThat(again.authenticate("nobody", "long enough password")).isEmpty();
    }

    @Test
    void tokensAreShownOnceStoredHashedListedAndRevoked() throws Exception {
        Path file = dir.resolve("config/tokens.json");
        ApiTokenStore tokens = new ApiTokenStore(file, clock);
        ApiTokenStore.CreatedToken t = tokens.create("backup-script");
        assertThat(t.token()).startsWith("sft_").hasSize(4 + 43);
        assertThat(Files.readString(file)).doesNotContain(t.token()).contains(Secrets.sha256Hex(t.token()));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

        assertThatThrownBy(() -> tokens.create("backup-script")).isInstanceOfSatisfying(ApiError.class,
                e -> assertThat(e.status()).isEqualTo(409));
        assertThatThrownBy(() -> tokens.create("bad name!")).isInstanceOfSatisfying(ApiError.class,
                e -> assertThat(e.field()).isEqualTo("name"));

        assertThat(tokens.list()).singleElement().satisfies(i -> assertThat(i.lastUsedAt()).isNull());
        clock.advance(Duration.ofMinutes(5));
        assertThat(tokens.authenticate(t.token())).contains("backup-script");
        assertThat(tokens.authenticate(t.token() + "x")).isEmpty();
        assertThat(tokens.authenticate("sfa_" + t.token().substring(4))).isEmpty();
        assertThat(tokens.list().get(0).lastUsedAt()).isEqualTo(clock.instant());

        ApiTokenStore reopened = new ApiTokenStore(file, clock);
        assertThat(reopened.authenticate(t.token())).contains("backup-script");
        assertThat(reopened.list().get(0).lastUsedAt()).isEqualTo(clock.instant());
        reopened.revoke("backup-script");
        assertThat(reopened.authenticate(t.token())).isEmpty();
        assertThat(reopened.list()).isEmpty();
        assertThatThrownBy(() -> reopened.revoke("backup-script")).isInstanceOfSatisfying(ApiError.class,
                e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void sessionsExpireWhenIdleAndAtTheAbsoluteLimit() {
        SessionStore sessions = new SessionStore(clock);
        SessionStore.Created s = sessions.create("admin");
        assertThat(s.id()).hasSize(43);
        assertThat(s.session().csrfToken()).hasSize(43).isNotEqualTo(s.id());
        clock.advance(SessionStore.IDLE.minusSeconds(1));
        assertThat(sessions.touch(s.id())).isPresent();
        clock.advance(SessionStore.IDLE.minusSeconds(1));
        assertThat(sessions.touch(s.id())).as("touching restarted the idle time").isPresent();
        clock.advance(SessionStore.IDLE);
        assertThat(sessions.touch(s.id())).isEmpty();

        SessionStore.Created busy = sessions.create("admin");
        for (Duration t = Duration.ZERO; t.compareTo(SessionStore.ABSOLUTE) < 0; t = t.plus(Duration.ofMinutes(20))) {
            assertThat(sessions.touch(busy.id())).isPresent();
            clock.advance(Duration.ofMinutes(20));
        }
        assertThat(sessions.touch(busy.id())).isEmpty();

        SessionStore.Created gone = sessions.create("admin");
        sessions.remove(gone.id());
        assertThat(sessions.touch(gone.id())).isEmpty();
        assertThat(sessions.touch("made-up")).isEmpty();
    }
}
