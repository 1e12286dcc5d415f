package io.snapferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.dataset.InMemoryDatasetProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code PUT /api/v1/users/me/password} over HTTPS against a whole daemon. */
class PasswordChangeTest {
    static final String OLD = "correct horse battery staple";
    static final String NEW = "a different long passphrase";
    static final String PATH = "/api/v1/users/me/password";

    @TempDir
    Path tmp;
    final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    TestBox box;
    String url;

    @BeforeEach
    void start() throws Exception {
        box = new TestBox(tmp.resolve("data"), clock, List.of(new InMemoryDatasetProvider(clock, "tank")));
        url = box.appliance().web().url();
        assertThat(new WebClient(url).post("/api/v1/setup", Map.of("username", "admin", "password", OLD)).status()).isEqualTo(201);
    }

    @AfterEach
    void stop() throws Exception {
        box.close();
    }

    WebClient session(String password) {
        WebClient c = new WebClient(url);
        assertThat(c.login("admin", password).status()).isEqualTo(200);
        return c;
    }

    @Test
    void theCurrentPasswordIsCheckedTheNewOneWorksAndOtherSessionsEnd() throws Exception {
        WebClient mine = session(OLD);
        WebClient other = session(OLD);

        WebClient.Response wrong = mine.send("PUT", PATH, Map.of("current", "not the password", "new", NEW), true);
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(wrong.json().get("field").asText()).isEqualTo("current");

        WebClient.Response tooShort = mine.send("PUT", PATH, Map.of("current", OLD, "new", "short"), true);
        assertThat(tooShort.status()).isEqualTo(400);
        assertThat(tooShort.json().get("field").asText()).isEqualTo("new");
        WebClient.Response same = mine.send("PUT", PATH, Map.of("current", OLD, "new", OLD), true);
        assertThat(same.status()).isEqualTo(400);
        assertThat(same.json().get("field").asText()).isEqualTo("new");

        WebClient.Response noCsrf = mine.send("PUT", PATH, Map.of("current", OLD, "new", NEW), false);
        assertThat(noCsrf.status()).as("a cookie call without the CSRF token").isEqualTo(403);
        assertThat(new WebClient(url).login("admin", NEW).status()).as("nothing changed yet").isEqualTo(401);

        WebClient.Response ok = mine.send("PUT", PATH, Map.of("current", OLD, "new", NEW), true);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("otherSessionsEnded").asInt()).isEqualTo(1);

        assertThat(mine.get("/api/v1/status").status()).as("the changing session stays").isEqualTo(200);
        assertThat(other.get("/api/v1/status").status()).as("other sessions end").isEqualTo(401);
        assertThat(new WebClient(url).login("admin", OLD).status()).isEqualTo(401);
        assertThat(new WebClient(url).login("admin", NEW).status()).isEqualTo(200);
        String stored = Files.readString(box.dataDir().config().resolve("users.json"));
        assertThat(stored).contains("$argon2id$").doesNotContain(NEW);
    }

    @Test
    void aBearerTokenHasNoPasswordToChange() {
        WebClient mine = session(OLD);
        String token = mine.post("/api/v1/tokens", Map.of("name", "script")).json().get("token").asText();
        WebClient script = new WebClient(url).bearer(token);
        WebClient.Response r = script.send("PUT", PATH, Map.of("current", OLD, "new", NEW), false);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.json().get("code").asText()).isEqualTo("NOT_A_USER");
        assertThat(new WebClient(url).login("admin", OLD).status()).isEqualTo(200);
    }
}
