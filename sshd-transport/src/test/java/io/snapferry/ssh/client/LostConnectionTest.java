package io.snapferry.ssh.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.InterruptedByTimeoutException;
import org.apache.sshd.common.SshException;
import org.junit.jupiter.api.Test;

/** How a session lost under a transfer is reported: the reasons in words, and the streams that report them. */
class LostConnectionTest {
    @Test
    void aWriteNobodyAcknowledgesIsReportedAsAPossiblyCutNetwork() {
        assertThat(SshSession.lossReason(new IOException("write failed", new InterruptedByTimeoutException())))
                .isEqualTo("the remote acknowledged nothing sent to it for 30 s; is the network between the boxes down?");
    }

    @Test
    void unansweredKeepalivesAreReportedWithTheirCount() {
        assertThat(SshSession.lossReason(new SshException("Got 4 heartbeat requests without reply")))
                .isEqualTo("the remote answered none of the last 3 keepalives (one every 10 s); is the network between the boxes down?");
    }

    @Test
    void aResetConnectionAndAPlainCloseAreToldApart() {
        assertThat(SshSession.lossReason(new java.net.SocketException("Connection reset")))
                .isEqualTo("the remote closed it (Connection reset); did the remote box restart?");
        assertThat(SshSession.lossReason(new IOException("Connection reset by peer")))
                .isEqualTo("the remote closed it (Connection reset by peer); did the remote box restart?");
        assertThat(SshSession.lossReason(null)).isEqualTo("it was closed");
        assertThat(SshSession.lossReason(new IllegalStateException("odd"))).isEqualTo("odd");
    }

    @Test
    void streamFailuresPassThroughTheExplanationAndDataPassesUnchanged() throws IOException {
        IOException lost = new IOException("the SSH connection to b was lost");
        InputStream failing = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("Already closed: RemoteWindow[client]");
            }
        };
        try (InputStream in = new LossReporting.In(failing, e -> lost)) {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> in.read(new byte[4], 0, 4))).isSameAs(lost);
        }
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Already closed");
            }
        };
        try (OutputStream out = new LossReporting.Out(broken, e -> lost)) {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> out.write(new byte[]{1}, 0, 1))).isSameAs(lost);
        }
        try (InputStream in = new LossReporting.In(new ByteArrayInputStream(new byte[]{7, 8}), e -> lost)) {
            assertThat(in.readAllBytes()).containsExactly(7, 8);
        }
    }
}
