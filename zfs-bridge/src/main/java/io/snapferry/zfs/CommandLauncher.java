package io.snapferry.zfs;

import java.io.File;
import java.io.IOException;
import java.util.List;

/**
 * Starts the {@code zfs} and {@code zpool} commands: on this machine, or on another one (a stock
 * ZFS host reached over SSH). The argument list is passed as it is, never through a local shell;
 * a remote launcher must quote each argument so that no remote shell can reinterpret it.
 */
public interface CommandLauncher {
    /**
     * Starts {@code argv}. With {@code stdin} false the command's standard input is empty (closed
     * or /dev/null); the caller reads stdout and stderr and waits for it.
     */
    Process start(List<String> argv, boolean stdin) throws IOException;

    /** Runs the commands on this machine with {@link ProcessBuilder}. */
    static CommandLauncher local() {
        return (argv, stdin) -> {
            ProcessBuilder pb = new ProcessBuilder(argv);
            if (!stdin) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            }
            return pb.start();
        };
    }
}
