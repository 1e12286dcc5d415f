package io.snapferry.daemon.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.daemon.config.ConfigStore;
import io.snapferry.daemon.pools.Pools;
import io.snapferry.daemon.scheduler.ScheduledJob;
import io.snapferry.daemon.snapshots.HookRunner;
import io.snapferry.daemon.snapshots.SnapshotTask;
import io.snapferry.daemon.snapshots.SnapshotTasks;
import io.snapferry.daemon.tasks.TaskHistory;
import io.snapferry.daemon.tasks.TaskRun;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.replication.Endpoint;
import io.snapferry.replication.LocalEndpoint;
import io.snapferry.replication.Replicator;
import io.snapferry.replication.Sleeper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run over a remote tells the remote when it failed (so an ssh-zfs host's features are probed again), and only then. */
class ReplicationTasksRemoteTest {
    @TempDir
    Path dir;

    private final Clock clock = Clock.fixed(Instant.parse("2026-11-23T04:00:00Z"), ZoneOffset.UTC);
    private final InMemoryDatasetProvider far = new InMemoryDatasetProvider(clock, "tank");
    private final InMemoryDatasetProvider here = new InMemoryDatasetProvider(clock, "backup");
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private TaskHistory history;
    private ReplicationTasks tasks;

    @BeforeEach
    void setUp() throws IOException {
        history = new TaskHistory(dir.resolve("history.jsonl"), clock, 100);
        SnapshotTasks snapshots = new SnapshotTasks(new ConfigStore<>(dir.resolve("snapshot-tasks"), SnapshotTask.class, SnapshotTask::id),
                new Pools(List.of(here)), history, clock, () -> ZoneOffset.UTC, new HookRunner());
        Endpoint local = new LocalEndpoint("box", here, dir.resolve("own-here"));
        Endpoint remote = new LocalEndpoint("zfs-host:zhost", far, dir.resolve("own-far"));
        RemoteEndpoints remotes = task -> {
            opened.incrementAndGet();
            return new RemoteEndpoints.Remote() {
                @Override
                public Endpoint endpoint() {
                    return remote;
                }

                @Override
                public void failed() {
                    failed.incrementAndGet();
                }

                @Override
                public void close() {
                    closed.incrementAndGet();
                }
            };
        };
        tasks = new ReplicationTasks(new ConfigStore<>(dir.resolve("replications"), ReplicationTask.class, ReplicationTask::name),
                snapshots, history, clock, () -> ZoneOffset.UTC, task -> local, name -> Optional.empty(), remotes,
                Replicator.Settings.defaults(), Sleeper.SYSTEM);
        far.createDataset(DatasetName.of("tank/data"));
        far.createSnapshots(List.of(DatasetName.of("tank/data").snapshot("s1")));
    }

    @AfterEach
    void tearDown() throws IOException {
        history.close();
    }

    @Test
    void aSucceedingRunDoesNotReportAFailure() {
        tasks.create(pull("good", "tank/data", "backup/data"));

        TaskRun run = history.get(tasks.run("good", ScheduledJob.Trigger.MANUAL)).orElseThrow();

        assertThat(run.state()).as(run.result()).isEqualTo(TaskRun.State.SUCCEEDED);
        assertThat(here.exists(DatasetName.of("backup/data"))).isTrue();
        assertThat(opened).hasValue(1);
        assertThat(failed).hasValue(0);
        assertThat(closed).hasValue(1);
    }

    @Test
    void aFailingRunReportsItsFailureBeforeClosing() {
        tasks.create(pull("bad", "tank/missing", "backup/missing"));

        TaskRun run = history.get(tasks.run("bad", ScheduledJob.Trigger.MANUAL)).orElseThrow();

        assertThat(run.state()).isEqualTo(TaskRun.State.FAILED);
        assertThat(run.result()).contains("tank/missing");
        assertThat(opened).hasValue(1);
        assertThat(failed).hasValue(1);
        assertThat(closed).hasValue(1);
    }

    private static ReplicationTask pull(String name, String source, String target) {
        return new ReplicationTask(name, ReplicationTask.Direction.PULL, ReplicationTask.Transport.SSH_ZFS, Optional.of("zhost"),
                List.of(source), target, false, List.of(), List.of(), List.of(), List.of(), Optional.of(".*"), Optional.empty(),
                false, Optional.empty(), ReplicationTask.TargetRetention.none(), true, ReplicationTask.Readonly.IGNORE,
                ReplicationTask.Properties.defaults(), ReplicationTask.Compression.NONE, Optional.empty(), Optional.empty(), 0, true);
    }
}
