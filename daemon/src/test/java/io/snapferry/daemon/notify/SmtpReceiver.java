package io.snapferry.daemon.notify;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A small SMTP server for tests, on a free loopback port: speaks EHLO (offering AUTH PLAIN, and
 * STARTTLS when given a TLS context), STARTTLS,
 * AUTH PLAIN (accepting one username and password), MAIL, RCPT, DATA, RSET, NOOP, QUIT, and keeps
 * every message it accepts. One connection at a time, on its own thread.
 */
public final class SmtpReceiver implements AutoCloseable {
    /** One accepted message: envelope, the credentials used (or null), and the raw data. */
    public record Message(String from, List<String> to, String authUser, boolean overTls, String data) {
        /** The header's value, or null. */
        public String header(String name) {
            for (String l : data.split("\r\n")) {
                if (l.isEmpty()) {
                    return null;
                }
                if (l.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                    return l.substring(name.length() + 1).trim();
                }
            }
            return null;
        }

        /** The body, decoded from base64. */
        public String text() {
            String body = data.substring(data.indexOf("\r\n\r\n") + 4);
            return new String(Base64.getMimeDecoder().decode(body), StandardCharsets.UTF_8);
        }
    }

    private final ServerSocket server;
    private final Thread thread;
    private final List<Message> messages = new ArrayList<>();
    private final List<String> commands = new ArrayList<>();
    private final String user;
    private final String password;
    private final javax.net.ssl.SSLContext tls;

    public SmtpReceiver(String user, String password) throws IOException {
        this(user, password, null);
    }

    /** With {@code tls}, the server offers STARTTLS with that context's key. */
    public SmtpReceiver(String user, String password, javax.net.ssl.SSLContext tls) throws IOException {
        this.user = user;
        this.password = password;
        this.tls = tls;
        server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        thread = new Thread(this::serve, "test-smtp");
        thread.setDaemon(true);
        thread.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public synchronized List<Message> messages() {
        return List.copyOf(messages);
    }

    /** Every command line received, AUTH lines included as sent. */
    public synchronized List<String> commands() {
        return List.copyOf(commands);
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                session(s);
            } catch (IOException e) {
                // closed, or a client that went away: next one
            }
        }
    }

    private void session(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        OutputStream out = s.getOutputStream();
        reply(out, "220 test.local ESMTP ready");
        String from = null;
        List<String> to = new ArrayList<>();
        String authed = null;
        boolean overTls = false;
        String line;
        while ((line = in.readLine()) != null) {
            synchronized (this) {
                commands.add(line);
            }
            String up = line.toUpperCase();
            if (up.startsWith("EHLO")) {
                reply(out, "250-test.local greets you\r\n250-8BITMIME\r\n" + (tls != null && !overTls ? "250-STARTTLS\r\n" : "")
                        + "250 AUTH PLAIN");
            } else if (up.equals("STARTTLS") && tls != null && !overTls) {
                reply(out, "220 2.0.0 go ahead");
                javax.net.ssl.SSLSocket secured = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket(s,
                        s.getInetAddress().getHostAddress(), s.getPort(), true);
                secured.setUseClientMode(false);
                secured.startHandshake();
                in = new BufferedReader(new InputStreamReader(secured.getInputStream(), StandardCharsets.UTF_8));
                out = secured.getOutputStream();
                overTls = true;
                authed = null;
                from = null;
                to.clear();
            } else if (up.startsWith("AUTH PLAIN ")) {
                String[] parts = new String(Base64.getDecoder().decode(line.substring(11).trim()), StandardCharsets.UTF_8).split("\0", -1);
                if (parts.length == 3 && parts[1].equals(user) && parts[2].equals(password)) {
                    authed = parts[1];
                    reply(out, "235 2.7.0 authenticated");
                } else {
                    reply(out, "535 5.7.8 bad credentials");
                }
            } else if (up.startsWith("MAIL FROM:")) {
                if (user != null && authed == null) {
                    reply(out, "530 5.7.0 authentication required");
                    continue;
                }
                from = strip(line.substring(10));
                to.clear();
                reply(out, "250 ok");
            } else if (up.startsWith("RCPT TO:")) {
                to.add(strip(line.substring(8)));
                reply(out, "250 ok");
            } else if (up.equals("DATA")) {
                if (from == null || to.isEmpty()) {
                    reply(out, "503 need MAIL and RCPT first");
                    continue;
                }
                reply(out, "354 end with <CRLF>.<CRLF>");
                StringBuilder data = new StringBuilder();
                String d;
                while ((d = in.readLine()) != null && !d.equals(".")) {
                    data.append(d.startsWith("..") ? d.substring(1) : d).append("\r\n");
                }
                synchronized (this) {
                    messages.add(new Message(from, List.copyOf(to), authed, overTls, data.toString()));
                }
                reply(out, "250 queued");
            } else if (up.equals("QUIT")) {
                reply(out, "221 bye");
                return;
            } else if (up.equals("RSET") || up.equals("NOOP")) {
                reply(out, "250 ok");
            } else {
                reply(out, "502 command not implemented");
            }
        }
    }

    private static String strip(String s) {
        s = s.trim();
        return s.startsWith("<") && s.endsWith(">") ? s.substring(1, s.length() - 1) : s;
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
