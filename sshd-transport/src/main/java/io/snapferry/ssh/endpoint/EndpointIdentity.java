package io.snapferry.ssh.endpoint;

import java.util.Objects;

/**
 * Who a box says it is in the hello exchange.
 *
 * @param boxId           the box's stable identity (printable ASCII, 1 to 128 characters)
 * @param softwareVersion the snapferry version it runs (printable ASCII, 1 to 64 characters)
 */
public record EndpointIdentity(String boxId, String softwareVersion) {
    public EndpointIdentity {
        Objects.requireNonNull(boxId, "boxId");
        Objects.requireNonNull(softwareVersion, "softwareVersion");
        if (!boxId.matches("[\\x21-\\x7e]{1,128}")) {
            throw new IllegalArgumentException("box id must be 1 to 128 printable ASCII characters without spaces");
        }
        if (!softwareVersion.matches("[\\x21-\\x7e]{1,64}")) {
            throw new IllegalArgumentException("software version must be 1 to 64 printable ASCII characters without spaces");
        }
    }
}
