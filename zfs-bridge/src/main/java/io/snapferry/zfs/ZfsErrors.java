package io.snapferry.zfs;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
import java.util.List;
import java.util.Locale;

/**
 * Maps what the {@code zfs} and {@code zpool} commands print on stderr to an {@link ErrorCode}.
 * The table below was built from the messages zfs-fuse 0.7 and OpenZFS print; the first rule
 * whose phrase occurs in the (lower-cased) message wins, so more specific phrases come first.
 * Anything unmatched is {@link ErrorCode#INTERNAL} with the command's own words.
 */
public final class ZfsErrors {
    private record Rule(String phrase, ErrorCode code) {
    }

    private static final List<Rule> RULES = List.of(
            // the daemon or kernel refused us: never read these as "not found"
            new Rule("permission denied", ErrorCode.PERMISSION),
            new Rule("operation not permitted", ErrorCode.PERMISSION),
            new Rule("failed to initialize zfs library", ErrorCode.INTERNAL),
            // receive into a target that changed
            new Rule("has been modified", ErrorCode.TARGET_MODIFIED),
            new Rule("does not match incremental source", ErrorCode.TARGET_MODIFIED),
            // damaged or truncated streams
            new Rule("invalid backup stream", ErrorCode.CORRUPT_STREAM),
            new Rule("checksum mismatch", ErrorCode.CORRUPT_STREAM),
            new Rule("failed to read from stream", ErrorCode.CORRUPT_STREAM),
            new Rule("invalid stream", ErrorCode.CORRUPT_STREAM),
            new Rule("bad magic number", ErrorCode.CORRUPT_STREAM),
            new Rule("stream is corrupt", ErrorCode.CORRUPT_STREAM),
            new Rule("incomplete stream", ErrorCode.CORRUPT_STREAM),
            new Rule("checksum", ErrorCode.CORRUPT_STREAM),
            // space
            new Rule("out of space", ErrorCode.NO_SPACE),
            new Rule("no space left", ErrorCode.NO_SPACE),
            new Rule("quota exceeded", ErrorCode.NO_SPACE),
            // in use
            new Rule("dataset is busy", ErrorCode.BUSY),
            new Rule("pool is busy", ErrorCode.BUSY),
            new Rule("target is busy", ErrorCode.BUSY),
            new Rule("device or resource busy", ErrorCode.BUSY),
            new Rule("umount failed", ErrorCode.BUSY),
            new Rule("has dependent clones", ErrorCode.BUSY),
            new Rule("more recent snapshots exist", ErrorCode.BUSY),
            new Rule("filesystem has children", ErrorCode.BUSY),
            new Rule("is held", ErrorCode.BUSY),
            // existence
            new Rule("already exists", ErrorCode.ALREADY_EXISTS),
            new Rule("must specify -f to overwrite", ErrorCode.ALREADY_EXISTS),
            new Rule("destination has snapshots", ErrorCode.ALREADY_EXISTS),
            new Rule("does not exist", ErrorCode.NOT_FOUND),
            new Rule("no such pool", ErrorCode.NOT_FOUND),
            new Rule("no such tag", ErrorCode.NOT_FOUND),
            new Rule("could not find any snapshots", ErrorCode.NOT_FOUND),
            new Rule("does not have any resumable receive state", ErrorCode.NOT_FOUND),
            // this ZFS cannot do it
            new Rule("invalid option", ErrorCode.UNSUPPORTED),
            new Rule("unrecognized command", ErrorCode.UNSUPPORTED),
            new Rule("bad property list", ErrorCode.UNSUPPORTED),
            new Rule("invalid property", ErrorCode.UNSUPPORTED),
            new Rule("not supported", ErrorCode.UNSUPPORTED),
            new Rule("unsupported", ErrorCode.UNSUPPORTED),
            new Rule("pool must be upgraded", ErrorCode.UNSUPPORTED),
            new Rule("pyzfs", ErrorCode.UNSUPPORTED),
            // requests the command found wrong
            new Rule("not an earlier snapshot", ErrorCode.INVALID_ARGUMENT),
            new Rule("invalid character", ErrorCode.INVALID_ARGUMENT),
            new Rule("name is too long", ErrorCode.INVALID_ARGUMENT));

    private ZfsErrors() {
    }

    /** The code for a command's stderr text. */
    public static ErrorCode classify(String stderr) {
        String s = stderr.toLowerCase(Locale.ROOT).replace('\n', ' ');
        for (Rule r : RULES) {
            if (s.contains(r.phrase)) {
                return r.code;
            }
        }
        return ErrorCode.INTERNAL;
    }

    /** An exception for a failed command: its code from {@link #classify}, its message the command's words. */
    public static DatasetException toException(String what, String stderr, int exit) {
        String words = stderr.strip();
        if (words.length() > 2000) {
            words = words.substring(0, 2000) + "...";
        }
        if (words.isEmpty()) {
            words = "exit status " + exit + " and no message";
        }
        return new DatasetException(classify(stderr), what + ": " + words);
    }

    static DatasetException toException(String what, CommandRunner.Result r) {
        return toException(what, r.message(), r.exit());
    }
}
