package io.snapferry.zfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.testing.Poll;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The send stream's behaviour with stand-in processes: failure at the end, kill on early close. */
class ProcessInputStreamTest {

    private static Process sh(String script) throws IOException {
        return new ProcessBuilder("sh", "-c", script).start();
    }

    @Test
    void aFailedProducerThrowsAtTheEndInsteadOfLookingComplete() throws IOException {
        Process p = sh("printf 'partial'; echo \"warning: cannot send 'tank/a@s': dataset does not exist\" >&2; exit 1");
        InputStream in = new ProcessInputStream(p, "sending tank/a@s");
        byte[] buf = new byte[100];
        assertThat(in.read(buf)).isEqualTo(7);
        DatasetException e = catchThrowableOfType(DatasetException.class, () -> in.read(buf));
        assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(e.getMessage()).contains("sending tank/a@s").contains("does not exist");
        in.close();
    }

    @Test
    void aFailureNoticedOnlyAtCloseIsStillReported() throws IOException {
        Process p = sh("echo 'cannot send: out of space' >&2; exit 1");
        InputStream in = new ProcessInputStream(p, "sending x");
        Poll.until(Duration.ofSeconds(10), "the producer to exit", () -> !p.isAlive());
        assertThat(catchThrowableOfType(DatasetException.class, in::close).code()).isEqualTo(ErrorCode.NO_SPACE);
    }

    @Test
    void aCleanEndIsMinusOne() throws IOException {
        InputStream in = new ProcessInputStream(sh("printf abc"), "x");
        assertThat(in.readAllBytes()).containsExactly('a', 'b', 'c');
        assertThat(in.read()).isEqualTo(-1);
        in.close();
    }

    @Test
    void closingEarlyKillsTheProducer() throws IOException {
        Process p = sh("exec cat /dev/zero");
        InputStream in = new ProcessInputStream(p, "x");
        assertThat(in.read(new byte[4096])).isPositive();
        in.close();
        assertThat(p.isAlive()).isFalse();
        assertThat(catchThrowableOfType(IOException.class, in::read)).hasMessageContaining("closed");
    }
}
