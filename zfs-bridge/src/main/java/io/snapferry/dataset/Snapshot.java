package io.snapferry.dataset;

import java.time.Instant;

/**
 * A snapshot as listed by a provider.
 *
 * @param guid       the snapshot's identity: equal GUIDs on two boxes mean the same snapshot
 *                   (a received snapshot keeps its source's GUID)
 * @param createTxg  the creation order within the dataset: larger is newer; comparable only within one
 *                   dataset on one box
 * @param createdAt  the time the provider recorded (not the time parsed from the name)
 * @param holds      the number of user holds; a held snapshot cannot be destroyed
 */
public record Snapshot(SnapshotName name, long guid, long createTxg, Instant createdAt,
                       long used, long referenced, int holds) {
    public DatasetName dataset() {
        return name.dataset();
    }

    /** The part after '@'. */
    public String shortName() {
        return name.name();
    }
}
