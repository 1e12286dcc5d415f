package io.snapferry.dataset;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A validated snapshot name: a dataset and the part after {@code @}. The snapshot part is 1 to
 * 200 of {@code [A-Za-z0-9_.:+-]} and does not start with {@code -}; the whole name is at most 255
 * characters.
 */
public record SnapshotName(DatasetName dataset, String name) implements Comparable<SnapshotName> {
    private static final Pattern SNAP = Pattern.compile("[A-Za-z0-9_.:+][A-Za-z0-9_.:+-]{0,199}");

    public SnapshotName {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(name, "snapshot name");
        String problem = problem(name);
        if (problem != null) {
            throw new DatasetException(ErrorCode.INVALID_NAME,
                    "invalid snapshot name '" + DatasetName.printable(name) + "': " + problem);
        }
        if (dataset.value().length() + 1 + name.length() > DatasetName.MAX_LENGTH) {
            throw new DatasetException(ErrorCode.INVALID_NAME, "snapshot name '" + dataset + "@" + name
                    + "' is longer than " + DatasetName.MAX_LENGTH + " characters");
        }
    }

    /** Returns null when {@code snapshot} (the part after '@') is valid, or what is wrong with it. */
    public static String problem(String snapshot) {
        if (snapshot.isEmpty()) {
            return "the part after '@' is empty";
        }
        if (!SNAP.matcher(snapshot).matches()) {
            return "use only letters, digits, '_', '.', ':', '+' and '-', not starting with '-', at most 200 characters";
        }
        return null;
    }

    /** Parses {@code pool/ds@snap}. */
    @com.fasterxml.jackson.annotation.JsonCreator
    public static SnapshotName parse(String full) {
        Objects.requireNonNull(full, "snapshot name");
        int at = full.indexOf('@');
        if (at < 0) {
            throw new DatasetException(ErrorCode.INVALID_NAME,
                    "'" + DatasetName.printable(full) + "' is not a snapshot name: expected DATASET@SNAPSHOT");
        }
        if (full.indexOf('@', at + 1) >= 0) {
            throw new DatasetException(ErrorCode.INVALID_NAME,
                    "'" + DatasetName.printable(full) + "' has more than one '@'");
        }
        return new SnapshotName(DatasetName.of(full.substring(0, at)), full.substring(at + 1));
    }

    @Override
    public int compareTo(SnapshotName o) {
        int c = dataset.compareTo(o.dataset);
        return c != 0 ? c : name.compareTo(o.name);
    }

    /** {@code pool/ds@snap}; also the JSON form. */
    @com.fasterxml.jackson.annotation.JsonValue
    @Override
    public String toString() {
        return dataset + "@" + name;
    }
}
