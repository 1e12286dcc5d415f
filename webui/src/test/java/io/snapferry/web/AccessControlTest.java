package io.snapferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.HandlerType;
import io.snapferry.daemon.app.Appliance;
import io.snapferry.daemon.app.DaemonOptions;
import io.snapferry.daemon.config.DataDir;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.web.api.Routes.Endpoint;
import io.snapferry.web.auth.AccessPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access rules, checked over HTTPS against a whole daemon. */
class AccessControlTest {
    static final String PASSWORD = "correct horse battery staple";
    private static final Set<HandlerType> STATE_CHANGING = Set.of(HandlerType.POST, HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE);

    @TempDir
    Path tmp;
    final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    InMemoryDatasetProvider provider;
    TestBox box;
    String url;

    @BeforeEach
    void start() throws Exception {
        provider = new InMemoryDatasetProvider(clock, "tank");
        box = new TestBox(tmp.resolve("data"), clock, List.of(provider));
        url = box.appliance().web().url();
    }

    @AfterEach
    void stop() throws Exception {
        box.close();
    }

    List<Endpoint> endpoints() {
        return ((JavalinFrontend) box.appliance().web()).routes().endpoints();
    }

    static String concrete(String pattern) {
        return pattern.replaceAll("\\{[^}]+}", "x").replaceAll("<[^>]+>", "x");
    }

    WebClient loggedIn() {
        WebClient setup = new WebClient(url);
        assertThat(setup.post("/api/v1/setup", Map.of("username", "admin", "password", PASSWORD)).status()).isEqualTo(201);
        WebClient c = new WebClient(url);
        assertThat(c.login("admin", PASSWORD).status()).isEqualTo(200);
        return c;
    }

    @Test
    void everyRouteOutsideTheAllowlistRefusesStrangers() {
        List<Endpoint> all = endpoints();
        assertThat(all).contains(new Endpoint(HandlerType.POST, "/api/v1/snapshots"),
                new Endpoint(HandlerType.DELETE, "/api/v1/tokens/{name}"), new Endpoint(HandlerType.GET, "/api/v1/status"));
        List<String> leaks = new ArrayList<>();
        int checked = 0;
        for (Endpoint e : all) {
            if (AccessPolicy.roleOf(e) != AccessPolicy.Access.AUTHENTICATED) {
                continue;
            }
            String path = concrete(e.path());
            Object body = STATE_CHANGING.contains(e.method()) && !e.method().equals(HandlerType.DELETE)
                    ? Map.of("dataset", "tank", "name", "x") : null;
            for (WebClient c : List.of(new WebClient(url), new WebClient(url).bearer("sft_forged"),
                    new WebClient(url).bearer("sfa_forged"), new WebClient(url).cookie("forged-session"))) {
                WebClient.Response r = c.send(e.method().name(), path, body, false);
                if (r.status() != 401 || !r.json().path("code").asText().equals("UNAUTHENTICATED")) {
                    leaks.add(e + " -> " + r.status() + " " + r.body());
                }
                checked++;
            }
        }
        WebClient stranger = new WebClient(url);
        for (String variant : List.of("/api/v1/datasets/", "//api/v1/datasets", "/api//v1/datasets", "/API/v1/datasets",
                "/api/v1/./datasets", "/api/v1/x/../datasets", "/api/v1/datasets;x=1", "/api/v1/%64atasets")) {
            for (String method : List.of("GET", "HEAD")) {
                WebClient.Response r = stranger.send(method, variant, null, false);
                if (r.status() < 400) {
                    leaks.add(method + " " + variant + " -> " + r.status() + " " + r.body());
                }
            }
        }
        assertThat(leaks).isEmpty();
        assertThat(checked).isGreaterThanOrEqualTo(4 * 15);
        assertThat(provider.listSnapshots(DatasetName.of("tank"))).as("refused requests changed nothing").isEmpty();
    }

    @Test
    void theAllowlistedRoutesAnswerStrangers() {
        WebClient c = new WebClient(url);
        assertThat(c.get("/api/v1/session").json().get("authenticated").asBoolean()).isFalse();
        assertThat(c.get("/api/v1/setup").json().get("needed").asBoolean()).isTrue();
        assertThat(c.post("/api/v1/session", Map.of("username", "admin", "password", "whatever-it-is")).status()).isEqualTo(401);
        WebClient.Response page = c.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("<script type=\"module\" src=\"/js/app.js\">");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("script-src 'self'");
        WebClient.Response js = c.get("/js/pages/datasets.js");
        assertThat(js.status()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type").orElseThrow()).contains("javascript");
        WebClient.Response none = c.get("/api/v1/nothing-here");
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.json().get("error").asText()).isEqualTo("no such API route: GET /api/v1/nothing-here");
    }

    @Test
    void cookieStateChangesNeedTheCsrfTokenAndBearerCallsDoNot() throws Exception {
        WebClient c = loggedIn();
        List<String> leaks = new ArrayList<>();
        for (Endpoint e : endpoints()) {
            if (!STATE_CHANGING.contains(e.method())) {
                continue;
            }
            Object body = e.method() == HandlerType.DELETE ? null : Map.of("dataset", "tank", "name", "x");
            for (Map<String, String> headers : List.of(Map.<String, String>of(), Map.of("X-CSRF-Token", "wrong"),
                    Map.of("X-CSRF-Token", ""))) {
                WebClient.Response r = c.raw(e.method().name(), concrete(e.path()), body, headers);
                if (r.status() != 403 || !r.json().path("error").asText().startsWith("missing or wrong CSRF token")) {
                    leaks.add(e + " " + headers + " -> " + r.status() + " " + r.body());
                }
            }
        }
        assertThat(leaks).isEmpty();
        assertThat(provider.listSnapshots(DatasetName.of("tank"))).isEmpty();

        assertThat(c.post("/api/v1/snapshots", Map.of("dataset", "tank", "name", "s1")).status()).isEqualTo(201);
        WebClient cli = new WebClient(url).bearer(box.dataDir().adminToken());
        assertThat(cli.send("POST", "/api/v1/snapshots", Map.of("dataset", "tank", "name", "s2"), false).status()).isEqualTo(201);
        assertThat(provider.listSnapshots(DatasetName.of("tank"))).hasSize(2);
    }

    @Test
    void theSessionCookieIsHttpOnlySecureStrictAndLogoutEndsTheSession() {
        WebClient c = loggedIn();
        WebClient fresh = new WebClient(url);
        String set = fresh.login("admin", PASSWORD).headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(set).startsWith("snapferry_session=").contains("; Path=/", "; HttpOnly", "; SameSite=Strict", "; Secure");
        assertThat(fresh.cookie()).hasSize(43);

        JsonNode me = c.get("/api/v1/session").json();
        assertThat(me.get("authenticated").asBoolean()).isTrue();
        assertThat(me.get("username").asText()).isEqualTo("admin");
        assertThat(me.get("csrfToken").asText()).isEqualTo(c.csrf());

        assertThat(c.delete("/api/v1/session").status()).isEqualTo(204);
        assertThat(c.get("/api/v1/datasets").status()).isEqualTo(401);
        assertThat(c.get("/api/v1/session").json().get("authenticated").asBoolean()).isFalse();
        assertThat(fresh.get("/api/v1/datasets").status()).as("other sessions live on").isEqualTo(200);

        clock.advance(Duration.ofMinutes(31));
        assertThat(fresh.get("/api/v1/datasets").status()).as("idle expiry").isEqualTo(401);
    }

    @Test
    void setupWorksOnceWithFieldErrors() {
        WebClient c = new WebClient(url);
        WebClient.Response shortPw = c.post("/api/v1/setup", Map.of("username", "admin", "password", "too-short"));
        assertThat(shortPw.status()).isEqualTo(400);
        assertThat(shortPw.json().get("field").asText()).isEqualTo("password");
        assertThat(shortPw.json().get("error").asText()).contains("at least 10 characters");
        WebClient.Response badName = c.post("/api/v1/setup", Map.of("username", "<b>", "password", PASSWORD));
        assertThat(badName.json().get("field").asText()).isEqualTo("username");
        assertThat(c.post("/api/v1/setup", Map.of("username", "admin", "password", PASSWORD)).status()).isEqualTo(201);
        WebClient.Response again = c.post("/api/v1/setup", Map.of("username", "mallory", "password", "mallory's password"));
        assertThat(again.status()).isEqualTo(403);
        assertThat(again.json().get("error").asText()).contains("setup is already done");
        assertThat(c.get("/api/v1/setup").json().get("needed").asBoolean()).isFalse();
        assertThat(new WebClient(url).login("mallory", "mallory's password").status()).isEqualTo(401);
        assertThat(new WebClient(url).login("admin", PASSWORD).status()).isEqualTo(200);
    }

    @Test
    void failedLoginsLockOutWithAClearMessageUntilTheClockMoves() {
        loggedIn();
        WebClient c = new WebClient(url);
        for (int i = 0; i < 4; i++) {
            WebClient.Response r = c.login("admin", "wrong password " + i);
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.json().get("field").asText()).isEqualTo("password");
        }
        WebClient.Response fifth = c.login("admin", "wrong password 5");
        assertThat(fifth.status()).isEqualTo(429);
        assertThat(fifth.json().get("error").asText()).isEqualTo("too many failed logins; try again in 30 s");
        assertThat(fifth.headers().firstValue("Retry-After")).contains("30");
        assertThat(c.login("admin", PASSWORD).status()).as("even the right password waits").isEqualTo(429);
        clock.advance(Duration.ofSeconds(20));
        assertThat(c.login("admin", PASSWORD).json().get("error").asText()).isEqualTo("too many failed logins; try again in 10 s");
        clock.advance(Duration.ofSeconds(10));
        assertThat(c.login("admin", PASSWORD).status()).isEqualTo(200);
    }

    @Test
    void apiTokensAreShownOnceWorkAsBearerAndCanBeRevoked() {
        WebClient c = loggedIn();
        WebClient.Response bad = c.post("/api/v1/tokens", Map.of("name", "no spaces"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("field").asText()).isEqualTo("name");
        WebClient.Response created = c.post("/api/v1/tokens", Map.of("name", "nightly"));
        assertThat(created.status()).isEqualTo(201);
        String token = created.json().get("token").asText();
        assertThat(token).startsWith("sft_");

        WebClient script = new WebClient(url).bearer(token);
        assertThat(script.get("/api/v1/datasets").status()).isEqualTo(200);
        assertThat(script.send("POST", "/api/v1/snapshots", Map.of("dataset", "tank", "name", "by-script"), false).status())
                .as("bearer calls need no CSRF token").isEqualTo(201);

        JsonNode list = c.get("/api/v1/tokens").json();
        assertThat(list).hasSize(1);
        assertThat(list.get(0).get("name").asText()).isEqualTo("nightly");
        assertThat(list.get(0).get("lastUsedAt").asText()).isEqualTo(clock.instant().toString());
        assertThat(list.get(0).has("token")).isFalse();
        assertThat(list.toString()).doesNotContain(token);

        assertThat(c.delete("/api/v1/tokens/nightly").status()).isEqualTo(204);
        assertThat(script.get("/api/v1/datasets").status()).isEqualTo(401);
        assertThat(c.delete("/api/v1/tokens/nightly").status()).isEqualTo(404);
    }

    @Test
    void requestBodiesMustBeJson() throws Exception {
        WebClient cli = new WebClient(url).bearer(box.dataDir().adminToken());
        WebClient.Response r = cli.raw("POST", "/api/v1/snapshots", "dataset=tank&name=x", Map.of("Content-Type", "application/x-www-form-urlencoded"));
        assertThat(r.status()).isEqualTo(415);
        assertThat(provider.listSnapshots(DatasetName.of("tank"))).isEmpty();
        WebClient.Response formLogin = new WebClient(url).raw("POST", "/api/v1/session", "username=admin&password=x",
                Map.of("Content-Type", "application/x-www-form-urlencoded"));
        assertThat(formLogin.status()).as("a cross-site form cannot log anyone in").isEqualTo(415);
    }

    @Test
    void plainHttpWhenConfiguredGivesACookieWithoutSecure() throws Exception {
        DataDir dir = new DataDir(tmp.resolve("plain"));
        try (Appliance plain = new Appliance(new DaemonOptions(dir, "127.0.0.1", 0, 0, false, false), clock,
                List.of(new InMemoryDatasetProvider(clock, "tank")))) {
            plain.start();
            assertThat(plain.web().url()).startsWith("http://");
            WebClient c = new WebClient(plain.web().url());
            assertThat(c.post("/api/v1/setup", Map.of("username", "admin", "password", PASSWORD)).status()).isEqualTo(201);
            String set = c.login("admin", PASSWORD).headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(set).contains("HttpOnly", "SameSite=Strict").doesNotContain("Secure");
        }
    }
}
