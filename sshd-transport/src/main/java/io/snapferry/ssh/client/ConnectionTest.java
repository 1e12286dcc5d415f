package io.snapferry.ssh.client;

import java.util.Optional;

/**
 * The outcome of testing a connection.
 *
 * @param outcome       what happened
 * @param message       a sentence for people: what happened and what to do
 * @param remoteVersion when OK: the snapferry endpoint's hello ("snapferry 0.1.0 on box ..., protocol 1")
 *                      or, for another SSH server, its version string
 */
public record ConnectionTest(Outcome outcome, String message, Optional<String> remoteVersion) {

    public enum Outcome {
        OK, TIMEOUT, REFUSED, UNREACHABLE, HOST_KEY_MISMATCH, AUTH_FAILED, CONNECTION_LOST, PROTOCOL_ERROR,
        /** A local problem: the connection's key pair is missing or unreadable. */
        LOCAL_ERROR;

        static Outcome of(SshFailure f) {
            return Outcome.valueOf(f.name());
        }
    }

    public boolean ok() {
        return outcome == Outcome.OK;
    }
}
