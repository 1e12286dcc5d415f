/**
 * The SSH client side: connections to other boxes ({@link io.snapferry.ssh.client.SshConnection}),
 * opened by {@link io.snapferry.ssh.client.SshConnector} with the remote host key pinned and checked
 * strictly on every connection (a mismatch is refused, never accepted automatically).
 *
 * <p>An open {@link io.snapferry.ssh.client.SshSession} gives the replication endpoint of a
 * snapferry box ({@link io.snapferry.ssh.endpoint.RemoteEndpoint}) or runs commands with safely
 * quoted arguments on a stock ZFS host ({@link io.snapferry.ssh.client.SshSession#exec}).
 * {@link io.snapferry.ssh.client.SshConnector#test} tells apart why a connection does not work.
 * Nothing here reads {@code ~/.ssh}: no config, no known_hosts, no default identities.
 */
package io.snapferry.ssh.client;
