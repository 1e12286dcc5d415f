package io.snapferry.cli;

import io.snapferry.daemon.config.DataDir;
import io.snapferry.dataset.DatasetException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code snapferry COMMAND ...}. Exit codes: 0 success, 1 the command failed (one-line reason on
 * stderr), 2 the command line was wrong.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] argv) {
        boolean daemon = isDaemon(argv);
        if (!daemon) {
            // Client commands: only warnings, and to stderr, so stdout stays parseable.
            System.setProperty("SNAPFERRY_LOG_LEVEL", System.getProperty("SNAPFERRY_LOG_LEVEL", "WARN"));
            System.setProperty("SNAPFERRY_LOG_TARGET", "System.err");
        }
        System.exit(run(argv, System.out, System.err));
    }

    /** True for {@code snapferry [--data DIR] daemon ...}: the daemon logs at INFO on stdout. */
    static boolean isDaemon(String[] argv) {
        List<String> words = new ArrayList<>(Arrays.asList(argv));
        try {
            extractData(words);
        } catch (UsageException e) {
            return false; // run() reports it
        }
        return !words.isEmpty() && words.get(0).equals("daemon");
    }

    /** Runs one command; returns the exit code. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        List<String> words = new ArrayList<>(Arrays.asList(argv));
        try {
            Optional<String> data = extractData(words);
            if (words.isEmpty() || words.get(0).equals("help") || words.get(0).equals("--help")) {
                out.print(USAGE);
                return words.isEmpty() ? 2 : 0;
            }
            String cmd = words.remove(0);
            if (cmd.equals("daemon")) {
                return DaemonCommand.run(words, data, out, err);
            }
            Commands c = new Commands(DataDir.resolve(data), out, err);
            return c.dispatch(cmd, words);
        } catch (UsageException e) {
            err.println("snapferry: " + e.getMessage());
            err.println("run 'snapferry help' for the list of commands");
            return 2;
        } catch (CliException | DatasetException e) {
            err.println("snapferry: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("snapferry: " + e.getMessage());
            return 1;
        }
    }

    /** Takes the global {@code --data DIR} wherever it appears. */
    private static Optional<String> extractData(List<String> words) {
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.equals("--data")) {
                if (i + 1 >= words.size()) {
                    throw new UsageException("--data needs a directory");
                }
                String v = words.get(i + 1);
                words.remove(i);
                words.remove(i);
                return Optional.of(v);
            }
            if (w.startsWith("--data=")) {
                words.remove(i);
                return Optional.of(w.substring("--data=".length()));
            }
        }
        return Optional.empty();
    }

    static final String USAGE = """
            usage: snapferry [--data DIR] COMMAND ...

            The appliance:
              daemon [--web-port N] [--ssh-port N] [--bind ADDR] [--http] [--no-zfs] [--exit-when-ready]
              status [--services] [--json]

            Datasets and snapshots:
              dataset list [--json]
              dataset create NAME [--volume-size SIZE | --device /dev/...]   (volumes: embedded store only)
              snapshot create DATASET@NAME [--recursive]
              snapshot list DATASET [--json]
              snapshot destroy DATASET@NAME
              snapshot rollback DATASET@NAME [--destroy-newer]
              snapshot hold DATASET@NAME TAG
              snapshot release DATASET@NAME TAG
              snapshot browse DATASET@NAME [PATH] [--json]        (embedded store)
              snapshot restore DATASET@NAME PATH --to DESTINATION (embedded store;
                               a volume: PATH /, DESTINATION a new image file or a block device)
              store verify POOL | store gc POOL | store clear POOL (embedded store; clear lifts a quarantine)

            Periodic snapshot tasks and retention:
              snapshot-task create --dataset D [--recursive] [--exclude D2]... --naming SCHEMA --schedule CRON
                      [--begin HH:MM --end HH:MM] [--lifetime 2w | --keep "hourly=24,daily=14" | --grid "1x1h(keep=all)|24x1h|14x1d"]
                      [--allow-empty] [--pre-hook CMD] [--post-hook CMD] [--hook-timeout SECONDS]
              snapshot-task list [--json] | show ID | run ID [--wait] | update ID ... | enable ID | disable ID | delete ID
              retention plan --dataset D --naming SCHEMA (--lifetime L | --keep K | --grid G) [--now TIME] [--json]
              task list [--json] | show ID | log ID

            Replication:
              replication create --name R [--direction push|pull] [--transport local|ssh|ssh-zfs] [--connection N]
                      --source D [--source D2]... --target D [--recursive] [--exclude D]...
                      (--snapshot-task ID... | --naming SCHEMA...) [--also-include SCHEMA]... [--name-regex RE]
                      [--schedule CRON | --after-snapshot-task] [--window "Mon-Fri 22:00-06:00"]
                      [--retention source|custom|none] [--lifetime L | --keep K | --grid G]
                      [--allow-from-scratch] [--readonly ignore|set|require] [--compression none|lz4|zstd]
                      [--bwlimit 50M] [--encrypt --key K] [--retries N] [--set-property P=V]... [--exclude-property P]...
              replication list | show R | run R [--wait] | update R ... | enable R | disable R | delete R
              replication diff R [--json] | reinitialize R | reverse R
              hold list DATASET | hold release DATASET@SNAP TAG
              stream-key create NAME | import NAME --file F | export NAME --to F | list | delete NAME
            Configuration:
              config export [--json] > FILE      settings, tasks and notification targets as YAML (no secrets)
              config import FILE [--dry-run]     validates everything first; --dry-run shows what would change
            SSH between boxes:
              keypair create NAME [--type ed25519|rsa] | import NAME --file F [--passphrase-file P] | list | show NAME | delete NAME
              host-key [--json]
              connection create --name N --host H [--port P] [--user U] --keypair K
                      (--host-key "ssh-ed25519 AAAA..." | --discover-host-key [--yes]) [--timeout S] [--cipher C]...
              connection pair --name N --url https://HOST:PORT --token T [--keypair K] [--permissions receive|read|both]
              connection list [--json] | show N | test N | update N [--host H] [--port P] [--host-key KEY] ... | delete N
              peer list [--json] | show NAME | update NAME [--receive-root D | --no-receive] [--read D]... [--no-read] | delete NAME
              pair-token [--permissions receive|read|both] [--receive-root D] [--read D]... [--ttl 15m]

            The data directory is --data DIR, else $SNAPFERRY_DATA, else /var/lib/snapferry.
            """;
}
