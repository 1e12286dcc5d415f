package io.snapferry.zfs;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * What the installed {@code zfs}/{@code zpool} commands support, probed once when a provider starts.
 * Each probe runs a command with a name no dataset can have ({@code %probe}), so it never touches a
 * pool: an unknown option, command or property is refused by the command's argument parser before
 * any name is looked at, and that refusal is what a probe looks for.
 *
 * @param parsableList       {@code zfs list -p} (exact numbers); otherwise {@code zfs get -Hp} is used
 * @param parsableZpoolList  {@code zpool list -p}; otherwise sizes come from the root dataset
 * @param multiSnapshot      {@code zfs snapshot a@x b@y} in one call; otherwise {@code zfs snapshot -r}
 * @param holdsCommand       {@code zfs holds -H} works (zfs-fuse's needs a missing Python helper)
 * @param written            the {@code written} property
 * @param resumable          {@code zfs receive -s}, {@code -A} and {@code zfs send -t} with
 *                           the {@code receive_resume_token} property
 * @param bookmarks          {@code zfs bookmark}
 * @param receiveNoMount     {@code zfs receive -u}
 * @param receiveProperties  {@code zfs receive -o} and {@code -x}
 * @param zpoolSync          {@code zpool sync}
 * @param dryRunSend         {@code zfs send -nvP}: a send's size without sending (not in zfs-fuse)
 */
public record ZfsFeatures(boolean parsableList, boolean parsableZpoolList, boolean multiSnapshot,
                          boolean holdsCommand, boolean written, boolean resumable, boolean bookmarks,
                          boolean receiveNoMount, boolean receiveProperties, boolean zpoolSync, boolean dryRunSend) {

    private static final String PROBE = "%probe";

    /** Everything a current OpenZFS has. */
    public static ZfsFeatures modern() {
        return new ZfsFeatures(true, true, true, true, true, true, true, true, true, true, true);
    }

    /** Runs the probes; {@code run} executes one command (binary first) and returns its stderr. */
    static ZfsFeatures probe(String zfs, String zpool, Function<List<String>, String> run) {
        return new ZfsFeatures(
                accepted(run.apply(List.of(zfs, "list", "-H", "-p", "-o", "name", PROBE))),
                accepted(run.apply(List.of(zpool, "list", "-H", "-p", "-o", "name", PROBE))),
                accepted(run.apply(List.of(zfs, "snapshot", PROBE + "@a", PROBE + "@b"))),
                accepted(run.apply(List.of(zfs, "holds", "-H", PROBE + "@a"))),
                accepted(run.apply(List.of(zfs, "get", "-Hp", "written", PROBE))),
                accepted(run.apply(List.of(zfs, "receive", "-s", PROBE)))
                        && accepted(run.apply(List.of(zfs, "receive", "-A", PROBE)))
                        && accepted(run.apply(List.of(zfs, "get", "-Hp", "receive_resume_token", PROBE))),
                accepted(run.apply(List.of(zfs, "bookmark", PROBE + "@a", PROBE + "#a"))),
                accepted(run.apply(List.of(zfs, "receive", "-u"))),
                accepted(run.apply(List.of(zfs, "receive", "-x", "compression", PROBE))),
                accepted(run.apply(List.of(zpool, "sync", PROBE))),
                accepted(run.apply(List.of(zfs, "send", "-nvP", PROBE + "@a"))));
    }

    /** True unless the command's parser refused the option, command or property itself. */
    static boolean accepted(String stderr) {
        String s = stderr.toLowerCase(Locale.ROOT);
        return !(s.contains("invalid option") || s.contains("unrecognized command") || s.contains("too many arguments")
                || s.contains("bad property list") || s.contains("invalid property") || s.contains("pyzfs")
                || s.contains("internal error") || s.contains("unknown command"));
    }
}
