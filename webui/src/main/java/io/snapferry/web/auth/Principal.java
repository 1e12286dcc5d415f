package io.snapferry.web.auth;

import io.javalin.http.Context;
import java.util.Optional;

/**
 * Who made a request, as established by {@link AccessFilter}.
 *
 * @param name      the account for a session, the token's name for an API token, "admin-token" for the
 *                  data directory's admin token
 * @param sessionId the cookie value, for a session (to log it out)
 */
public record Principal(String name, Kind kind, SessionStore.Session session, String sessionId) {
    public enum Kind { SESSION, ADMIN_TOKEN, API_TOKEN }

    static final String ATTRIBUTE = "snapferry.principal";

    /** The caller of a request, absent when none authenticated (only possible on public routes). */
    public static Optional<Principal> of(Context ctx) {
        return Optional.ofNullable(ctx.attribute(ATTRIBUTE));
    }
}
