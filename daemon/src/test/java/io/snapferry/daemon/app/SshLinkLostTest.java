package io.snapferry.daemon.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.replication.LinkLostException;
import io.snapferry.ssh.client.SessionLostException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class SshLinkLostTest {

    @Test
    void theSshClientsReasonIsTheDetailWhenItGaveOne() {
        IOException mina = new IOException("Already closed: RemoteWindow[client](ChannelSubsystem[id=0, recipient=0]-ClientSessionImpl[x])");
        IOException client = new SessionLostException("b", "169.254.77.2:8022",
                "the remote acknowledged nothing sent to it for 30 s; is the network between the boxes down?", mina);

        LinkLostException lost = SshEndpoint.linkLost("b", new IOException("transfer failed", client));

        assertThat(lost.detail()).isEqualTo("the remote acknowledged nothing sent to it for 30 s; is the network between the boxes down?");
        assertThat(lost.getMessage()).startsWith("connection to b lost (the remote acknowledged nothing").doesNotContain("RemoteWindow");
    }

    @Test
    void withoutTheClientsReasonTheTransportsWordsAreKept() {
        LinkLostException lost = SshEndpoint.linkLost("b", new IOException("Connection reset by peer"));

        assertThat(lost.detail()).isEqualTo("Connection reset by peer");
    }
}
