package io.snapferry.naming;

/**
 * What {@link NamingSchema#nameFor} decided for one snapshot time: a fresh name, or no snapshot
 * because the name it would get is already taken.
 */
public sealed interface NameChoice {

    /** The name the snapshot gets (candidate or skipped). */
    String name();

    /** The snapshot is taken under {@code name}, which no existing snapshot has. */
    record Fresh(String name) implements NameChoice {
    }

    /**
     * No snapshot is taken: a snapshot called {@code name} already exists. {@code reason} says why
     * for the task history (the repeated hour of a daylight-saving change without {@code %z}, or two
     * runs within the schema's resolution).
     */
    record Taken(String name, String reason) implements NameChoice {
    }
}
