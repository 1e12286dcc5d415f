package io.snapferry.daemon.pools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.InMemoryDatasetProvider;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RoutingProviderTest {
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);

    /** {@code delegate}, counting how often it is asked for its pools (a zpool list each time on ZFS). */
    private static DatasetProvider counting(DatasetProvider delegate, AtomicInteger poolsAsked) {
        return (DatasetProvider) Proxy.newProxyInstance(DatasetProvider.class.getClassLoader(), new Class<?>[] {DatasetProvider.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("pools")) {
                        poolsAsked.incrementAndGet();
                    }
                    try {
                        return method.invoke(delegate, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void eachCallGoesToThePoolsProviderWhichIsAskedForOnlyOnce() {
        InMemoryDatasetProvider tank = new InMemoryDatasetProvider(clock, "tank");
        InMemoryDatasetProvider local = new InMemoryDatasetProvider(clock, "local");
        AtomicInteger asked = new AtomicInteger();
        RoutingProvider box = new RoutingProvider(List.of(counting(tank, asked), counting(local, asked)));
        DatasetName a = DatasetName.of("tank/a");
        DatasetName b = DatasetName.of("local/b");

        box.createDataset(a);
        box.createDataset(b);
        for (int i = 0; i < 5; i++) {
            box.createSnapshots(List.of(a.snapshot("s" + i)));
            box.createSnapshots(List.of(b.snapshot("s" + i)));
        }

        assertThat(tank.datasetNames()).contains(a).doesNotContain(b);
        assertThat(local.datasetNames()).contains(b).doesNotContain(a);
        assertThat(box.listSnapshots(a)).hasSize(5);
        assertThat(asked).as("pools asked of the two providers, once each").hasValue(2);
    }

    @Test
    void anUnknownPoolIsLookedForAgainAndThenNotFound() {
        AtomicInteger asked = new AtomicInteger();
        RoutingProvider box = new RoutingProvider(List.of(counting(new InMemoryDatasetProvider(clock, "tank"), asked)));

        assertThatThrownBy(() -> box.listSnapshots(DatasetName.of("gone/x")))
                .isInstanceOfSatisfying(DatasetException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND))
                .hasMessageContaining("pool gone does not exist on this box");
        assertThatThrownBy(() -> box.listSnapshots(DatasetName.of("gone/x"))).isInstanceOf(DatasetException.class);
        assertThat(asked).hasValue(2);
    }
}
