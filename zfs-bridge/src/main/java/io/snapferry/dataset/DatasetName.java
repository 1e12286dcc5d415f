package io.snapferry.dataset;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A validated dataset name: {@code pool[/child]...}. Follows ZFS's rules, stricter where that
 * keeps names safe everywhere they travel: each component is 1 to 200 of {@code [A-Za-z0-9_.:-]},
 * does not start with {@code -} or {@code .}, and is not {@code .} or {@code ..}; a pool name
 * starts with a letter; the whole name is at most 255 characters.
 *
 * <p>Instances exist only in validated form, so code that takes a {@code DatasetName} never needs
 * to check it again, and no name that could be read as a command-line option reaches a command.
 */
public record DatasetName(@com.fasterxml.jackson.annotation.JsonValue String value) implements Comparable<DatasetName> {
    public static final int MAX_LENGTH = 255;
    private static final Pattern COMPONENT = Pattern.compile("[A-Za-z0-9_:][A-Za-z0-9_.:-]{0,199}");
    private static final Pattern POOL = Pattern.compile("[A-Za-z][A-Za-z0-9_.:-]{0,199}");

    public DatasetName {
        Objects.requireNonNull(value, "dataset name");
        String problem = problem(value);
        if (problem != null) {
            throw new DatasetException(ErrorCode.INVALID_NAME, "invalid dataset name '" + printable(value) + "': " + problem);
        }
    }

    /** Parses and validates; throws {@link DatasetException} with {@link ErrorCode#INVALID_NAME}. */
    @com.fasterxml.jackson.annotation.JsonCreator
    public static DatasetName of(String value) {
        return new DatasetName(value);
    }

    /** Returns null when {@code value} is a valid name, or what is wrong with it. */
    public static String problem(String value) {
        if (value.isEmpty()) {
            return "it is empty";
        }
        if (value.length() > MAX_LENGTH) {
            return "it is longer than " + MAX_LENGTH + " characters";
        }
        if (value.indexOf('@') >= 0 || value.indexOf('#') >= 0) {
            return "'@' and '#' belong to snapshot and bookmark names, not dataset names";
        }
        String[] parts = value.split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.isEmpty()) {
                return "it has an empty component (leading, trailing or double '/')";
            }
            if (p.equals(".") || p.equals("..")) {
                return "'.' and '..' are not allowed as components";
            }
            Pattern rule = i == 0 ? POOL : COMPONENT;
            if (!rule.matcher(p).matches()) {
                return i == 0
                        ? "the pool name '" + printable(p) + "' must start with a letter and use only letters, digits, '_', '.', ':' and '-'"
                        : "the component '" + printable(p) + "' must use only letters, digits, '_', '.', ':' and '-', and not start with '-' or '.'";
            }
        }
        return null;
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 80; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }

    public String pool() {
        int slash = value.indexOf('/');
        return slash < 0 ? value : value.substring(0, slash);
    }

    public boolean isPool() {
        return value.indexOf('/') < 0;
    }

    /** The parent dataset, or null for a pool's root dataset. */
    public DatasetName parent() {
        int slash = value.lastIndexOf('/');
        return slash < 0 ? null : new DatasetName(value.substring(0, slash));
    }

    /** The last component. */
    public String leaf() {
        return value.substring(value.lastIndexOf('/') + 1);
    }

    public DatasetName child(String component) {
        return new DatasetName(value + "/" + component);
    }

    /** True when this is {@code other} or one of its ancestors. */
    public boolean contains(DatasetName other) {
        return other.value.equals(value) || other.value.startsWith(value + "/");
    }

    /** The path of {@code descendant} below this dataset ("" for itself). */
    public String relativize(DatasetName descendant) {
        if (!contains(descendant)) {
            throw new IllegalArgumentException(descendant + " is not inside " + this);
        }
        return descendant.value.equals(value) ? "" : descendant.value.substring(value.length() + 1);
    }

    /** {@code this} with {@code relative} (as returned by {@link #relativize}) appended. */
    public DatasetName resolve(String relative) {
        return relative.isEmpty() ? this : new DatasetName(value + "/" + relative);
    }

    /** This name's ancestors from the pool down, then itself. */
    public List<DatasetName> lineage() {
        List<DatasetName> out = new ArrayList<>();
        for (DatasetName d = this; d != null; d = d.parent()) {
            out.add(d);
        }
        Collections.reverse(out);
        return out;
    }

    public SnapshotName snapshot(String snapshot) {
        return new SnapshotName(this, snapshot);
    }

    public int depth() {
        return (int) value.chars().filter(c -> c == '/').count();
    }

    @Override
    public int compareTo(DatasetName o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
