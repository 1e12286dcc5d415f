package io.snapferry.ssh.endpoint;

import io.snapferry.dataset.DatasetName;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a box keeps the owners of the datasets replicated into it ({@link TargetOwner}). The
 * endpoint server answers the {@code ownership} and {@code claim} requests from it, after checking
 * the peer's receive permission; the store itself checks nothing.
 *
 * <p>Implementations are safe for concurrent use: every connection of an SSH server shares one
 * store. A {@link #put} is atomic (a reader sees the old owner or the new one, never a mix) and
 * durable once it returns. A store that cannot read or write its records throws an unchecked
 * exception ({@link io.snapferry.dataset.DatasetException} with a code, or any other
 * {@link RuntimeException}, which the server reports to the peer as {@code INTERNAL}).
 */
public interface OwnershipStore {

    /** The owner recorded for {@code target}, if any. The dataset need not exist. */
    Optional<TargetOwner> get(DatasetName target);

    /** Records {@code owner} as the one source of {@code target}, replacing any previous owner. */
    void put(DatasetName target, TargetOwner owner);

    /** A store that lives in memory only: owners are forgotten when it is dropped. */
    static OwnershipStore inMemory() {
        Map<DatasetName, TargetOwner> owners = new ConcurrentHashMap<>();
        return new OwnershipStore() {
            @Override
            public Optional<TargetOwner> get(DatasetName target) {
                return Optional.ofNullable(owners.get(Objects.requireNonNull(target, "target")));
            }

            @Override
            public void put(DatasetName target, TargetOwner owner) {
                owners.put(Objects.requireNonNull(target, "target"), Objects.requireNonNull(owner, "owner"));
            }

            @Override
            public String toString() {
                return "OwnershipStore.inMemory" + owners;
            }
        };
    }
}
