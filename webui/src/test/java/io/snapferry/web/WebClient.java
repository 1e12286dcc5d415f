package io.snapferry.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * An HTTP client for tests, like a browser: keeps the session cookie and the CSRF token from a
 * login, and sends them when asked. Trusts the box's self-signed certificate.
 */
public final class WebClient {
    private final HttpClient http;
    private final String base;
    private String cookie;
    private String csrf;
    private String bearer;

    public WebClient(String base) {
        this.base = base;
        this.http = HttpClient.newBuilder().sslContext(trustAll()).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** The answer: status, body, headers. */
    public record Response(int status, String body, HttpHeaders headers) {
        public JsonNode json() {
            try {
                return Json.mapper().readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    public WebClient bearer(String token) {
        this.bearer = token;
        return this;
    }

    public String cookie() {
        return cookie;
    }

    public WebClient cookie(String value) {
        this.cookie = value;
        return this;
    }

    public String csrf() {
        return csrf;
    }

    /** Sends with the cookie (if any) and, when {@code withCsrf}, the CSRF token. */
    public Response send(String method, String path, Object body, boolean withCsrf) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (withCsrf && csrf != null) {
            headers.put("X-CSRF-Token", csrf);
        }
        return raw(method, path, body, headers);
    }

    public Response get(String path) {
        return send("GET", path, null, false);
    }

    public Response post(String path, Object body) {
        return send("POST", path, body, true);
    }

    public Response delete(String path) {
        return send("DELETE", path, null, true);
    }

    public Response raw(String method, String path, Object body, Map<String, String> headers) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
            if (body != null) {
                byte[] bytes = body instanceof String s ? s.getBytes(java.nio.charset.StandardCharsets.UTF_8) : Json.mapper().writeValueAsBytes(body);
                b.method(method, HttpRequest.BodyPublishers.ofByteArray(bytes));
                if (!headers.containsKey("Content-Type")) {
                    b.header("Content-Type", "application/json");
                }
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            headers.forEach(b::header);
            if (cookie != null) {
                b.header("Cookie", "snapferry_session=" + cookie);
            }
            if (bearer != null) {
                b.header("Authorization", "Bearer " + bearer);
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Logs in; keeps the cookie and CSRF token on success. */
    public Response login(String username, String password) {
        Response r = raw("POST", "/api/v1/session", Map.of("username", username, "password", password), Map.of());
        if (r.status() == 200) {
            String set = r.headers().firstValue("Set-Cookie").orElseThrow();
            cookie = set.substring(set.indexOf('=') + 1, set.indexOf(';'));
            csrf = r.json().get("csrfToken").asText();
        }
        return r;
    }

    public static SSLContext trustAll() {
        X509ExtendedTrustManager tm = new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] c, String a, java.net.Socket s) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] c, String a, java.net.Socket s) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] c, String a) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] c, String a) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {tm}, new SecureRandom());
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
