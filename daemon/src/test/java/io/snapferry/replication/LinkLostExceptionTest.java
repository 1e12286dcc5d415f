package io.snapferry.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class LinkLostExceptionTest {

    @Test
    void theSshClientsReasonIsTheDetailWhenItGaveOne() {
        IOException mina = new IOException("Already closed: RemoteWindow[client](ChannelSubsystem[id=0, recipient=0]-ClientSessionImpl[x])");
        IOException client = new IOException("the SSH connection to b (169.254.77.2:8022) was lost: the remote acknowledged nothing"
                + " sent to it for 30 s; is the network between the boxes down?", mina);

        LinkLostException lost = new LinkLostException("b", new IOException("transfer failed", client));

        assertThat(lost.detail()).isEqualTo("the remote acknowledged nothing sent to it for 30 s; is the network between the boxes down?");
        assertThat(lost.getMessage()).startsWith("connection to b lost (the remote acknowledged nothing").doesNotContain("RemoteWindow");
    }

    @Test
    void withoutTheClientsReasonTheLibrarysInternalsAreCutAway() {
        LinkLostException lost = new LinkLostException("b",
                new IOException("write(ChannelOutputStream[ChannelSubsystem[id=0, recipient=0]]) len=236 - channel already closed"));

        assertThat(lost.detail()).isEqualTo("channel already closed");
    }
}
