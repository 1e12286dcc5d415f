package io.snapferry.daemon.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.daemon.replication.RemoteEndpoints;
import io.snapferry.daemon.replication.ReplicationTask;
import io.snapferry.daemon.ssh.ConnectionConfig;
import io.snapferry.testing.Requirements;
import io.snapferry.zfs.CommandLauncher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ssh-zfs runs probe a host's ZFS features once per connection and host, and again after a
 * failed run. The "host" is this machine's zfs, reached through a launcher that records every
 * command, standing in for the SSH session.
 */
class SshRemotesTest {
    @TempDir
    Path dir;

    private final List<List<String>> commands = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger sessionsOpen = new AtomicInteger();
    private volatile ConnectionConfig connection = new ConnectionConfig("zhost", "10.0.0.7", 22, "root", "client",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOneHostKeyOneHostKeyOneHostKeyOneHostKey1", 15, List.of());
    private SshRemotes remotes;

    @BeforeEach
    void setUp() {
        Requirements.require(Requirements.onPath("zfs"), "zfs (zfs-fuse)");
        CommandLauncher local = CommandLauncher.local();
        CommandLauncher recording = (argv, stdin) -> {
            commands.add(List.copyOf(argv));
            return local.start(argv, stdin);
        };
        SshRemotes.ZfsHosts hosts = new SshRemotes.ZfsHosts() {
            @Override
            public ConnectionConfig connection(String name) {
                assertThat(name).isEqualTo("zhost");
                return connection;
            }

            @Override
            public SshRemotes.HostSession open(ConnectionConfig c) {
                sessionsOpen.incrementAndGet();
                return new SshRemotes.HostSession() {
                    @Override
                    public CommandLauncher launcher() {
                        return recording;
                    }

                    @Override
                    public void close() {
                        sessionsOpen.decrementAndGet();
                    }
                };
            }
        };
        remotes = new SshRemotes(name -> {
            throw new IOException("no snapferry box in this test");
        }, hosts, dir);
    }

    @Test
    void theSecondRunOnAConnectionRunsNoProbes() throws IOException {
        runSucceeding();
        int first = commands.size();
        assertThat(probes()).as("first run checks zfs and probes its 13 features").hasSize(14)
                .anySatisfy(argv -> assertThat(argv).containsExactly("zfs", "send", "-nvP", "%probe@a"));

        runSucceeding();
        runSucceeding();

        assertThat(commands).as("later runs start no command when opening").hasSize(first);
        assertThat(sessionsOpen).hasValue(0);
    }

    @Test
    void aFailedRunForgetsTheFeaturesSoTheNextRunProbesAgain() throws IOException {
        runSucceeding();
        int probesOfOneRun = probes().size();

        try (RemoteEndpoints.Remote remote = remotes.open(task())) {
            remote.failed();
        }
        assertThat(probes()).as("the failed run itself was opened from the cache").hasSize(probesOfOneRun);

        runSucceeding();
        assertThat(probes()).as("the run after a failure probes again").hasSize(2 * probesOfOneRun);
        runSucceeding();
        assertThat(probes()).as("and remembers again").hasSize(2 * probesOfOneRun);
        assertThat(sessionsOpen).hasValue(0);
    }

    @Test
    void aConnectionPointedAtAnotherHostProbesAgain() throws IOException {
        runSucceeding();
        int probesOfOneRun = probes().size();

        connection = connection.withHostKey("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAnotherHostKeyAnotherHostKeyAnotherHostKe");
        runSucceeding();
        assertThat(probes()).as("another host key").hasSize(2 * probesOfOneRun);

        connection = new ConnectionConfig(connection.name(), "10.0.0.8", connection.port(), connection.user(),
                connection.keyPair(), connection.hostKey(), connection.connectTimeoutSeconds(), connection.ciphers());
        runSucceeding();
        assertThat(probes()).as("another address").hasSize(3 * probesOfOneRun);

        runSucceeding();
        assertThat(probes()).as("the same host again").hasSize(3 * probesOfOneRun);
    }

    /** Opens the remote and closes it without a failure, as a run that succeeded does. */
    private void runSucceeding() throws IOException {
        try (RemoteEndpoints.Remote remote = remotes.open(task())) {
            assertThat(remote.endpoint().identity()).isEqualTo("zfs-host:zhost");
        }
    }

    /** Every command started so far: opening a remote runs only the zfs check and the probes. */
    private List<List<String>> probes() {
        synchronized (commands) {
            return List.copyOf(commands);
        }
    }

    private static ReplicationTask task() {
        return new ReplicationTask("pull-zhost", ReplicationTask.Direction.PULL, ReplicationTask.Transport.SSH_ZFS,
                Optional.of("zhost"), List.of("tank/data"), "backup/data", false, List.of(), List.of(), List.of("auto-%Y"),
                List.of(), Optional.empty(), Optional.empty(), false, Optional.empty(), ReplicationTask.TargetRetention.none(),
                false, ReplicationTask.Readonly.IGNORE, ReplicationTask.Properties.defaults(), ReplicationTask.Compression.NONE,
                Optional.empty(), Optional.empty(), 0, true);
    }
}
