package io.snapferry.daemon.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.snapferry.daemon.config.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ConfigTransferTest {
    /** A section of name -> positive number. */
    static final class Numbers implements ConfigSection {
        final String name;
        final Map<String, Integer> values = new TreeMap<>();
        final List<String> applied = new ArrayList<>();

        Numbers(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public JsonNode export() {
            return Json.mapper().valueToTree(values);
        }

        @Override
        public List<Change> plan(JsonNode node) {
            List<Change> out = new ArrayList<>();
            node.fields().forEachRemaining(e -> {
                if (!e.getValue().isInt() || e.getValue().asInt() <= 0) {
                    throw new InvalidConfigException(name, e.getKey(), "value", "must be a positive number");
                }
                Integer old = values.get(e.getKey());
                out.add(new Change(name, e.getKey(), old == null ? Action.CREATED
                        : old == e.getValue().asInt() ? Action.UNCHANGED : Action.UPDATED));
            });
            return out;
        }

        @Override
        public void apply(JsonNode node) {
            node.fields().forEachRemaining(e -> {
                values.put(e.getKey(), e.getValue().asInt());
                applied.add(e.getKey());
            });
        }
    }

    final Numbers first = new Numbers("first");
    final Numbers second = new Numbers("second");
    final ConfigTransfer transfer = new ConfigTransfer(List.of(first, second));

    private ObjectNode doc() {
        return Json.mapper().createObjectNode().put("snapferry", 1);
    }

    @Test
    void exportThenImportChangesNothing() {
        first.values.put("a", 1);
        ObjectNode exported = transfer.export();
        assertThat(exported.toString()).isEqualTo("{\"snapferry\":1,\"first\":{\"a\":1},\"second\":{}}");
        ConfigTransfer.Result r = transfer.importDocument(exported, false);
        assertThat(r.changes()).containsExactly(new ConfigSection.Change("first", "a", ConfigSection.Action.UNCHANGED));
    }

    @Test
    void aDryRunReportsAndAppliesNothing() {
        first.values.put("a", 1);
        ObjectNode d = doc();
        d.putObject("first").put("a", 2).put("b", 3);
        ConfigTransfer.Result r = transfer.importDocument(d, true);
        assertThat(r.dryRun()).isTrue();
        assertThat(r.changes()).extracting(c -> c.item() + " " + c.action()).containsExactly("a UPDATED", "b CREATED");
        assertThat(first.applied).isEmpty();
        transfer.importDocument(d, false);
        assertThat(first.values).containsEntry("a", 2).containsEntry("b", 3);
    }

    @Test
    void anInvalidLaterSectionStopsTheEarlierOneToo() {
        ObjectNode d = doc();
        d.putObject("first").put("a", 2);
        d.putObject("second").put("x", -1);
        assertThatThrownBy(() -> transfer.importDocument(d, false)).isInstanceOfSatisfying(InvalidConfigException.class, e -> {
            assertThat(e.section()).isEqualTo("second");
            assertThat(e.item()).isEqualTo("x");
            assertThat(e.field()).isEqualTo("value");
            assertThat(e.getMessage()).isEqualTo("second 'x', field value: must be a positive number");
        });
        assertThat(first.applied).isEmpty();
        assertThat(second.applied).isEmpty();
    }

    @Test
    void theFormatAndTheSectionNamesAreChecked() {
        assertThatThrownBy(() -> transfer.importDocument(Json.mapper().createObjectNode(), true))
                .hasMessageContaining("snapferry: 1");
        assertThatThrownBy(() -> transfer.importDocument(doc().put("snapferry", 2), true)).hasMessageContaining("format version");
        ObjectNode unknown = doc();
        unknown.putArray("replications");
        assertThatThrownBy(() -> transfer.importDocument(unknown, true)).hasMessageContaining("unknown section; known: first, second");
        assertThatThrownBy(() -> transfer.importDocument(Json.mapper().createArrayNode(), true)).hasMessageContaining("mapping");
    }
}
