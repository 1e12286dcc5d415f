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
 */
public record ZfsFeatures(boolean parsableList, boolean parsableZpoolList, boolean multiSnapshot,
                          boolean holdsCommand, boolean written, boolean resumable, boolean bookmarks,
                          boolean receiveNoMount, boolean receiveProperties, boolean zpoolSync) {

    private static final String PROBE = "%probe";

    /** Everything a current OpenZFS has. */
    public static ZfsFeatures modern() {
        return new ZfsFeatures(true, true, true, true, true, true, true, true, true, true);
    }

    /**
     * Runs the probes; {@code run} executes one command (binary first) and returns its stderr. The
     * probes are independent, so they run at the same time (each on its own short-lived thread):
     * over SSH every command costs a round trip and a remote process start, and one after another
     * they made up much of the time of a short replication. {@code run} must be thread-safe.
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
                List.of(zpool, "sync", PROBE));
        List<java.util.concurrent.CompletableFuture<Boolean>> answers = new java.util.ArrayList<>();
        for (List<String> cmd : probes) {
            java.util.concurrent.CompletableFuture<Boolean> answer = new java.util.concurrent.CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    answer.complete(accepted(run.apply(cmd)));
                } catch (Throwable e) {
                    answer.completeExceptionally(e);
                }
            }, "zfs-probe");
            t.setDaemon(true);
            t.start();
            answers.add(answer);
        }
        boolean[] a = new boolean[answers.size()];
        for (int i = 0; i < a.length; i++) {
            try {
                a[i] = answers.get(i).join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw e;
            }
        }
        return new ZfsFeatures(a[0], a[1], a[2], a[3], a[4], a[5] && a[6] && a[7], a[8], a[9], a[10], a[11]);
    }

    /** True unless the command's parser refused the option, command or property itself. */
    static boolean accepted(String stderr) {
        String s = stderr.toLowerCase(Locale.ROOT);
        return !(s.contains("invalid option") || s.contains("unrecognized command") || s.contains("too many arguments")
                || s.contains("bad property list") || s.contains("invalid property") || s.contains("pyzfs")
                || s.contains("internal error") || s.contains("unknown command"));
    }
}
