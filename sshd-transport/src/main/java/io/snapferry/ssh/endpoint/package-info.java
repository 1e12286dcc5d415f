/**
 * The replication endpoint protocol: how one snapferry box asks another for its datasets and
 * snapshots, sends it a stream, pulls one from it, prunes, holds and releases, and prepares and
 * claims the targets it replicates into. Transport-neutral (a pair of byte streams);
 * {@code io.snapferry.ssh.server} serves it as the SSH subsystem
 * {@value io.snapferry.ssh.endpoint.EndpointServer#SUBSYSTEM}, {@code io.snapferry.ssh.client}
 * opens it. The wire format is in {@code docs/protocol.md}.
 *
 * <p>{@link io.snapferry.ssh.endpoint.EndpointServer} serves one connection against a
 * {@link io.snapferry.dataset.DatasetProvider} and an
 * {@link io.snapferry.ssh.endpoint.OwnershipStore} (who replicates into which target), checking
 * every request against the connected peer's {@link io.snapferry.ssh.endpoint.Permissions}. {@link io.snapferry.ssh.endpoint.RemoteEndpoint}
 * is the client: the same operations as Java methods. Everything read from the network is
 * validated ({@link io.snapferry.ssh.endpoint.Frames}, {@link io.snapferry.ssh.endpoint.Messages})
 * before use; a malformed frame is a {@link io.snapferry.ssh.endpoint.ProtocolException} and ends
 * that connection only.
 */
package io.snapferry.ssh.endpoint;
