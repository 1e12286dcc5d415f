package io.snapferry.testbeds.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.daemon.replication.RemoteEndpoints;
import io.snapferry.daemon.replication.ReplicationTask;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.replication.Endpoint;
import io.snapferry.replication.LocalEndpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The call counter the nothing-to-do benchmark uses to show where a run's time goes. */
class CallTimesTest {
    @TempDir
    Path tmp;

    interface Greeter {
        String hello(String name);

        default String twice(String name) {
            return hello(name) + hello(name);
        }

        default String polite(String name) {
            return "dear " + hello(name);
        }

        void fail() throws IOException;
    }

    static final class Own implements Greeter {
        final AtomicInteger hellos = new AtomicInteger();

        @Override
        public String hello(String name) {
            hellos.incrementAndGet();
            return "hi " + name + ";";
        }

        @Override
        public String twice(String name) {
            return "own twice " + name;
        }

        @Override
        public void fail() throws IOException {
            throw new IOException("the far side is gone");
        }
    }

    @Test
    void countsEachCallUnderItsNameAndDefaultMethodsReachTheWrappedObject() {
        CallTimes times = new CallTimes();
        Own own = new Own();
        Greeter g = times.timed(Greeter.class, own);

        assertThat(g.hello("a")).isEqualTo("hi a;");
        assertThat(g.hello("b")).isEqualTo("hi b;");
        assertThat(g.twice("c")).as("the wrapped object's override").isEqualTo("own twice c");
        assertThat(g.polite("d")).as("a default it does not override runs on it").isEqualTo("dear hi d;");

        assertThat(times.tallies()).containsOnlyKeys("hello", "twice", "polite");
        assertThat(times.tallies().get("hello").calls()).isEqualTo(2);
        assertThat(times.tallies().get("twice").calls()).isEqualTo(1);
        // the default's own call of hello was made on the wrapped object, not through the wrapper
        assertThat(times.tallies().get("polite").calls()).isEqualTo(1);
        assertThat(own.hellos).hasValue(3);
        assertThat(times.tallies().values()).allMatch(t -> t.nanos() > 0);
    }

    @Test
    void aCallThatThrowsPassesItsExceptionOnAndStillCounts() {
        CallTimes times = new CallTimes();
        Greeter g = times.timed(Greeter.class, new Own());

        assertThatThrownBy(g::fail).isExactlyInstanceOf(IOException.class).hasMessage("the far side is gone");
        assertThat(times.tallies().get("fail").calls()).isEqualTo(1);

        times.clear();
        assertThat(times.tallies()).isEmpty();
    }

    @Test
    void theWrappedRemoteCountsOpeningItsCallsAndClosing() throws Exception {
        InMemoryDatasetProvider provider = new InMemoryDatasetProvider(Clock.systemUTC(), "tank");
        provider.createDataset(DatasetName.of("tank/data"));
        AtomicInteger closed = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Endpoint far = new LocalEndpoint("far", provider, tmp.resolve("own"));
        RemoteEndpoints remotes = task -> new RemoteEndpoints.Remote() {
            @Override
            public Endpoint endpoint() {
                return far;
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
        CallTimes times = new CallTimes();

        try (RemoteEndpoints.Remote remote = times.remotes(remotes).open(task())) {
            assertThat(remote.endpoint().listTree(DatasetName.of("tank")).datasets())
                    .containsExactly(DatasetName.of("tank"), DatasetName.of("tank/data"));
            assertThat(remote.endpoint().listSnapshots(DatasetName.of("tank/data"))).isEmpty();
            remote.failed();
        }

        assertThat(times.tallies()).containsOnlyKeys("open", "listTree", "listSnapshots", "close");
        assertThat(times.tallies().values()).allMatch(t -> t.calls() == 1);
        assertThat(closed).hasValue(1);
        assertThat(failed).hasValue(1);
    }

    private static ReplicationTask task() {
        return new ReplicationTask("push-b", ReplicationTask.Direction.PUSH, ReplicationTask.Transport.SSH,
                Optional.of("b"), List.of("tank/data"), "local/fromA/data", false, List.of(), List.of(), List.of(),
                List.of(), Optional.of(".*"), Optional.empty(), false, Optional.empty(), ReplicationTask.TargetRetention.none(),
                false, ReplicationTask.Readonly.IGNORE, ReplicationTask.Properties.defaults(), ReplicationTask.Compression.NONE,
                Optional.empty(), Optional.empty(), 0, true);
    }
}
