package io.snapferry.web.auth;

import io.javalin.http.Context;
import io.snapferry.web.api.ApiError;
import io.snapferry.web.api.Body;
import io.snapferry.web.api.Routes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /api/v1/setup}, {@code /api/v1/session} (log in, out, whoami), {@code /api/v1/tokens} and
 * {@code /api/v1/users/me/password}.
 */
public final class AuthRoutes {
    private final UserStore users;
    private final SessionStore sessions;
    private final ApiTokenStore tokens;
    private final LoginThrottle throttle;
    private final AccessFilter filter;

    public AuthRoutes(UserStore users, SessionStore sessions, ApiTokenStore tokens, LoginThrottle throttle, AccessFilter filter) {
        this.users = users;
        this.sessions = sessions;
        this.tokens = tokens;
        this.throttle = throttle;
        this.filter = filter;
    }

    public void register(Routes routes) {
        routes.get("/api/v1/setup", ctx -> ctx.json(Map.of("needed", users.setupNeeded())));
        routes.post("/api/v1/setup", this::setup);
        routes.get("/api/v1/session", this::whoami);
        routes.post("/api/v1/session", this::login);
        routes.delete("/api/v1/session", this::logout);
        routes.put("/api/v1/users/me/password", this::changePassword);
        routes.get("/api/v1/tokens", ctx -> ctx.json(tokens.list()));
        routes.post("/api/v1/tokens", ctx -> ctx.status(201).json(tokens.create(Body.of(ctx).requiredString("name"))));
        routes.delete("/api/v1/tokens/{name}", ctx -> {
            tokens.revoke(ctx.pathParam("name"));
            ctx.status(204);
        });
    }

    private void setup(Context ctx) {
        if (!users.setupNeeded()) {
            throw new ApiError(403, "SETUP_DONE", "setup is already done: the admin account exists; log in instead", null);
        }
        Body b = Body.of(ctx);
        String username = b.string("username").orElse("");
        String password = b.string("password").orElse("");
        users.createAdmin(username, password);
        ctx.status(201).json(Map.of("username", username));
    }

    private void whoami(Context ctx) {
        Map<String, Object> out = new LinkedHashMap<>();
        Optional<Principal> p = Principal.of(ctx);
        out.put("authenticated", p.isPresent());
        out.put("username", p.map(Principal::name).orElse(null));
        out.put("kind", p.map(x -> x.kind().name().toLowerCase(java.util.Locale.ROOT)).orElse(null));
        out.put("csrfToken", p.map(Principal::session).map(SessionStore.Session::csrfToken).orElse(null));
        out.put("setupNeeded", users.setupNeeded());
        ctx.json(out);
    }

    private void login(Context ctx) {
        Body b = Body.of(ctx);
        String username = b.requiredString("username");
        String password = b.string("password").orElse("");
        if (password.isEmpty()) {
            throw ApiError.badRequest("password", "password is required");
        }
        String address = ctx.ip();
        Optional<Duration> wait = throttle.lockedFor(address, username);
        if (wait.isPresent()) {
            throw tooMany(ctx, wait.get());
        }
        Optional<String> user = users.authenticate(username, password);
        if (user.isEmpty()) {
            throttle.failure(address, username);
            Optional<Duration> now = throttle.lockedFor(address, username);
            if (now.isPresent()) {
                throw tooMany(ctx, now.get());
            }
            throw new ApiError(401, "INVALID_CREDENTIALS", "wrong username or password", "password");
        }
        throttle.success(address, username);
        Principal.of(ctx).filter(p -> p.kind() == Principal.Kind.SESSION).ifPresent(p -> sessions.remove(p.sessionId()));
        SessionStore.Created s = sessions.create(user.get());
        ctx.header("Set-Cookie", filter.sessionCookie(s.id()));
        ctx.json(Map.of("authenticated", true, "username", user.get(), "csrfToken", s.session().csrfToken()));
    }

    private static ApiError tooMany(Context ctx, Duration wait) {
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        ctx.header("Retry-After", Long.toString(seconds));
        return new ApiError(429, "TOO_MANY_ATTEMPTS", "too many failed logins; try again in " + seconds + " s", null);
    }

    /**
     * A logged-in user changes their own password; the session making the change stays, the
     * user's other sessions end. Tokens have no password to change (403).
     */
    private void changePassword(Context ctx) {
        Principal p = Principal.of(ctx).filter(x -> x.kind() == Principal.Kind.SESSION).orElseThrow(() ->
                new ApiError(403, "NOT_A_USER", "only a user logged in with a password can change it; API tokens have none", null));
        Body b = Body.of(ctx);
        String current = b.string("current").orElse("");
        String next = b.string("new").orElse("");
        String address = ctx.ip();
        Optional<Duration> wait = throttle.lockedFor(address, p.name());
        if (wait.isPresent()) {
            throw tooMany(ctx, wait.get());
        }
        try {
            users.changePassword(p.name(), current, next);
        } catch (ApiError e) {
            if ("INVALID_CREDENTIALS".equals(e.code())) {
                throttle.failure(address, p.name());
            }
            throw e;
        }
        throttle.success(address, p.name());
        int ended = sessions.removeAllOf(p.name(), p.sessionId());
        ctx.json(Map.of("changed", true, "otherSessionsEnded", ended));
    }

    private void logout(Context ctx) {
        Principal.of(ctx).filter(p -> p.kind() == Principal.Kind.SESSION).ifPresent(p -> sessions.remove(p.sessionId()));
        ctx.header("Set-Cookie", filter.clearedCookie());
        ctx.status(204);
    }
}
