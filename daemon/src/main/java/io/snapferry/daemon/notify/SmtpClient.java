package io.snapferry.daemon.notify;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A minimal SMTP client (RFC 5321): EHLO, optional STARTTLS (RFC 3207, the server's certificate
 * checked against the JVM's trust store and the host name), optional AUTH PLAIN (RFC 4616; only
 * over STARTTLS, or to a relay on the box itself), MAIL,
 * RCPT, DATA, QUIT. The message is plain UTF-8 text, base64 encoded, so it passes any server.
 * One connection per message; thread-safe (no shared state).
 */
public final class SmtpClient {
    private static final int TIMEOUT_MS = 30_000;

    private final Clock clock;
    private final SSLSocketFactory tls;

    public SmtpClient(Clock clock) {
        this(clock, (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    /** With a given TLS socket factory (for a private CA). */
    public SmtpClient(Clock clock, SSLSocketFactory tls) {
        this.clock = clock;
        this.tls = tls;
    }

    /** Sends one message; throws {@link DeliveryException} with the server's answer when it refuses. */
    public void send(NotificationTarget.Email cfg, String helo, String subject, String text) throws DeliveryException {
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(cfg.host(), cfg.port()), TIMEOUT_MS);
            plain.setSoTimeout(TIMEOUT_MS);
            Conversation c = new Conversation(plain);
            c.expect(220, "greeting");
            List<String> ext = c.command("EHLO " + helo, 250);
            Socket secured = null;
            try {
                if (cfg.starttls()) {
                    if (ext.stream().noneMatch(l -> l.toUpperCase(Locale.ROOT).startsWith("STARTTLS"))) {
                        throw new DeliveryException("SMTP server " + cfg.host() + " does not offer STARTTLS; turn starttls off or use another port");
                    }
                    c.command("STARTTLS", 220);
                    SSLSocket s = (SSLSocket) tls.createSocket(plain, cfg.host(), cfg.port(), true);
                    var params = s.getSSLParameters();
                    params.setEndpointIdentificationAlgorithm("HTTPS");
                    s.setSSLParameters(params);
                    s.startHandshake();
                    secured = s;
                    c = new Conversation(s);
                    ext = c.command("EHLO " + helo, 250);
                }
                if (cfg.username().isPresent()) {
                    if (!cfg.starttls() && !plain.getInetAddress().isLoopbackAddress()) {
                        throw new DeliveryException("refusing to send the SMTP password to " + cfg.host() + " without STARTTLS; turn starttls on");
                    }
                    String token = Base64.getEncoder().encodeToString(("\0" + cfg.username().get() + "\0" + cfg.password().orElse(""))
                            .getBytes(StandardCharsets.UTF_8));
                    c.commandQuiet("AUTH PLAIN " + token, "AUTH PLAIN", 235);
                }
                c.command("MAIL FROM:<" + cfg.from() + ">", 250);
                for (String to : cfg.to()) {
                    c.command("RCPT TO:<" + to + ">", 250, 251);
                }
                c.command("DATA", 354);
                c.write(message(cfg, subject, text));
                c.expect(250, "end of message");
                c.command("QUIT", 221);
            } finally {
                if (secured != null) {
                    secured.close();
                }
            }
        } catch (IOException e) {
            throw new DeliveryException("SMTP to " + cfg.host() + ":" + cfg.port() + " failed: " + e.getMessage(), e);
        }
    }

    /** The message (headers and base64 body), ending with the lone dot line. */
    String message(NotificationTarget.Email cfg, String subject, String text) {
        StringBuilder b = new StringBuilder();
        b.append("From: ").append(cfg.from()).append("\r\n");
        b.append("To: ").append(String.join(", ", cfg.to())).append("\r\n");
        b.append("Subject: ").append(encodeHeader(subject)).append("\r\n");
        b.append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(clock))).append("\r\n");
        String domain = cfg.from().substring(cfg.from().indexOf('@') + 1);
        b.append("Message-ID: <").append(UUID.randomUUID()).append('@').append(domain).append(">\r\n");
        b.append("MIME-Version: 1.0\r\n");
        b.append("Content-Type: text/plain; charset=UTF-8\r\n");
        b.append("Content-Transfer-Encoding: base64\r\n");
        b.append("\r\n");
        String body = Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(text.getBytes(StandardCharsets.UTF_8));
        b.append(body).append("\r\n.\r\n");
        return b.toString();
    }

    /** An RFC 2047 encoded word when the text is not plain ASCII; line breaks never pass. */
    static String encodeHeader(String s) {
        String one = s.replace('\r', ' ').replace('\n', ' ');
        if (one.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f)) {
            return one;
        }
        return "=?UTF-8?B?" + Base64.getEncoder().encodeToString(one.getBytes(StandardCharsets.UTF_8)) + "?=";
    }

    /** Commands and replies on one socket. */
    private static final class Conversation {
        private final BufferedReader in;
        private final OutputStream out;

        Conversation(Socket s) throws IOException {
            this.in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            this.out = s.getOutputStream();
        }

        void write(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        List<String> command(String line, int... ok) throws IOException, DeliveryException {
            return commandQuiet(line, line, ok);
        }

        /** Sends {@code line}, naming it {@code shown} in errors (so a password is never in a message). */
        List<String> commandQuiet(String line, String shown, int... ok) throws IOException, DeliveryException {
            if (line.contains("\r") || line.contains("\n")) {
                throw new DeliveryException("an SMTP command must be one line: " + shown);
            }
            write(line + "\r\n");
            return expect(shown, ok);
        }

        List<String> expect(int code, String what) throws IOException, DeliveryException {
            return expect(what, code);
        }

        /** Reads one (possibly multi-line) reply; returns the text of its lines. */
        List<String> expect(String what, int... ok) throws IOException, DeliveryException {
            List<String> lines = new ArrayList<>();
            int code;
            while (true) {
                String l = in.readLine();
                if (l == null) {
                    throw new DeliveryException("the SMTP server closed the connection after " + what);
                }
                if (l.length() < 3 || !l.substring(0, 3).chars().allMatch(Character::isDigit)) {
                    throw new DeliveryException("the SMTP server answered '" + l + "' to " + what);
                }
                code = Integer.parseInt(l.substring(0, 3));
                lines.add(l.length() > 4 ? l.substring(4) : "");
                if (l.length() == 3 || l.charAt(3) != '-') {
                    break;
                }
            }
            for (int c : ok) {
                if (c == code) {
                    return lines;
                }
            }
            throw new DeliveryException("the SMTP server refused " + what + ": " + code + " " + String.join(" ", lines));
        }
    }
}
