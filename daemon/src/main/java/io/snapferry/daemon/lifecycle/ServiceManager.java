package io.snapferry.daemon.lifecycle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts services in the order added and stops them in reverse. Services added together with
 * {@link #addTogether} (they must not need each other to start) start at the same time, each on
 * its own thread, and the next service starts when all of them run. When one fails to start, the
 * ones already started are stopped again and the failure is rethrown (the first one in the order
 * added, when several of a group failed).
 */
public final class ServiceManager {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceManager.class);
    private final List<Service> services = new ArrayList<>();
    private final List<List<Service>> steps = new ArrayList<>();

    public synchronized ServiceManager add(Service service) {
        services.add(service);
        steps.add(List.of(service));
        return this;
    }

    /** Services that start side by side: none needs another of them running to start. */
    public synchronized ServiceManager addTogether(Service... together) {
        List<Service> group = List.of(together);
        services.addAll(group);
        steps.add(group);
        return this;
    }

    public synchronized void startAll() {
        List<Service> started = new ArrayList<>();
        for (List<Service> step : steps) {
            RuntimeException failure = null;
            if (step.size() == 1) {
                failure = start(step.get(0));
            } else {
                List<CompletableFuture<RuntimeException>> running = new ArrayList<>();
                for (Service s : step.subList(1, step.size())) {
                    running.add(CompletableFuture.supplyAsync(() -> start(s), r -> {
                        Thread t = new Thread(r, "start-" + s.name());
                        t.setDaemon(true);
                        t.start();
                    }));
                }
                failure = start(step.get(0));
                for (CompletableFuture<RuntimeException> f : running) {
                    RuntimeException e = join(f);
                    failure = failure != null ? failure : e;
                }
            }
            for (Service s : step) {
                if (s.state() == Service.State.RUNNING) {
                    started.add(s);
                }
            }
            if (failure != null) {
                Collections.reverse(started);
                started.forEach(ServiceManager::stopQuietly);
                throw failure;
            }
        }
    }

    /** Starts one service; returns its failure instead of throwing it. */
    private static RuntimeException start(Service s) {
        try {
            long t0 = System.nanoTime();
            s.start();
            LOG.info("service {} running (started in {} ms)", s.name(), (System.nanoTime() - t0) / 1_000_000);
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    private static RuntimeException join(CompletableFuture<RuntimeException> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            return e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    public synchronized void stopAll() {
        List<Service> reversed = new ArrayList<>(services);
        Collections.reverse(reversed);
        reversed.forEach(ServiceManager::stopQuietly);
    }

    private static void stopQuietly(Service s) {
        try {
            s.stop();
            LOG.info("service {} {}", s.name(), s.state().name().toLowerCase());
        } catch (RuntimeException e) {
            LOG.warn("service {} failed to stop: {}", s.name(), e.toString());
        }
    }

    /** Each service with its state and, when failed, why. */
    public synchronized List<ServiceStatus> status() {
        List<ServiceStatus> out = new ArrayList<>();
        for (Service s : services) {
            out.add(new ServiceStatus(s.name(), s.state(), s.failure().map(ServiceManager::describe)));
        }
        return out;
    }

    private static String describe(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    public record ServiceStatus(String name, Service.State state, Optional<String> why) {
    }
}
