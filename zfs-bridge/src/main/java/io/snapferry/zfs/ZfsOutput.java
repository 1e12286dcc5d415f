package io.snapferry.zfs;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parsers for the machine-readable ({@code -H -p}) output of {@code zfs list} and {@code zfs get}.
 * They scan for tabs and newlines by hand: 10,000 snapshots parse in a few milliseconds.
 * Malformed output is {@link ErrorCode#INTERNAL}, naming the line.
 */
final class ZfsOutput {
    /** The properties a snapshot listing asks for, in this order. */
    static final String SNAPSHOT_PROPERTIES = "name,guid,createtxg,creation,used,referenced,userrefs";
    private static final String[] SNAPSHOT_FIELDS = {"guid", "createtxg", "creation", "used", "referenced", "userrefs"};

    private ZfsOutput() {
    }

    /**
     * Parses {@code zfs list -H -p -o name,guid,createtxg,creation,used,referenced,userrefs}:
     * one snapshot per line, seven tab-separated columns. Keeps only snapshots of {@code dataset}
     * and returns them oldest first.
     */
    static List<Snapshot> snapshotsFromList(String out, DatasetName dataset) {
        String prefix = dataset.value() + "@";
        List<Snapshot> snaps = new ArrayList<>();
        forEachRow(out, 7, col -> {
            if (col[0].startsWith(prefix)) {
                snaps.add(snapshot(dataset, col[0].substring(prefix.length()), col[1], col[2], col[3], col[4], col[5], col[6]));
            }
        });
        snaps.sort(Comparator.comparingLong(Snapshot::createTxg));
        return snaps;
    }

    /**
     * Parses {@code zfs get -Hp -o name,property,value guid,createtxg,creation,used,referenced,userrefs}
     * (one property per line; zfs-fuse's {@code zfs list} has no {@code -p}). Keeps only snapshots
     * of {@code dataset} and returns them oldest first.
     */
    static List<Snapshot> snapshotsFromGet(String out, DatasetName dataset) {
        String prefix = dataset.value() + "@";
        List<Snapshot> snaps = new ArrayList<>();
        snapshotFieldsFromGet(out, name -> name.startsWith(prefix)).forEach((name, v) ->
                snaps.add(snapshot(dataset, name.substring(prefix.length()), v[0], v[1], v[2], v[3], v[4], v[5])));
        snaps.sort(Comparator.comparingLong(Snapshot::createTxg));
        return snaps;
    }

    /**
     * Parses a recursive {@code zfs list -H -p -t snapshot -o name,guid,createtxg,...} of
     * {@code root}: the snapshots of root and of the datasets below it, grouped by dataset in tree
     * order, each group oldest first. Lines of other datasets are ignored.
     */
    static List<Snapshot> snapshotsBelowFromList(String out, DatasetName root) {
        Map<DatasetName, List<Snapshot>> byDataset = new HashMap<>();
        forEachRow(out, 7, col -> {
            int at = col[0].indexOf('@');
            DatasetName ds = at > 0 ? below(root, col[0].substring(0, at)) : null;
            if (ds != null) {
                byDataset.computeIfAbsent(ds, k -> new ArrayList<>())
                        .add(snapshot(ds, col[0].substring(at + 1), col[1], col[2], col[3], col[4], col[5], col[6]));
            }
        });
        return grouped(byDataset);
    }

    /**
     * Parses a recursive {@code zfs get -Hp -r -o name,property,value guid,createtxg,...} of
     * {@code root} (zfs-fuse): as {@link #snapshotsBelowFromList}. Lines of file systems are ignored.
     */
    static List<Snapshot> snapshotsBelowFromGet(String out, DatasetName root) {
        Map<DatasetName, List<Snapshot>> byDataset = new HashMap<>();
        snapshotFieldsFromGet(out, name -> name.indexOf('@') > 0).forEach((name, v) -> {
            int at = name.indexOf('@');
            DatasetName ds = below(root, name.substring(0, at));
            if (ds != null) {
                byDataset.computeIfAbsent(ds, k -> new ArrayList<>())
                        .add(snapshot(ds, name.substring(at + 1), v[0], v[1], v[2], v[3], v[4], v[5]));
            }
        });
        return grouped(byDataset);
    }

    /**
     * The {@link #SNAPSHOT_FIELDS} of each name {@code keep} accepts in a {@code zfs get -Hp -o
     * name,property,value} listing, in the order printed; INTERNAL when a kept name lacks one.
     */
    private static Map<String, String[]> snapshotFieldsFromGet(String out, java.util.function.Predicate<String> keep) {
        Map<String, String[]> byName = new LinkedHashMap<>();
        forEachRow(out, 3, col -> {
            int field = keep.test(col[0]) ? fieldIndex(col[1]) : -1;
            if (field >= 0) {
                byName.computeIfAbsent(col[0], k -> new String[SNAPSHOT_FIELDS.length])[field] = col[2];
            }
        });
        for (Map.Entry<String, String[]> e : byName.entrySet()) {
            String[] v = e.getValue();
            for (int i = 0; i < v.length; i++) {
                if (v[i] == null) {
                    throw new DatasetException(ErrorCode.INTERNAL, "zfs get printed no " + SNAPSHOT_FIELDS[i] + " for " + e.getKey());
                }
            }
        }
        return byName;
    }

    /** {@code name} as a dataset when it is {@code root} or below it, else null. */
    private static DatasetName below(DatasetName root, String name) {
        if (!name.equals(root.value()) && !name.startsWith(root.value() + "/")) {
            return null;
        }
        return DatasetName.of(name);
    }

    private static List<Snapshot> grouped(Map<DatasetName, List<Snapshot>> byDataset) {
        List<DatasetName> order = new ArrayList<>(byDataset.keySet());
        order.sort(Comparator.comparing(d -> d.value().replace('/', '\0')));
        List<Snapshot> out = new ArrayList<>();
        for (DatasetName d : order) {
            List<Snapshot> snaps = byDataset.get(d);
            snaps.sort(Comparator.comparingLong(Snapshot::createTxg));
            out.addAll(snaps);
        }
        return out;
    }

    private static int fieldIndex(String property) {
        for (int i = 0; i < SNAPSHOT_FIELDS.length; i++) {
            if (SNAPSHOT_FIELDS[i].equals(property)) {
                return i;
            }
        }
        return -1;
    }

    private static Snapshot snapshot(DatasetName dataset, String shortName, String guid, String txg, String creation,
                                     String used, String referenced, String userrefs) {
        try {
            return new Snapshot(new SnapshotName(dataset, shortName), Long.parseUnsignedLong(guid), Long.parseLong(txg),
                    Instant.ofEpochSecond(Long.parseLong(creation)), Long.parseLong(used), Long.parseLong(referenced),
                    userrefs.equals("-") ? 0 : Integer.parseInt(userrefs));
        } catch (NumberFormatException e) {
            throw new DatasetException(ErrorCode.INTERNAL, "unexpected number in zfs output for " + dataset + "@" + shortName
                    + ": " + e.getMessage() + " (was -p honoured?)", e);
        }
    }

    /**
     * Parses {@code zfs get -H -p -o name,property,value}: name to property to value, names in the
     * order printed.
     */
    static Map<String, Map<String, String>> properties(String out) {
        Map<String, Map<String, String>> result = new LinkedHashMap<>();
        forEachRow(out, 3, col -> result.computeIfAbsent(col[0], k -> new HashMap<>()).put(col[1], col[2]));
        return result;
    }

    /** Lines of tab-separated columns, each line exactly {@code columns} wide. */
    static List<String[]> rows(String out, int columns) {
        List<String[]> rows = new ArrayList<>();
        forEachRow(out, columns, col -> rows.add(col.clone()));
        return rows;
    }

    /**
     * Calls {@code row} with each non-empty line of {@code out} split into exactly {@code columns}
     * tab-separated columns (INTERNAL for a line with fewer). The array is reused for every line:
     * {@code row} must copy what it keeps.
     */
    private static void forEachRow(String out, int columns, java.util.function.Consumer<String[]> row) {
        String[] col = new String[columns];
        int pos = 0;
        int n = out.length();
        while (pos < n) {
            int eol = out.indexOf('\n', pos);
            if (eol < 0) {
                eol = n;
            }
            if (eol > pos) {
                split(out, pos, eol, col);
                row.accept(col);
            }
            pos = eol + 1;
        }
    }

    /** Splits out[from, to) at tabs into exactly col.length columns (the last takes the rest). */
    private static void split(String out, int from, int to, String[] col) {
        int start = from;
        for (int i = 0; i < col.length - 1; i++) {
            int tab = out.indexOf('\t', start);
            if (tab < 0 || tab >= to) {
                throw new DatasetException(ErrorCode.INTERNAL, "unexpected line in zfs output (wanted " + col.length
                        + " tab-separated columns): '" + out.substring(from, Math.min(to, from + 200)) + "'");
            }
            col[i] = out.substring(start, tab);
            start = tab + 1;
        }
        col[col.length - 1] = out.substring(start, to);
    }
}
