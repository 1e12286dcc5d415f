package io.snapferry.daemon.systemd;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Plays systemd's side of the notification protocol for tests: a python3 process binds a unix
 * datagram socket (a path, or an abstract name starting with {@code @}) and reports every datagram
 * it receives. Written independently of {@link SystemdNotify}, so a test checks the wire format
 * against the kernel and a second implementation, not against itself.
 */
public final class NotifyReceiver implements AutoCloseable {
    private static final String SCRIPT = String.join("\n",
            "import json, socket, sys",
            "name = sys.argv[1]",
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
            "s.bind('\\0' + name[1:] if name.startswith('@') else name)",
            "print(json.dumps('bound'), flush=True)",
            "while True:",
            "    print(json.dumps(s.recv(65536).decode('utf-8')), flush=True)",
            "");

    private final String address;
    private final Process process;
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final List<String> errors = new ArrayList<>();

    private NotifyReceiver(String address) throws IOException {
        this.address = address;
        this.process = new ProcessBuilder("python3", "-c", SCRIPT, address).redirectErrorStream(true).start();
        Thread reader = new Thread(this::pump, "notify-receiver");
        reader.setDaemon(true);
        reader.start();
        Optional<String> first = next(Duration.ofSeconds(20));
        if (!first.equals(Optional.of("bound"))) {
            close();
            throw new IOException("the python3 receiver did not bind " + address + ": " + first.orElse("no answer") + " " + errors);
        }
    }

    /** Binds {@code address} (an absolute path, or {@code @name}) and starts receiving. */
    public static NotifyReceiver bind(String address) throws IOException {
        return new NotifyReceiver(address);
    }

    /** The value for {@code $NOTIFY_SOCKET}. */
    public String address() {
        return address;
    }

    /** The next datagram received, waiting up to {@code timeout}; empty when none came. */
    public Optional<String> next(Duration timeout) {
        try {
            return Optional.ofNullable(received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The datagrams received until one contains {@code line} as a whole line, within {@code timeout}. */
    public List<String> until(String line, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < end) {
            Optional<String> m = next(Duration.ofNanos(Math.max(1, end - System.nanoTime())));
            if (m.isEmpty()) {
                break;
            }
            seen.add(m.get());
            if (m.get().lines().anyMatch(line::equals)) {
                return seen;
            }
        }
        throw new AssertionError("no notification with the line " + line + " within " + timeout + "; received " + seen);
    }

    private void pump() {
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                try {
                    received.add(json.readValue(l, String.class));
                } catch (IOException notJson) {
                    synchronized (errors) {
                        errors.add(l);
                    }
                }
            }
        } catch (IOException e) {
            synchronized (errors) {
                errors.add(e.toString());
            }
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }
}
