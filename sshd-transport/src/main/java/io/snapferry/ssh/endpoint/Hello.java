package io.snapferry.ssh.endpoint;

/**
 * The answer to the hello exchange: the protocol version both sides will speak, the remote box's
 * identity, and the peer name it knows this box by.
 */
public record Hello(int protocolVersion, EndpointIdentity remote, String peerName) {
}
