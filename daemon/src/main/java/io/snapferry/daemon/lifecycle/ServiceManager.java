package io.snapferry.daemon.lifecycle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts services in the order added and stops them in reverse. When one fails to start, the ones
 * already started are stopped again and the failure is rethrown.
 */
public final class ServiceManager {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceManager.class);
    private final List<Service> services = new ArrayList<>();

    public synchronized ServiceManager add(Service service) {
        services.add(service);
        return this;
    }

    public synchronized void startAll() {
        List<Service> started = new ArrayList<>();
        for (Service s : services) {
            try {
                s.start();
                started.add(s);
                LOG.info("service {} running", s.name());
            } catch (RuntimeException e) {
                Collections.reverse(started);
                started.forEach(ServiceManager::stopQuietly);
                throw e;
            }
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
