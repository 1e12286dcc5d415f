package io.snapferry.testbeds.bench;

import java.nio.file.Path;

/** The OpenSSH client command line the benchmarks' peers use against a local sshd. */
final class Ssh {
    private Ssh() {
    }

    /** {@code ssh} with this key, this known-hosts file and port, no config file and no prompts (no host argument). */
    static String command(Path key, Path knownHosts, int port) {
        return "ssh -F /dev/null -i " + key + " -p " + port + " -o StrictHostKeyChecking=yes -o UserKnownHostsFile="
                + knownHosts + " -o BatchMode=yes -o IdentitiesOnly=yes";
    }
}
