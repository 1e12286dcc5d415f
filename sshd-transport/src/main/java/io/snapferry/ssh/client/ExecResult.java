package io.snapferry.ssh.client;

/** A finished remote command: its exit code and what it printed (UTF-8). */
public record ExecResult(int exitCode, String stdout, String stderr) {
}
