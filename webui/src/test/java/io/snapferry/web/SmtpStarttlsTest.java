package io.snapferry.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.daemon.notify.DeliveryException;
import io.snapferry.daemon.notify.NotificationTarget;
import io.snapferry.daemon.notify.SmtpClient;
import io.snapferry.daemon.notify.SmtpReceiver;
import io.snapferry.web.tls.BoxCertificate;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SMTP client upgrades with STARTTLS, checks the server's certificate, then authenticates. */
class SmtpStarttlsTest {
    @TempDir
    Path tmp;

    @Test
    void starttlsThenAuthPlainOverTheSecuredConnection() throws Exception {
        BoxCertificate cert = BoxCertificate.loadOrCreate(tmp.resolve("tls"));
        char[] pw = "test-password".toCharArray();
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(cert.keyStore(pw), pw);
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);

        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("smtp", cert.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);

        try (SmtpReceiver smtp = new SmtpReceiver("box", "s3cret", server)) {
            NotificationTarget.Email cfg = new NotificationTarget.Email("127.0.0.1", smtp.port(), true, Optional.of("box"),
                    Optional.of("s3cret"), "box@example.com", List.of("ops@example.com"));
            new SmtpClient(Clock.systemUTC(), client.getSocketFactory()).send(cfg, "box1", "[box1] TEST", "hello over TLS");
            assertThat(smtp.messages()).singleElement().satisfies(m -> {
                assertThat(m.overTls()).isTrue();
                assertThat(m.authUser()).isEqualTo("box");
                assertThat(m.text()).isEqualTo("hello over TLS");
            });
            // The password never crossed the wire before the upgrade.
            List<String> commands = smtp.commands();
            assertThat(commands.indexOf("STARTTLS")).isLessThan(indexOfAuth(commands));

            // A client that does not trust the certificate stops before sending anything.
            assertThatThrownBy(() -> new SmtpClient(Clock.systemUTC()).send(cfg, "box1", "[box1] TEST", "not sent"))
                    .isInstanceOf(DeliveryException.class).hasMessageContaining("SMTP to 127.0.0.1");
            assertThat(smtp.messages()).hasSize(1);
        }
    }

    private static int indexOfAuth(List<String> commands) {
        for (int i = 0; i < commands.size(); i++) {
            if (commands.get(i).startsWith("AUTH PLAIN")) {
                return i;
            }
        }
        throw new AssertionError("no AUTH in " + commands);
    }
}
