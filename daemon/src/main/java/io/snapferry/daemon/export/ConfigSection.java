package io.snapferry.daemon.export;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One part of the exported configuration, under its {@link #name()} in the document. To add a
 * part (replication tasks, SSH connections), implement this and add it to the list the appliance
 * hands to {@link ConfigTransfer}.
 *
 * <p>Contract: {@link #export()} never includes secrets (private keys, passwords, tokens).
 * {@link #plan} changes nothing; it checks every item and says what {@link #apply} would do, or
 * throws {@link InvalidConfigException} naming the item and field at fault. {@link #apply} is
 * called only after every section's plan passed, with the same node; items absent from the
 * document are left alone (import adds and updates, it never deletes). An item the document gives
 * without its secret keeps the secret it has.
 */
public interface ConfigSection {
    /** The key in the document: "settings", "snapshotTasks", "notificationTargets", ... */
    String name();

    /** This section's current configuration, without secrets. */
    JsonNode export();

    /** What importing {@code node} would do, item by item; throws when anything is invalid. */
    List<Change> plan(JsonNode node);

    /** Applies {@code node}, already planned without error. */
    void apply(JsonNode node);

    /** What an import does to one item. */
    enum Action { CREATED, UPDATED, UNCHANGED }

    /** One item of a section and what an import does to it. */
    record Change(String section, String item, Action action) {
    }
}
