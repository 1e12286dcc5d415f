package io.snapferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.DataDir;
import io.snapferry.daemon.config.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The CLI's connection to a running daemon: the address and the certificate fingerprint come
 * from the data directory's {@code api.json}, the credential from {@code admin.token}. TLS is
 * pinned to that fingerprint; nothing else is trusted.
 */
public final class ApiClient {
    private final HttpClient http;
    private final String base;
    private final String token;

    private ApiClient(HttpClient http, String base, String token) {
        this.http = http;
        this.base = base;
        this.token = token;
    }

    public static ApiClient connect(DataDir dir) throws IOException {
        DataDir.ApiAddress addr = dir.apiAddress().orElseThrow(() -> new CliException(
                "no snapferry daemon is running on " + dir.root() + " (no api.json); start one with 'snapferry daemon --data "
                        + dir.root() + "' or point --data / SNAPFERRY_DATA at the right directory"));
        String token = readToken(dir);
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (addr.certificateSha256().isPresent()) {
            b.sslContext(io.snapferry.daemon.config.PinnedTls.context(
                    java.util.HexFormat.of().parseHex(addr.certificateSha256().get().replace(":", "")), dir.root().resolve("api.json").toString()));
        }
        return new ApiClient(b.build(), addr.url(), token);
    }

    private static String readToken(DataDir dir) throws IOException {
        try {
            return dir.existingAdminToken().orElseThrow(() -> new CliException(
                    "no admin credential in " + dir.root() + "; is the daemon running there?"));
        } catch (java.nio.file.AccessDeniedException e) {
            throw new CliException("cannot read " + e.getFile() + ": run the command as the daemon's user (or root)");
        }
    }

    public static String query(Map<String, String> params) {
        return params.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&", "?", ""));
    }

    public JsonNode get(String path) throws IOException {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    /** GETs a page outside the API ({@code "/"}: the UI), without credentials; returns its HTTP status. */
    public int page(String path) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().timeout(Duration.ofMinutes(1)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    public JsonNode delete(String path) throws IOException {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    public JsonNode post(String path, Object body) throws IOException {
        return sendWith(path, "POST", body);
    }

    public JsonNode put(String path, Object body) throws IOException {
        return sendWith(path, "PUT", body);
    }

    private JsonNode sendWith(String path, String method, Object body) throws IOException {
        byte[] json = Json.mapper().writeValueAsBytes(body == null ? Map.of() : body);
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(json)));
    }

    private URI uri(String path) {
        return URI.create(base + "/api/v1" + path);
    }

    private JsonNode send(HttpRequest.Builder req) throws IOException {
        req.header("Authorization", "Bearer " + token).timeout(Duration.ofMinutes(10));
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            throw new CliException("the daemon at " + base + " does not answer (connection refused); is it running?");
        } catch (javax.net.ssl.SSLHandshakeException e) {
            throw new CliException("TLS handshake with " + base + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        JsonNode body = resp.body().length == 0 ? Json.mapper().nullNode() : Json.mapper().readTree(resp.body());
        if (resp.statusCode() >= 400) {
            String msg = Optional.ofNullable(body.get("error")).map(JsonNode::asText).orElse("HTTP " + resp.statusCode());
            throw new CliException(msg);
        }
        return body;
    }
}
