package io.snapferry.web.api;

import io.javalin.Javalin;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.sse.SseClient;
import io.javalin.http.sse.SseHandler;
import io.javalin.security.RouteRole;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one way to register an API route. Every route is recorded (tests check each one for
 * authentication and for its entry in docs/api.md) and gets the access role the central policy
 * gives its method and path, which the access filter enforces. Not thread-safe: register routes
 * before the server starts.
 */
public final class Routes {
    /** A route: method and path pattern as registered, e.g. {@code DELETE /api/v1/tokens/{name}}. */
    public record Endpoint(HandlerType method, String path) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private final Javalin app;
    private final Function<Endpoint, RouteRole> roleOf;
    private final List<Endpoint> endpoints = new ArrayList<>();

    /** @param roleOf the access policy: which role a route gets, from its method and path alone */
    public Routes(Javalin app, Function<Endpoint, RouteRole> roleOf) {
        this.app = app;
        this.roleOf = roleOf;
    }

    public Routes get(String path, Handler handler) {
        return add(HandlerType.GET, path, handler);
    }

    public Routes post(String path, Handler handler) {
        return add(HandlerType.POST, path, handler);
    }

    public Routes put(String path, Handler handler) {
        return add(HandlerType.PUT, path, handler);
    }

    public Routes patch(String path, Handler handler) {
        return add(HandlerType.PATCH, path, handler);
    }

    public Routes delete(String path, Handler handler) {
        return add(HandlerType.DELETE, path, handler);
    }

    /**
     * A Server-Sent Events stream at {@code GET path}, recorded and access-checked like any other
     * GET route. {@code client} runs once per connection (on a request thread, which it may keep
     * for as long as the stream lasts).
     */
    public Routes sse(String path, Consumer<SseClient> client) {
        return add(HandlerType.GET, path, new SseHandler(client));
    }

    private Routes add(HandlerType method, String path, Handler handler) {
        Endpoint e = new Endpoint(method, path);
        if (endpoints.contains(e)) {
            throw new IllegalStateException(e + " is registered twice");
        }
        endpoints.add(e);
        app.addHttpHandler(method, path, handler, roleOf.apply(e));
        return this;
    }

    /** Every route registered so far, in registration order. */
    public List<Endpoint> endpoints() {
        return Collections.unmodifiableList(endpoints);
    }
}
