/**
 * The box's own SSH server: public-key authentication only, for named peers kept in a
 * {@link io.snapferry.ssh.server.PeerRegistry}; an authenticated peer reaches the replication
 * endpoint subsystem and nothing else (no shell, no exec, no forwarding, no SFTP).
 *
 * <p>{@link io.snapferry.ssh.server.SnapferrySshServer} owns the host key (Ed25519, generated at
 * first start, mode 0600) and runs one {@link io.snapferry.ssh.endpoint.EndpointServer} per
 * subsystem channel, with the connected {@link io.snapferry.ssh.server.Peer} as its permissions.
 */
package io.snapferry.ssh.server;
