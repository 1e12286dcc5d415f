package io.snapferry.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.Json;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.SnapshotName;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A request's JSON body and query, read with field-named errors. */
public final class Body {
    private final JsonNode node;
    private final Context ctx;

    private Body(JsonNode node, Context ctx) {
        this.node = node;
        this.ctx = ctx;
    }

    public static Body of(Context ctx) {
        String text = ctx.body();
        if (text.isBlank()) {
            return new Body(Json.mapper().createObjectNode(), ctx);
        }
        try {
            JsonNode n = Json.mapper().readTree(text);
            if (!n.isObject()) {
                throw ApiError.badRequest(null, "the request body must be a JSON object");
            }
            return new Body(n, ctx);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiError.badRequest(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiError.badRequest(null, "the request body could not be read: " + e.getMessage());
        }
    }

    public static Body query(Context ctx) {
        var obj = Json.mapper().createObjectNode();
        ctx.queryParamMap().forEach((k, v) -> obj.put(k, v.get(0)));
        return new Body(obj, ctx);
    }

    public JsonNode raw() {
        return node;
    }

    public Optional<String> string(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw ApiError.badRequest(field, field + " must be a string");
        }
        return Optional.of(v.asText());
    }

    public String requiredString(String field) {
        return string(field).filter(s -> !s.isBlank())
                .orElseThrow(() -> ApiError.badRequest(field, field + " is required"));
    }

    public boolean bool(String field, boolean dflt) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isTextual() && (v.asText().equals("true") || v.asText().equals("false"))) {
            return Boolean.parseBoolean(v.asText());
        }
        throw ApiError.badRequest(field, field + " must be true or false");
    }

    public List<String> strings(String field) {
        JsonNode v = node.get(field);
        List<String> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            throw ApiError.badRequest(field, field + " must be a list of strings");
        }
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw ApiError.badRequest(field, field + " must be a list of strings");
            }
            out.add(e.asText());
        }
        return out;
    }

    public DatasetName dataset(String field) {
        String v = requiredString(field);
        try {
            return DatasetName.of(v);
        } catch (DatasetException e) {
            throw ApiError.badRequest(field, e.getMessage());
        }
    }

    public SnapshotName snapshot(String field) {
        String v = requiredString(field);
        try {
            return SnapshotName.parse(v);
        } catch (DatasetException e) {
            throw ApiError.badRequest(field, e.getMessage());
        }
    }
}
