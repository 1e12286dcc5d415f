package io.snapferry.daemon.replication;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A replication task as configured: the union of what TrueNAS, zrepl and backup suites offer.
 *
 * @param name             the task's id (lower-case letters, digits, '-', '_')
 * @param connection       the SSH connection, for the ssh and ssh-zfs transports
 * @param snapshotTasks    replicate the snapshots these periodic snapshot tasks make
 * @param naming           ... and/or those whose names these schemas parse
 * @param alsoInclude      extra schemas whose snapshots go too
 * @param nameRegex        ... and/or those whose short name matches this
 * @param schedule         its own cron schedule; empty with {@code afterSnapshotTask} false means by hand only
 * @param afterSnapshotTask run right after a linked snapshot task took a snapshot
 * @param window           a sync window such as "Mon-Fri 22:00-06:00": a run that cannot start inside it waits
 * @param retention        what the target keeps
 * @param readonly         what to do about the target's readonly property
 * @param properties       which dataset properties travel with the stream
 * @param bandwidthLimit   "50M" (bytes per second), empty for none
 * @param encryptionKey    the stream key (by name) this box encrypts what it sends with; the
 *                         receiving box needs the same key (export it there); its fingerprint is
 *                         recorded with every received stream
 */
public record ReplicationTask(String name, Direction direction, Transport transport, Optional<String> connection,
                              List<String> sources, String target, boolean recursive, List<String> exclude,
                              List<String> snapshotTasks, List<String> naming, List<String> alsoInclude,
                              Optional<String> nameRegex, Optional<String> schedule, boolean afterSnapshotTask,
                              Optional<String> window, TargetRetention retention, boolean allowFromScratch,
                              Readonly readonly, Properties properties, Compression compression,
                              Optional<String> bandwidthLimit, Optional<String> encryptionKey, int retries,
                              boolean enabled) {
    public ReplicationTask {
        sources = List.copyOf(sources);
        exclude = List.copyOf(exclude);
        snapshotTasks = List.copyOf(snapshotTasks);
        naming = List.copyOf(naming);
        alsoInclude = List.copyOf(alsoInclude);
    }

    public enum Direction { PUSH, PULL }

    public enum Transport { LOCAL, SSH, SSH_ZFS }

    public enum Readonly { IGNORE, SET, REQUIRE }

    public enum Compression { NONE, LZ4, ZSTD }

    /**
     * @param mode SOURCE keeps what the linked snapshot tasks' retention keeps; CUSTOM uses the rules
     *             given here; NONE destroys nothing on the target
     */
    public record TargetRetention(Mode mode, Optional<String> lifetime, Optional<String> keep, Optional<String> grid) {
        public enum Mode { SOURCE, CUSTOM, NONE }

        public static TargetRetention none() {
            return new TargetRetention(Mode.NONE, Optional.empty(), Optional.empty(), Optional.empty());
        }
    }

    /**
     * @param send     send the datasets' properties with the stream
     * @param exclude  properties not to take from the stream
     * @param override properties to set on the target
     */
    public record Properties(boolean send, List<String> exclude, Map<String, String> override) {
        public Properties {
            exclude = List.copyOf(exclude);
            override = Map.copyOf(override);
        }

        public static Properties defaults() {
            return new Properties(false, List.of(), Map.of());
        }
    }

    /**
     * The task the other way round, for disaster recovery: it brings the target's snapshots back
     * into the (lost) source, replacing what is there, and runs only by hand.
     *
     * @param schemas the naming schemas of every snapshot this task replicates (linked tasks' included)
     */
    public ReplicationTask reversed(List<String> schemas) {
        if (sources.size() != 1) {
            throw new IllegalArgumentException("only a replication with one source can be reversed");
        }
        Direction back = transport == Transport.LOCAL ? direction : direction == Direction.PUSH ? Direction.PULL : Direction.PUSH;
        return new ReplicationTask(name + "-reverse", back, transport, connection, List.of(target), sources.get(0), recursive,
                List.of(), List.of(), schemas, List.of(), nameRegex,
                Optional.empty(), false, Optional.empty(), TargetRetention.none(), true, Readonly.IGNORE, properties, compression,
                bandwidthLimit, encryptionKey, retries, true);
    }

    public ReplicationTask withEnabled(boolean on) {
        return new ReplicationTask(name, direction, transport, connection, sources, target, recursive, exclude, snapshotTasks,
                naming, alsoInclude, nameRegex, schedule, afterSnapshotTask, window, retention, allowFromScratch, readonly,
                properties, compression, bandwidthLimit, encryptionKey, retries, on);
    }
}
