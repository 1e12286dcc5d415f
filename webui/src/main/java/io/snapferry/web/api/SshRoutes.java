package io.snapferry.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.snapferry.daemon.app.Appliance;
import io.snapferry.daemon.ssh.ConnectionConfig;
import io.snapferry.daemon.ssh.PairTokens;
import io.snapferry.daemon.ssh.SshConfigException;
import io.snapferry.daemon.ssh.SshManager;
import io.snapferry.dataset.DatasetName;
import io.snapferry.ssh.client.ConnectionTest;
import io.snapferry.ssh.client.HostKey;
import io.snapferry.ssh.server.Peer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * SSH between boxes: {@code /api/v1/host-key}, {@code /api/v1/keypairs}, {@code /api/v1/connections},
 * {@code /api/v1/peers}, {@code /api/v1/pair-tokens} and the public {@code POST /api/v1/pairing}.
 * No answer ever holds a private key; a passphrase or token in a request is never logged.
 */
public final class SshRoutes {
    private final Appliance appliance;

    public SshRoutes(Appliance appliance) {
        this.appliance = appliance;
    }

    private SshManager ssh() {
        return appliance.ssh();
    }

    public void register(Javalin app, Routes routes) {
        app.exception(SshConfigException.class, (e, ctx) -> {
            int status = switch (e.kind()) {
                case INVALID -> 400;
                case NOT_FOUND -> 404;
                case CONFLICT -> 409;
                case REFUSED -> 403;
                case REMOTE -> 502;
            };
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", e.getMessage());
            body.put("code", e.kind() == SshConfigException.Kind.INVALID ? "INVALID_ARGUMENT" : e.kind().name());
            e.field().ifPresent(f -> body.put("field", f));
            ctx.status(status).json(body);
        });
        routes.get("/api/v1/host-key", ctx -> {
            HostKey k = ssh().hostKey();
            ctx.json(Map.of("publicKey", k.publicKey(), "fingerprint", k.fingerprint(), "sshPort", ssh().service().port(),
                    "boxId", ssh().boxId()));
        });

        routes.get("/api/v1/keypairs", ctx -> ctx.json(ssh().keyPairs()));
        routes.post("/api/v1/keypairs", ctx -> {
            Body b = Body.of(ctx);
            ctx.status(201).json(ssh().createKeyPair(b.requiredString("name"), b.string("type").orElse("ed25519"),
                    b.string("comment").orElse(null)));
        });
        routes.post("/api/v1/keypairs/import", ctx -> {
            Body b = Body.of(ctx);
            String name = b.requiredString("name");
            String key = b.requiredString("privateKey");
            Optional<char[]> passphrase = b.string("passphrase").filter(p -> !p.isEmpty()).map(String::toCharArray);
            ctx.status(201).json(ssh().importKeyPair(name, key, passphrase));
        });
        routes.get("/api/v1/keypairs/{name}", ctx -> ctx.json(ssh().keyPair(ctx.pathParam("name"))));
        routes.delete("/api/v1/keypairs/{name}", ctx -> {
            ssh().deleteKeyPair(ctx.pathParam("name"));
            ctx.status(204);
        });

        routes.get("/api/v1/connections", ctx -> ctx.json(ssh().connections().stream().map(SshRoutes::view).toList()));
        routes.post("/api/v1/connections", ctx -> ctx.status(201).json(view(ssh().createConnection(read(Body.of(ctx), Optional.empty())))));
        routes.post("/api/v1/connections/discover-host-key", ctx -> {
            Body b = Body.of(ctx);
            HostKey k = ssh().discoverHostKey(b.requiredString("host"), integer(b, "port", ConnectionConfig.DEFAULT_PORT));
            ctx.json(Map.of("publicKey", k.publicKey(), "fingerprint", k.fingerprint()));
        });
        routes.post("/api/v1/connections/pair", ctx -> {
            Body b = Body.of(ctx);
            ConnectionConfig c = ssh().pair(b.requiredString("name"), b.requiredString("url"), b.requiredString("token"),
                    b.string("keyPair"), b.string("permissions").orElse("both"));
            ctx.status(201).json(view(c));
        });
        routes.get("/api/v1/connections/{name}", ctx -> ctx.json(view(ssh().connection(ctx.pathParam("name")))));
        routes.put("/api/v1/connections/{name}", ctx -> {
            ConnectionConfig old = ssh().connection(ctx.pathParam("name"));
            ctx.json(view(ssh().updateConnection(read(Body.of(ctx), Optional.of(old)))));
        });
        routes.delete("/api/v1/connections/{name}", ctx -> {
            ssh().deleteConnection(ctx.pathParam("name"));
            ctx.status(204);
        });
        routes.post("/api/v1/connections/{name}/test", ctx -> {
            ConnectionConfig c = ssh().connection(ctx.pathParam("name"));
            ConnectionTest t = ssh().test(c.name());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("ok", t.ok());
            out.put("outcome", t.outcome().name());
            out.put("message", t.message());
            out.put("remoteVersion", t.remoteVersion().orElse(null));
            out.put("pinnedFingerprint", c.toSsh().hostKeyFingerprint());
            ctx.json(out);
        });

        routes.get("/api/v1/peers", ctx -> ctx.json(ssh().peers().stream().map(SshRoutes::view).toList()));
        routes.get("/api/v1/peers/{name}", ctx -> ctx.json(view(ssh().peer(ctx.pathParam("name")))));
        routes.put("/api/v1/peers/{name}", ctx -> {
            Body b = Body.of(ctx);
            Optional<Optional<String>> root = b.raw().has("receiveRoot") ? Optional.of(b.string("receiveRoot")) : Optional.empty();
            Optional<List<String>> readable = b.raw().has("readable") ? Optional.of(b.strings("readable")) : Optional.empty();
            ctx.json(view(ssh().updatePeer(ctx.pathParam("name"), root, readable)));
        });
        routes.delete("/api/v1/peers/{name}", ctx -> {
            ssh().deletePeer(ctx.pathParam("name"));
            ctx.status(204);
        });

        routes.get("/api/v1/pair-tokens", ctx -> ctx.json(ssh().pendingPairTokens().stream()
                .map(e -> Map.of("createdAt", e.createdAt(), "expiresAt", e.expiresAt(), "grant", e.grant())).toList()));
        routes.post("/api/v1/pair-tokens", ctx -> {
            Body b = Body.of(ctx);
            PairTokens.Created t = ssh().createPairToken(b.string("permissions").orElse("receive"), b.string("receiveRoot"),
                    b.strings("readable"), b.string("ttl").map(PairTokens::parseTtl).orElse(PairTokens.DEFAULT_TTL));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("token", t.token());
            out.put("expiresAt", t.expiresAt());
            out.put("grant", t.grant());
            ctx.status(201).json(out);
        });
        // public (AccessPolicy): the token is the credential
        routes.post("/api/v1/pairing", ctx -> {
            Body b = Body.of(ctx);
            SshManager.PairingAnswer a = ssh().acceptPairing(b.requiredString("token"), b.requiredString("name"),
                    b.requiredString("publicKey"), b.string("permissions").orElse("both"));
            ctx.json(a);
        });
    }

    private static int integer(Body b, String field, int dflt) {
        JsonNode v = b.raw().get(field);
        if (v == null || v.isNull() || (v.isTextual() && v.asText().isBlank())) {
            return dflt;
        }
        if (v.canConvertToInt() && v.isIntegralNumber()) {
            return v.asInt();
        }
        if (v.isTextual() && v.asText().matches("[0-9]{1,9}")) {
            return Integer.parseInt(v.asText());
        }
        throw ApiError.badRequest(field, field + " must be a whole number");
    }

    /** A connection from the body; on update, fields not given keep their old values. */
    private static ConnectionConfig read(Body b, Optional<ConnectionConfig> old) {
        String name = old.map(ConnectionConfig::name).orElseGet(() -> b.requiredString("name"));
        String host = b.string("host").orElseGet(() -> old.map(ConnectionConfig::host).orElse(null));
        int port = integer(b, "port", old.map(ConnectionConfig::port).orElse(ConnectionConfig.DEFAULT_PORT));
        String user = b.string("user").filter(s -> !s.isBlank()).orElseGet(() -> old.map(ConnectionConfig::user).orElse(ConnectionConfig.DEFAULT_USER));
        String keyPair = b.string("keyPair").orElseGet(() -> old.map(ConnectionConfig::keyPair).orElse(null));
        String hostKey = b.string("hostKey").orElseGet(() -> old.map(ConnectionConfig::hostKey).orElse(null));
        int timeout = integer(b, "connectTimeoutSeconds", old.map(ConnectionConfig::connectTimeoutSeconds)
                .orElse(ConnectionConfig.DEFAULT_TIMEOUT_SECONDS));
        List<String> ciphers = b.raw().has("ciphers") ? b.strings("ciphers") : old.map(ConnectionConfig::ciphers).orElse(List.of());
        if (host == null || host.isBlank()) {
            throw ApiError.badRequest("host", "host is required");
        }
        if (keyPair == null || keyPair.isBlank()) {
            throw ApiError.badRequest("keyPair", "keyPair is required: the name of one of this box's key pairs");
        }
        return new ConnectionConfig(name, host.strip(), port, user, keyPair, hostKey == null ? "" : hostKey.strip(), timeout, ciphers);
    }

    static Map<String, Object> view(ConnectionConfig c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", c.name());
        out.put("host", c.host());
        out.put("port", c.port());
        out.put("user", c.user());
        out.put("keyPair", c.keyPair());
        out.put("hostKey", c.hostKey());
        out.put("hostKeyFingerprint", c.toSsh().hostKeyFingerprint());
        out.put("connectTimeoutSeconds", c.connectTimeoutSeconds());
        out.put("ciphers", c.toSsh().ciphers());
        return out;
    }

    static Map<String, Object> view(Peer p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", p.name());
        out.put("publicKey", p.publicKey());
        out.put("fingerprint", p.fingerprint());
        out.put("receiveRoot", p.receiveRoot().map(DatasetName::value).orElse(null));
        out.put("readable", p.readable().stream().map(DatasetName::value).toList());
        return out;
    }
}
