package io.snapferry.daemon.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ServiceManagerTest {
    private final List<String> events = new CopyOnWriteArrayList<>();

    /** Records its start and stop; optionally waits for a latch in start, or fails. */
    private final class Recording extends AbstractService {
        private final CountDownLatch meet;
        private final boolean fail;

        Recording(String name, CountDownLatch meet, boolean fail) {
            super(name);
            this.meet = meet;
            this.fail = fail;
        }

        @Override
        protected void doStart() throws Exception {
            events.add("start " + name());
            if (meet != null) {
                meet.countDown();
                // Both members of a group must be starting at once for this to return true.
                if (!meet.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(name() + " started alone");
                }
            }
            if (fail) {
                throw new IllegalStateException(name() + " is broken");
            }
        }

        @Override
        protected void doStop() {
            events.add("stop " + name());
        }
    }

    @Test
    void servicesAddedTogetherStartAtTheSameTimeAfterTheOnesBeforeAndStopInReverse() {
        CountDownLatch meet = new CountDownLatch(2);
        ServiceManager m = new ServiceManager();
        m.add(new Recording("first", null, false));
        m.addTogether(new Recording("ssh", meet, false), new Recording("web", meet, false));
        m.startAll();

        assertThat(events.get(0)).isEqualTo("start first");
        assertThat(events.subList(1, 3)).containsExactlyInAnyOrder("start ssh", "start web");
        assertThat(m.status()).extracting(ServiceManager.ServiceStatus::name).containsExactly("first", "ssh", "web");
        assertThat(m.status()).allMatch(s -> s.state() == Service.State.RUNNING);

        events.clear();
        m.stopAll();
        assertThat(events).containsExactly("stop web", "stop ssh", "stop first");
    }

    @Test
    void whenOneOfAGroupFailsTheOthersAndTheOnesBeforeAreStoppedAndTheFailureIsThrown() {
        CountDownLatch meet = new CountDownLatch(2);
        ServiceManager m = new ServiceManager();
        m.add(new Recording("first", null, false));
        m.addTogether(new Recording("ssh", meet, false), new Recording("web", meet, true));
        m.add(new Recording("last", null, false));

        assertThatThrownBy(m::startAll).isInstanceOf(ServiceFailedException.class)
                .hasMessageContaining("web failed to start: web is broken");
        assertThat(events).contains("stop ssh", "stop first").doesNotContain("start last", "stop web");
        assertThat(events.indexOf("stop ssh")).isLessThan(events.indexOf("stop first"));
        assertThat(m.status()).filteredOn(s -> s.name().equals("web")).singleElement()
                .satisfies(s -> assertThat(s.state()).isEqualTo(Service.State.FAILED))
                .satisfies(s -> assertThat(s.why()).contains("web is broken"));
    }
}
