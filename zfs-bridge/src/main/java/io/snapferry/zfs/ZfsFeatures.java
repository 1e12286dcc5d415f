package io.snapferry.zfs;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
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

    /** How many probes run at once: an OpenSSH sshd allows 10 sessions per connection by default. */
    static final int PARALLEL_PROBES = 4;

    /**
     * Runs the probes; {@code run} executes one command (binary first) and returns its stderr. The
     * probes are independent, so up to {@value #PARALLEL_PROBES} run at the same time: over SSH every
     * command costs a round trip and a remote process start, and one after another they made up much
     * of the time of a short replication. A probe that fails (a server allowing fewer sessions at
     * once, say) is run again alone afterwards; only a second failure is thrown. {@code run} must be
     * thread-safe.
     */
    static ZfsFeatures probe(String zfs, String zpool, Function<List<String>, String> run) {
        List<List<String>> probes = List.of(
                List.of(zfs, "list", "-H", "-p", "-o", "name", PROBE),
                List.of(zpool, "list", "-H", "-p", "-o", "name", PROBE),
                List.of(zfs, "snapshot", PROBE + "@a", PROBE + "@b"),
                List.of(zfs, "holds", "-H", PROBE + "@a"),
                List.of(zfs, "get", "-Hp", "written", PROBE),
                List.of(zfs, "receive", "-s", PROBE),
                List.of(zfs, "receive", "-A", PROBE),
                List.of(zfs, "get", "-Hp", "receive_resume_token", PROBE),
                List.of(zfs, "bookmark", PROBE + "@a", PROBE + "#a"),
                List.of(zfs, "receive", "-u"),
                List.of(zfs, "receive", "-x", "compression", PROBE),
                List.of(zpool, "sync", PROBE),
                List.of(zfs, "send", "-nvP", PROBE + "@a"));
        Boolean[] a = new Boolean[probes.size()];
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> threads = new java.util.ArrayList<>();
        for (int t = 0; t < PARALLEL_PROBES; t++) {
            Thread thread = new Thread(() -> {
                for (int i = next.getAndIncrement(); i < a.length; i = next.getAndIncrement()) {
                    try {
                        a[i] = accepted(run.apply(probes.get(i)));
                    } catch (RuntimeException e) {
                        // left null: run again alone below
                    }
                }
            }, "zfs-probe-" + t);
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DatasetException(ErrorCode.INTERNAL, "interrupted while probing what zfs supports", e);
            }
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i] == null) {
                a[i] = accepted(run.apply(probes.get(i)));
            }
        }
        return new ZfsFeatures(a[0], a[1], a[2], a[3], a[4], a[5] && a[6] && a[7], a[8], a[9], a[10], a[11], a[12]);
    }

    /** True unless the command's parser refused the option, command or property itself. */
    static boolean accepted(String stderr) {
        String s = stderr.toLowerCase(Locale.ROOT);
        return !(s.contains("invalid option") || s.contains("unrecognized command") || s.contains("too many arguments")
                || s.contains("bad property list") || s.contains("invalid property") || s.contains("pyzfs")
                || s.contains("internal error") || s.contains("unknown command"));
    }
}
