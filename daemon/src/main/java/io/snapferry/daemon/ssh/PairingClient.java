package io.snapferry.daemon.ssh;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The outbound half of pairing: calls {@code POST /api/v1/pairing} on the other box over HTTPS
 * pinned to the certificate fingerprint carried by the token. Sends only the public key.
 */
final class PairingClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** What the other box answered. */
    record Answer(int sshPort, String hostKey, String boxId, Optional<String> receiveRoot, List<String> readable) {
    }

    private PairingClient() {
    }

    /** The base URL checked and normalised: https, a host, an optional port, no path beyond "/". */
    static URI checkUrl(String url) {
        URI u;
        try {
            u = URI.create(url == null ? "" : url.strip());
        } catch (IllegalArgumentException e) {
            throw SshConfigException.invalid("url", "not a URL: use https://HOST:PORT of the other box's web API");
        }
        if (!"https".equals(u.getScheme()) || u.getHost() == null || u.getUserInfo() != null || u.getQuery() != null
                || u.getFragment() != null || !(u.getRawPath() == null || u.getRawPath().isEmpty() || u.getRawPath().equals("/"))) {
            throw SshConfigException.invalid("url", "the URL must be https://HOST[:PORT] of the other box's web API (as shown by "
                    + "'snapferry status' there), without a path");
        }
        return u;
    }

    static Answer pair(URI base, PairTokens.Parsed token, String name, String publicKey, String permissions) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).sslContext(io.snapferry.daemon.config.PinnedTls.context(token.certificateSha256(), "the pairing token")).build();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", token.token());
        body.put("name", name);
        body.put("publicKey", publicKey);
        body.put("permissions", permissions);
        String where = base.getScheme() + "://" + base.getRawAuthority();
        HttpResponse<byte[]> resp;
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(where + "/api/v1/pairing")).timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.mapper().writeValueAsBytes(body))).build();
            resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            if (isTls(e)) {
                throw new SshConfigException(SshConfigException.Kind.REMOTE, "url", "the box at " + where
                        + " is not the one the token was made on (its TLS certificate does not match the token): " + rootMessage(e), e);
            }
            throw new SshConfigException(SshConfigException.Kind.REMOTE, "url", "cannot reach " + where + ": " + rootMessage(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SshConfigException(SshConfigException.Kind.REMOTE, "url", "interrupted while pairing with " + where, e);
        }
        JsonNode answer;
        try {
            answer = resp.body().length == 0 ? Json.mapper().nullNode() : Json.mapper().readTree(resp.body());
        } catch (IOException e) {
            throw new SshConfigException(SshConfigException.Kind.REMOTE, "url", where + " answered HTTP " + resp.statusCode()
                    + " with something that is not JSON: is it a snapferry box?");
        }
        if (resp.statusCode() != 200) {
            String why = answer.path("error").asText("HTTP " + resp.statusCode());
            boolean tokenProblem = resp.statusCode() == 403;
            throw new SshConfigException(tokenProblem ? SshConfigException.Kind.REFUSED : SshConfigException.Kind.REMOTE,
                    tokenProblem ? "token" : "url", "the box at " + where + " refused to pair: " + why);
        }
        if (!answer.path("sshPort").canConvertToInt() || !answer.path("hostKey").isTextual() || !answer.path("boxId").isTextual()) {
            throw new SshConfigException(SshConfigException.Kind.REMOTE, "url", where + " answered the pairing without an SSH port, "
                    + "host key and box id");
        }
        List<String> readable = new java.util.ArrayList<>();
        answer.path("readable").forEach(n -> readable.add(n.asText()));
        Optional<String> root = answer.hasNonNull("receiveRoot") ? Optional.of(answer.get("receiveRoot").asText()) : Optional.empty();
        return new Answer(answer.get("sshPort").asInt(), answer.get("hostKey").asText(), answer.get("boxId").asText(), root, readable);
    }

    private static boolean isTls(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof javax.net.ssl.SSLHandshakeException || t instanceof java.security.cert.CertificateException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
