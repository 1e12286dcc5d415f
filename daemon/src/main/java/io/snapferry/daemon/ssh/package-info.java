/**
 * SSH between boxes, as the daemon runs it: the {@code ssh-server} service, this box's key pairs,
 * its outbound connections ({@code config/connections/}), the peers allowed in
 * ({@code config/peers.json}) and one-time pairing tokens. {@link io.snapferry.daemon.ssh.SshManager}
 * is the entry point; the web API and the CLI work through it.
 */
package io.snapferry.daemon.ssh;
