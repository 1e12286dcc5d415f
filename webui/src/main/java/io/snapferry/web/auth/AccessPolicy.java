package io.snapferry.web.auth;

import io.javalin.http.HandlerType;
import io.javalin.security.RouteRole;
import io.snapferry.web.api.Routes.Endpoint;
import java.util.Set;

/**
 * Who may call what: the single allowlist of routes reachable without credentials. Every route
 * not named here needs a login session or a bearer token; there are no per-route checks.
 * {@link io.snapferry.web.api.Routes} tags each route with {@link #roleOf}, and
 * {@link AccessFilter} enforces the tag. A route added later at an allowlisted path (for example
 * the pairing call) is public by being registered, with no other change.
 */
public final class AccessPolicy {
    /** The access a route requires. */
    public enum Access implements RouteRole {
        /** Anyone. */
        PUBLIC,
        /** Anyone connecting from the box itself (127.0.0.0/8, ::1), or any authenticated caller. */
        LOOPBACK,
        /** A login session or a bearer token. */
        AUTHENTICATED
    }

    /** Routes anyone may call. */
    public static final Set<Endpoint> PUBLIC = Set.of(
            // Log in: checks username and password itself, rate limited.
            new Endpoint(HandlerType.POST, "/api/v1/session"),
            // Whether the caller is logged in (and the CSRF token when so), and whether setup is needed.
            new Endpoint(HandlerType.GET, "/api/v1/session"),
            // First start: create the admin account; answers 403 once it exists.
            new Endpoint(HandlerType.GET, "/api/v1/setup"),
            new Endpoint(HandlerType.POST, "/api/v1/setup"),
            // A peer box pairing with this one: checks its own one-time pairing token.
            new Endpoint(HandlerType.POST, "/api/v1/pairing"));

    /** Routes anyone on the box itself may call (monitoring agents scrape without a token). */
    public static final Set<Endpoint> LOOPBACK = Set.of(
            new Endpoint(HandlerType.GET, "/metrics"));

    private AccessPolicy() {
    }

    /** The role a route gets from its method and path. */
    public static Access roleOf(Endpoint e) {
        if (PUBLIC.contains(e)) {
            return Access.PUBLIC;
        }
        if (LOOPBACK.contains(e)) {
            return Access.LOOPBACK;
        }
        return Access.AUTHENTICATED;
    }
}
