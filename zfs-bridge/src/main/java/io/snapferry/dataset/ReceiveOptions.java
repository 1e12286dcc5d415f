package io.snapferry.dataset;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How to receive.
 *
 * @param rollback  roll the target back to its newest snapshot first, discarding changes made
 *                  after it ({@code zfs recv -F}); without it a modified target refuses with
 *                  {@link ErrorCode#TARGET_MODIFIED}
 * @param resumable keep partial state when interrupted so a later send can resume
 *                  ({@code zfs recv -s}); ignored where unsupported
 * @param override  properties to set on the received dataset ({@code -o})
 * @param exclude   properties not to take from the stream ({@code -x})
 */
public record ReceiveOptions(boolean rollback, boolean resumable, Map<String, String> override, Set<String> exclude) {
    public ReceiveOptions {
        override = Map.copyOf(Objects.requireNonNull(override));
        exclude = Set.copyOf(Objects.requireNonNull(exclude));
        for (String p : override.keySet()) {
            checkProperty(p);
            if (!override.get(p).matches("[^\\x00-\\x1f\\x7f]{0,1024}")) {
                throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "value of property '" + p + "' has control characters");
            }
        }
        exclude.forEach(ReceiveOptions::checkProperty);
    }

    private static void checkProperty(String p) {
        if (!p.matches("[a-z][a-z0-9_.:]{0,63}")) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT,
                    "'" + DatasetName.printable(p) + "' is not a property name (lower-case letters, digits, '_', '.', ':')");
        }
    }

    public static ReceiveOptions defaults() {
        return new ReceiveOptions(false, true, Map.of(), Set.of());
    }

    public ReceiveOptions withRollback(boolean rollback) {
        return new ReceiveOptions(rollback, resumable, override, exclude);
    }
}
