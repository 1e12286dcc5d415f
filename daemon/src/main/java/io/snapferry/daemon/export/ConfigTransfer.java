package io.snapferry.daemon.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.snapferry.daemon.config.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Export and import of the whole configuration. The document is an object:
 * {@code {"snapferry": 1, "<section>": ..., ...}}. Import is all or nothing as far as validation
 * goes: every section present is planned first, and only when all pass is each applied, in the
 * order the sections were registered. Sections missing from the document are left alone; an
 * unknown section is an error. Calls are serialized.
 */
public final class ConfigTransfer {
    public static final int FORMAT = 1;

    private final List<ConfigSection> sections;

    public ConfigTransfer(List<ConfigSection> sections) {
        this.sections = List.copyOf(sections);
    }

    public List<ConfigSection> sections() {
        return sections;
    }

    public synchronized ObjectNode export() {
        ObjectNode doc = Json.mapper().createObjectNode();
        doc.put("snapferry", FORMAT);
        for (ConfigSection s : sections) {
            doc.set(s.name(), s.export());
        }
        return doc;
    }

    /** The outcome of an import: what changed (or would, for a dry run). */
    public record Result(boolean dryRun, List<ConfigSection.Change> changes) {
    }

    /** Validates {@code doc} and, unless {@code dryRun}, applies it. */
    public synchronized Result importDocument(JsonNode doc, boolean dryRun) {
        if (doc == null || !doc.isObject()) {
            throw new InvalidConfigException("document", null, null, "the configuration must be a mapping of sections");
        }
        JsonNode format = doc.get("snapferry");
        if (format == null || !format.isInt() || format.asInt() != FORMAT) {
            throw new InvalidConfigException("document", null, "snapferry", "the document must start with 'snapferry: " + FORMAT
                    + "' (the format version of 'snapferry config export')");
        }
        Map<String, ConfigSection> byName = new LinkedHashMap<>();
        sections.forEach(s -> byName.put(s.name(), s));
        for (Iterator<String> it = doc.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!name.equals("snapferry") && !byName.containsKey(name)) {
                throw new InvalidConfigException(name, null, null, "unknown section; known: " + String.join(", ", byName.keySet()));
            }
        }
        List<ConfigSection.Change> changes = new ArrayList<>();
        for (ConfigSection s : sections) {
            JsonNode node = doc.get(s.name());
            if (node != null && !node.isNull()) {
                changes.addAll(s.plan(node));
            }
        }
        if (!dryRun) {
            for (ConfigSection s : sections) {
                JsonNode node = doc.get(s.name());
                if (node != null && !node.isNull()) {
                    s.apply(node);
                }
            }
        }
        return new Result(dryRun, changes);
    }
}
