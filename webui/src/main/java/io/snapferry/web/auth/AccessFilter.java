package io.snapferry.web.auth;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.security.RouteRole;
import io.snapferry.web.api.ApiError;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The one place requests are authenticated and authorized, run by Javalin before every matched
 * route and static file ({@code beforeMatched}).
 *
 * <ol>
 *   <li>Who: {@code Authorization: Bearer <token>} (the data directory's admin token or an API
 *       token; a wrong one is refused with 401 even on public routes), else the
 *       {@value #COOKIE} cookie of a live session, else nobody.</li>
 *   <li>CSRF: a session caller's POST, PUT, PATCH or DELETE must carry {@value #CSRF_HEADER} equal
 *       to the session's token, else 403. Bearer callers are exempt (browsers never add that
 *       header on their own).</li>
 *   <li>Access: the route's role from {@link AccessPolicy}; a route without one (registered outside
 *       {@link io.snapferry.web.api.Routes}) needs authentication, so a mistake fails closed.</li>
 *   <li>A request body, where one is sent, must be {@code application/json} (415), so a
 *       cross-site HTML form cannot post to the API.</li>
 * </ol>
 */
public final class AccessFilter {
    public static final String COOKIE = "snapferry_session";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final Set<HandlerType> STATE_CHANGING = Set.of(HandlerType.POST, HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE);

    private final SessionStore sessions;
    private final ApiTokenStore tokens;
    private final Supplier<String> adminToken;
    private final boolean secureCookies;

    /** @param secureCookies mark the session cookie Secure: true whenever the server speaks TLS */
    public AccessFilter(SessionStore sessions, ApiTokenStore tokens, Supplier<String> adminToken, boolean secureCookies) {
        this.sessions = sessions;
        this.tokens = tokens;
        this.adminToken = adminToken;
        this.secureCookies = secureCookies;
    }

    public void handle(Context ctx) {
        Principal who = identify(ctx);
        if (who != null) {
            ctx.attribute(Principal.ATTRIBUTE, who);
            if (who.kind() == Principal.Kind.SESSION && STATE_CHANGING.contains(ctx.method())
                    && !Secrets.constantTimeEquals(ctx.header(CSRF_HEADER), who.session().csrfToken())) {
                throw new ApiError(403, "CSRF", "missing or wrong CSRF token: reload the page and try again", null);
            }
        }
        AccessPolicy.Access access = accessOf(ctx.routeRoles());
        boolean allowed = switch (access) {
            case PUBLIC -> true;
            case LOOPBACK -> who != null || fromLoopback(ctx);
            case AUTHENTICATED -> who != null;
        };
        if (!allowed) {
            throw new ApiError(401, "UNAUTHENTICATED", "authentication required: log in, or send an API token", null);
        }
        if (STATE_CHANGING.contains(ctx.method()) && hasBody(ctx)) {
            String type = Optional.ofNullable(ctx.contentType()).orElse("");
            if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
                throw new ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "the request body must be JSON (Content-Type: application/json)", null);
            }
        }
    }

    static AccessPolicy.Access accessOf(Set<RouteRole> roles) {
        if (roles.contains(AccessPolicy.Access.PUBLIC)) {
            return AccessPolicy.Access.PUBLIC;
        }
        if (roles.contains(AccessPolicy.Access.LOOPBACK)) {
            return AccessPolicy.Access.LOOPBACK;
        }
        return AccessPolicy.Access.AUTHENTICATED;
    }

    private Principal identify(Context ctx) {
        String auth = ctx.header("Authorization");
        if (auth != null) {
            String token = auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : "";
            if (Secrets.constantTimeEquals(token, adminToken.get())) {
                return new Principal("admin-token", Principal.Kind.ADMIN_TOKEN, null, null);
            }
            Optional<String> name = tokens.authenticate(token);
            if (name.isPresent()) {
                return new Principal(name.get(), Principal.Kind.API_TOKEN, null, null);
            }
            throw new ApiError(401, "UNAUTHENTICATED", "the bearer token is not valid (revoked or mistyped): authentication required", null);
        }
        String id = ctx.cookie(COOKIE);
        if (id != null) {
            Optional<SessionStore.Session> s = sessions.touch(id);
            if (s.isPresent()) {
                return new Principal(s.get().username(), Principal.Kind.SESSION, s.get(), id);
            }
        }
        return null;
    }

    private static boolean hasBody(Context ctx) {
        return ctx.req().getContentLengthLong() > 0 || ctx.header("Transfer-Encoding") != null;
    }

    private static boolean fromLoopback(Context ctx) {
        try {
            return InetAddress.getByName(ctx.req().getRemoteAddr()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The Set-Cookie value that starts a session. */
    public String sessionCookie(String id) {
        return COOKIE + "=" + id + "; Path=/; HttpOnly; SameSite=Strict" + (secureCookies ? "; Secure" : "");
    }

    /** The Set-Cookie value that ends one. */
    public String clearedCookie() {
        return COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secureCookies ? "; Secure" : "");
    }
}
