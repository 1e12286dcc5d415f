package io.snapferry.testbeds.bench;

import io.snapferry.daemon.replication.RemoteEndpoints;
import io.snapferry.replication.Endpoint;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How often each call was made and how long the calls took, for seeing where a benchmark's time
 * goes: {@link #timed} wraps an object behind an interface so that every call of it (default
 * methods included: they go to the wrapped object, which may override them) is counted and timed
 * under its method's name, {@link #remotes} wraps the far side of replications (opening and
 * closing the connection count as {@code open} and {@code close}). Calls that throw count too;
 * their exception reaches the caller unchanged. Times are wall-clock, so calls made at the same
 * time on several threads add up to more than the time that passed.
 *
 * <p>Thread-safe.
 */
final class CallTimes {
    /** The count and total time of one kind of call. */
    record Tally(long calls, long nanos) {
        double seconds() {
            return nanos / 1e9;
        }
    }

    private final Map<String, Tally> tallies = new LinkedHashMap<>();

    /** Adds one call of {@code name} that took {@code nanos}. */
    synchronized void add(String name, long nanos) {
        Tally t = tallies.getOrDefault(name, new Tally(0, 0));
        tallies.put(name, new Tally(t.calls() + 1, t.nanos() + nanos));
    }

    /** The tallies so far by call name, in the order each was first made. */
    synchronized Map<String, Tally> tallies() {
        return new LinkedHashMap<>(tallies);
    }

    /** Forgets every call. */
    synchronized void clear() {
        tallies.clear();
    }

    /** {@code target} behind {@code type}, with every call counted and timed. */
    <T> T timed(Class<T> type, T target) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, method, args, target);
            }
            long t0 = System.nanoTime();
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                add(method.getName(), System.nanoTime() - t0);
            }
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private static Object objectMethod(Object proxy, Method method, Object[] args, Object target) {
        return switch (method.getName()) {
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            default -> "timed " + target;
        };
    }

    /** The far side of replications with its opening, its endpoint's calls and its closing timed. */
    RemoteEndpoints remotes(RemoteEndpoints remotes) {
        return task -> {
            long t0 = System.nanoTime();
            RemoteEndpoints.Remote remote;
            try {
                remote = remotes.open(task);
            } finally {
                add("open", System.nanoTime() - t0);
            }
            Endpoint endpoint = timed(Endpoint.class, remote.endpoint());
            return new RemoteEndpoints.Remote() {
                @Override
                public Endpoint endpoint() {
                    return endpoint;
                }

                @Override
                public void failed() {
                    remote.failed();
                }

                @Override
                public void close() throws IOException {
                    long t1 = System.nanoTime();
                    try {
                        remote.close();
                    } finally {
                        add("close", System.nanoTime() - t1);
                    }
                }
            };
        };
    }
}
