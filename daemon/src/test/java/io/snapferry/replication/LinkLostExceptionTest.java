package io.snapferry.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class LinkLostExceptionTest {

    @Test
    void withoutTheClientsReasonTheLibrarysInternalsAreCutAway() {
        LinkLostException lost = new LinkLostException("b",
                new IOException("write(ChannelOutputStream[ChannelSubsystem[id=0, recipient=0]]) len=236 - channel already closed"));

        assertThat(lost.detail()).isEqualTo("channel already closed");
    }
}
