package io.snapferry.daemon.app;

import io.snapferry.daemon.replication.RemoteEndpoints;

/**
 * Lets the benchmarks in {@code io.snapferry.testbeds.bench} build the far side of ssh and ssh-zfs
 * replications exactly as the appliance does ({@code SshRemotes}, private to this package), so that
 * they can wrap it (to time the calls a run makes) and hand it back with
 * {@link Appliance#setRemoteEndpoints}.
 */
public final class RemotesForBench {
    private RemotesForBench() {
    }

    /** The remote endpoints {@code appliance} uses, over its own SSH manager. */
    public static RemoteEndpoints of(Appliance appliance) {
        return new SshRemotes(appliance.ssh(), appliance.dataDir().state().resolve("ownership-zfs-hosts"));
    }
}
