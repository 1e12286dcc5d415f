package io.snapferry.web;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import io.snapferry.daemon.app.Appliance;
import io.snapferry.daemon.app.WebFrontend;
import io.snapferry.daemon.config.Json;
import io.snapferry.daemon.lifecycle.AbstractService;
import io.snapferry.dataset.DatasetException;
import io.snapferry.web.api.ApiError;
import io.snapferry.web.api.DatasetRoutes;
import io.snapferry.web.tls.BoxCertificate;
import io.javalin.http.staticfiles.Location;
import io.snapferry.web.api.Routes;
import io.snapferry.web.auth.AccessFilter;
import io.snapferry.web.auth.AccessPolicy;
import io.snapferry.web.auth.ApiTokenStore;
import io.snapferry.web.auth.AuthRoutes;
import io.snapferry.web.auth.LoginThrottle;
import io.snapferry.web.auth.PasswordHasher;
import io.snapferry.web.auth.SessionStore;
import io.snapferry.web.auth.UserStore;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Javalin web server: HTTPS (or plain HTTP when configured), the API and the UI. */
public final class JavalinFrontend extends AbstractService implements WebFrontend {
    private static final Logger LOG = LoggerFactory.getLogger(JavalinFrontend.class);
    public static final String VERSION = Optional.ofNullable(JavalinFrontend.class.getPackage().getImplementationVersion()).orElse("dev");

    private final Appliance appliance;
    private final PasswordHasher hasher;
    private Javalin app;
    private Routes routes;
    private io.snapferry.web.api.TaskEventStream taskEvents;
    private BoxCertificate certificate;
    private String url;

    /** Hashes passwords with {@link PasswordHasher.Cost#configured()}. */
    public JavalinFrontend(Appliance appliance) {
        this(appliance, new PasswordHasher(PasswordHasher.Cost.configured()));
    }

    /** With a given password hashing cost (tests use a cheap one). */
    public JavalinFrontend(Appliance appliance, PasswordHasher hasher) {
        super("web-server");
        this.appliance = appliance;
        this.hasher = hasher;
    }

    /** Registered in META-INF/services. */
    public static final class Factory implements WebFrontend.Factory {
        @Override
        public WebFrontend create(Appliance appliance) {
            return new JavalinFrontend(appliance);
        }
    }

    @Override
    protected void doStart() throws Exception {
        var opts = appliance.options();
        boolean tls = opts.tls();
        if (tls) {
            certificate = BoxCertificate.loadOrCreate(appliance.dataDir().tls());
        }
        String adminToken = appliance.dataDir().adminToken();
        Clock clock = appliance.clock();
        Path configDir = appliance.dataDir().config();
        UserStore users = new UserStore(configDir.resolve("users.json"), hasher, clock);
        ApiTokenStore tokens = new ApiTokenStore(configDir.resolve("tokens.json"), clock);
        SessionStore sessions = new SessionStore(clock);
        AccessFilter access = new AccessFilter(sessions, tokens, () -> adminToken, tls);
        app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.jsonMapper(new JavalinJackson(Json.mapper(), false));
            config.staticFiles.add(s -> {
                s.hostedPath = "/";
                s.directory = "/web";
                s.location = Location.CLASSPATH;
                s.roles = Set.of(AccessPolicy.Access.PUBLIC);
                s.headers = Map.of("Cache-Control", "no-cache");
            });
            config.jetty.addConnector((server, httpConfig) -> {
                ServerConnector c;
                if (tls) {
                    char[] pw = new char[24];
                    SecureRandom r = new SecureRandom();
                    for (int i = 0; i < pw.length; i++) {
                        pw[i] = (char) ('a' + r.nextInt(26));
                    }
                    SslContextFactory.Server ssl = new SslContextFactory.Server();
                    ssl.setKeyStore(certificate.keyStore(pw));
                    ssl.setKeyStorePassword(new String(pw));
                    HttpConfiguration https = new HttpConfiguration(httpConfig);
                    https.addCustomizer(new SecureRequestCustomizer(false));
                    c = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
                } else {
                    c = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
                }
                c.setHost(opts.bind());
                c.setPort(opts.webPort());
                return c;
            });
        });
        app.before(JavalinFrontend::securityHeaders);
        app.beforeMatched(access::handle);
        app.exception(ApiError.class, (e, ctx) -> error(ctx, e.status(), e.code(), e.getMessage(), e.field()));
        app.exception(DatasetException.class, (e, ctx) -> error(ctx, status(e), e.code().name(), e.getMessage(), null));
        app.exception(io.javalin.http.HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(),
                e.getStatus() == 404 ? "NOT_FOUND" : "HTTP_" + e.getStatus(),
                e.getStatus() != 404 ? e.getMessage()
                        : ctx.path().startsWith("/api/") ? "no such API route: " + ctx.method() + " " + ctx.path()
                        : "not found: " + ctx.path(), null));
        app.exception(Exception.class, (e, ctx) -> {
            LOG.warn("request {} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, 500, "INTERNAL", "internal error: " + e, null);
        });
        routes = new Routes(app, AccessPolicy::roleOf);
        routes.get("/api/v1/status", this::status);
        new AuthRoutes(users, sessions, tokens, new LoginThrottle(clock), access).register(routes);
        new DatasetRoutes(appliance).register(routes);
        // Before TaskRoutes: /api/v1/tasks/{id} would match "events" too, and the first route registered wins.
        taskEvents = new io.snapferry.web.api.TaskEventStream(appliance.history(), appliance.replications().progress());
        taskEvents.register(routes);
        new io.snapferry.web.api.TaskRoutes(appliance).register(app, routes);
        new io.snapferry.web.api.ReplicationRoutes(appliance).register(routes);
        new io.snapferry.web.api.StoreRoutes(appliance).register(routes);
        new io.snapferry.web.api.StreamKeyRoutes(appliance).register(routes);
        new io.snapferry.web.api.OpsRoutes(appliance).register(app, routes);
        new io.snapferry.web.api.SshRoutes(appliance).register(app, routes);
        app.start();
        int port = ((ServerConnector) app.jettyServer().server().getConnectors()[0]).getLocalPort();
        String host = opts.bind().equals("0.0.0.0") || opts.bind().equals("::") ? "127.0.0.1" : opts.bind();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        url = (tls ? "https://" : "http://") + host + ":" + port;
    }

    private static int status(DatasetException e) {
        return switch (e.code().category()) {
            case USER_ERROR -> e.code() == io.snapferry.dataset.ErrorCode.ALREADY_EXISTS
                    || e.code() == io.snapferry.dataset.ErrorCode.TARGET_MODIFIED ? 409 : 400;
            case NOT_FOUND -> 404;
            case TRANSIENT -> 409;
            case RESOURCE -> 507;
            case PERMANENT -> e.code() == io.snapferry.dataset.ErrorCode.UNSUPPORTED ? 501 : 500;
        };
    }

    private static void error(Context ctx, int status, String code, String message, String field) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("code", code);
        if (field != null) {
            body.put("field", field);
        }
        ctx.status(status).json(body);
    }

    /**
     * Headers on every response: the UI loads nothing from elsewhere and runs no inline script, and
     * no other site may frame it; API answers are never cached.
     */
    private static void securityHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        if (ctx.path().startsWith("/api/")) {
            ctx.header("Cache-Control", "no-store");
        }
    }

    /** Every route registered, for tests and documentation checks. */
    public Routes routes() {
        return routes;
    }

    private void status(Context ctx) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("version", VERSION);
        s.put("url", url);
        s.put("pools", appliance.pools().pools().keySet());
        s.put("certificateSha256", certificateFingerprint().orElse(null));
        s.put("services", appliance.services().status());
        ctx.json(s);
    }

    @Override
    protected void doStop() {
        if (taskEvents != null) {
            taskEvents.close();
        }
        app.stop();
    }

    @Override
    public String url() {
        return url;
    }

    @Override
    public Optional<String> certificateFingerprint() {
        return Optional.ofNullable(certificate).map(BoxCertificate::fingerprint);
    }
}
