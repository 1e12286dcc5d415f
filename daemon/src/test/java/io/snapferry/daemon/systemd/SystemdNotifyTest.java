package io.snapferry.daemon.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.testing.Requirements;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemdNotifyTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    void without_notify_socket_nothing_is_sent_and_nothing_fails() throws IOException {
        SystemdNotify n = SystemdNotify.fromEnvironment(Map.of());
        assertThat(n.enabled()).isFalse();
        assertThat(n.ready("up")).isFalse();
        assertThat(n.stopping("down")).isFalse();
        n.send("READY=1");
        assertThat(SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "")).enabled()).isFalse();
    }

    @Test
    void a_malformed_notify_socket_disables_notification() {
        assertThat(SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "relative/path")).enabled()).isFalse();
        assertThat(SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "/x")).socket()).contains(new NotifySocket("/x"));
    }

    @Test
    void addresses_are_validated() {
        assertThatThrownBy(() -> new NotifySocket("run/notify")).hasMessageContaining("neither an absolute socket path");
        assertThatThrownBy(() -> new NotifySocket("vsock:2:1234")).hasMessageContaining("vsock");
        assertThatThrownBy(() -> new NotifySocket("@")).hasMessageContaining("names no socket");
        assertThatThrownBy(() -> new NotifySocket("/" + "a".repeat(107))).hasMessageContaining("107 bytes");
        assertThat(new NotifySocket("/" + "a".repeat(106)).sockaddr()).hasSize(2 + 107 + 1);
        assertThat(new NotifySocket("@abc").sockaddr()).hasSize(2 + 1 + 3).endsWith(0, 'a', 'b', 'c');
        assertThat(new NotifySocket("/ab").sockaddr()).endsWith('/', 'a', 'b', 0);
    }

    @Test
    void ready_status_and_stopping_reach_a_socket_bound_to_a_path() throws IOException {
        Requirements.require(Requirements.onPath("python3"), "python3");
        try (NotifyReceiver systemd = NotifyReceiver.bind(tmp.resolve("notify").toString())) {
            SystemdNotify n = SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", systemd.address()));
            assertThat(n.enabled()).isTrue();

            assertThat(n.ready("running on https://0.0.0.0:8443")).isTrue();
            assertThat(systemd.next(WAIT)).contains("READY=1\nSTATUS=running on https://0.0.0.0:8443");
            assertThat(n.status("two\nlines")).isTrue();
            assertThat(systemd.next(WAIT)).contains("STATUS=two lines");
            assertThat(n.stopping("stopping")).isTrue();
            assertThat(systemd.next(WAIT)).contains("STOPPING=1\nSTATUS=stopping");
        }
    }

    @Test
    void abstract_socket_names_start_with_at() throws IOException {
        Requirements.require(Requirements.onPath("python3"), "python3");
        String name = "@snapferry-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (NotifyReceiver systemd = NotifyReceiver.bind(name)) {
            SystemdNotify n = SystemdNotify.to(new NotifySocket(name));
            n.send("READY=1");
            assertThat(systemd.next(WAIT)).contains("READY=1");
        }
    }

    @Test
    void a_socket_nobody_listens_on_is_a_clear_error() throws IOException {
        Path missing = tmp.resolve("nobody-here");
        SystemdNotify n = SystemdNotify.to(new NotifySocket(missing.toString()));
        assertThatThrownBy(() -> n.send("READY=1"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("sendto failed")
                .hasMessageContaining("errno 2");
        assertThat(n.ready("up")).isFalse();
        assertThat(Files.exists(missing)).isFalse();
        assertThat(n.socket().orElseThrow().abstractName()).isFalse();
    }
}
