package io.snapferry.ssh.endpoint;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.SnapshotName;
import java.util.List;
import java.util.Optional;

/** A request of the endpoint protocol, as decoded and validated by {@link Messages}. */
public sealed interface Request {

    /** The operation name on the wire. */
    String op();

    /** The lowest protocol version that has this operation. */
    default int since() {
        return 1;
    }

    record Hello(List<Integer> versions, EndpointIdentity identity) implements Request {
        public Hello {
            versions = List.copyOf(versions);
        }

        public String op() {
            return "hello";
        }
    }

    record ListDatasets(Optional<DatasetName> root) implements Request {
        public String op() {
            return "listDatasets";
        }
    }

    record ListSnapshots(DatasetName dataset) implements Request {
        public String op() {
            return "listSnapshots";
        }
    }

    /**
     * Pull: the server sends a stream. With {@code resend} (protocol 4) the client may ask for
     * frames of it again ({@link Frames#RESEND}) when the server's answer agrees.
     */
    record Send(SendRequest request, boolean resend) implements Request {
        public Send(SendRequest request) {
            this(request, false);
        }

        public String op() {
            return "send";
        }
    }

    /**
     * Push: the client sends a stream for the server to receive into {@code target}. With
     * {@code resend} (protocol 4) the client can send frames of the stream again when the server
     * asks ({@link Frames#RESEND}).
     */
    record Receive(DatasetName target, ReceiveOptions options, boolean resend) implements Request {
        public Receive(DatasetName target, ReceiveOptions options) {
            this(target, options, false);
        }

        public String op() {
            return "receive";
        }
    }

    record DestroySnapshots(List<SnapshotName> snapshots) implements Request {
        public DestroySnapshots {
            snapshots = List.copyOf(snapshots);
        }

        public String op() {
            return "destroySnapshots";
        }
    }

    record Hold(SnapshotName snapshot, String tag) implements Request {
        public String op() {
            return "hold";
        }
    }

    record Release(SnapshotName snapshot, String tag) implements Request {
        public String op() {
            return "release";
        }
    }

    record Holds(SnapshotName snapshot) implements Request {
        public String op() {
            return "holds";
        }
    }

    record ResumeToken(DatasetName dataset) implements Request {
        public String op() {
            return "resumeToken";
        }
    }

    record AbortReceive(DatasetName dataset) implements Request {
        public String op() {
            return "abortReceive";
        }
    }

    /** Whether a dataset holds data written since it was created but no snapshot (protocol 2). */
    record HasUnsnapshottedData(DatasetName dataset) implements Request {
        public String op() {
            return "hasUnsnapshottedData";
        }

        @Override
        public int since() {
            return 2;
        }
    }

    /** Create the missing ancestors of {@code dataset}, not the dataset itself (protocol 2). */
    record CreateParents(DatasetName dataset) implements Request {
        public String op() {
            return "createParents";
        }

        @Override
        public int since() {
            return 2;
        }
    }

    /** Who replicates into {@code dataset} (protocol 2). */
    record Ownership(DatasetName dataset) implements Request {
        public String op() {
            return "ownership";
        }

        @Override
        public int since() {
            return 2;
        }
    }

    /** Record {@code owner} as the one source of {@code dataset} (protocol 2). */
    record Claim(DatasetName dataset, TargetOwner owner) implements Request {
        public Claim {
            java.util.Objects.requireNonNull(owner, "owner");
        }

        public String op() {
            return "claim";
        }

        @Override
        public int since() {
            return 2;
        }
    }

    /**
     * The snapshots of {@code root} and every dataset below it the peer may see, in one round trip
     * (protocol 3). Answered with {@code ok} and then a stream of JSON lines, one snapshot each.
     */
    record ListSnapshotsBelow(DatasetName root) implements Request {
        public String op() {
            return "listSnapshotsBelow";
        }

        @Override
        public int since() {
            return 3;
        }
    }

    /** The hold tags of up to {@link Messages#MAX_HOLDS_OF} snapshots at once (protocol 3). */
    record HoldsOf(List<SnapshotName> snapshots) implements Request {
        public HoldsOf {
            snapshots = List.copyOf(snapshots);
        }

        public String op() {
            return "holdsOf";
        }

        @Override
        public int since() {
            return 3;
        }
    }
}
