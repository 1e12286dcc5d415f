package io.snapferry.zfs;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.SnapshotName;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.PointerByReference;

/** {@link LzcOperations} on the loaded {@link LibZfsCore}; errnos become {@link ErrorCode}s. */
final class LzcBackend implements LzcOperations {
    private final LibZfsCore lzc;
    private final LibZfsCore.NvPair nv;

    LzcBackend(LibZfsCore lzc, LibZfsCore.NvPair nv) {
        this.lzc = lzc;
        this.nv = nv;
    }

    /** The code for an errno from libzfs_core (Linux numbering). */
    static ErrorCode code(int errno) {
        return switch (errno) {
            case 2, 3 -> ErrorCode.NOT_FOUND; // ENOENT, ESRCH (no such hold)
            case 17 -> ErrorCode.ALREADY_EXISTS; // EEXIST
            case 16 -> ErrorCode.BUSY; // EBUSY
            case 28, 122 -> ErrorCode.NO_SPACE; // ENOSPC, EDQUOT
            case 1, 13 -> ErrorCode.PERMISSION; // EPERM, EACCES
            case 95, 38 -> ErrorCode.UNSUPPORTED; // ENOTSUP, ENOSYS
            case 18, 22 -> ErrorCode.INVALID_ARGUMENT; // EXDEV (across pools), EINVAL
            default -> ErrorCode.INTERNAL;
        };
    }

    @Override
    public boolean exists(String name) {
        return lzc.lzc_exists(name) != 0;
    }

    @Override
    public void snapshot(List<SnapshotName> snapshots) {
        withList(l -> snapshots.forEach(s -> nv.nvlist_add_boolean(l, s.toString())),
                (l, err) -> check("creating snapshots " + snapshots, lzc.lzc_snapshot(l, null, err), err));
    }

    @Override
    public void destroy(SnapshotName snapshot) {
        withList(l -> nv.nvlist_add_boolean(l, snapshot.toString()),
                (l, err) -> check("destroying " + snapshot, lzc.lzc_destroy_snaps(l, 0, err), err));
    }

    @Override
    public void hold(SnapshotName snapshot, String tag) {
        withList(l -> nv.nvlist_add_string(l, snapshot.toString(), tag),
                (l, err) -> check("holding " + snapshot + " with '" + tag + "'", lzc.lzc_hold(l, -1, err), err));
    }

    @Override
    public void release(SnapshotName snapshot, String tag) {
        Pointer tags = alloc();
        try {
            nv.nvlist_add_boolean(tags, tag);
            withList(l -> nv.nvlist_add_nvlist(l, snapshot.toString(), tags),
                    (l, err) -> check("releasing '" + tag + "' on " + snapshot, lzc.lzc_release(l, err), err));
        } finally {
            nv.nvlist_free(tags);
        }
    }

    private interface Call {
        void run(Pointer list, PointerByReference errlist);
    }

    private Pointer alloc() {
        PointerByReference ref = new PointerByReference();
        int rc = nv.nvlist_alloc(ref, LibZfsCore.NvPair.NV_UNIQUE_NAME, 0);
        if (rc != 0) {
            throw new DatasetException(ErrorCode.INTERNAL, "nvlist_alloc failed with errno " + rc);
        }
        return ref.getValue();
    }

    private void withList(Consumer<Pointer> fill, Call call) {
        Pointer list = alloc();
        PointerByReference err = new PointerByReference();
        try {
            fill.accept(list);
            call.run(list, err);
        } finally {
            nv.nvlist_free(list);
            if (err.getValue() != null && err.getValue().address() != 0) {
                nv.nvlist_free(err.getValue());
            }
        }
    }

    private void check(String what, int rc, PointerByReference errlist) {
        if (rc == 0) {
            return;
        }
        List<String> details = new ArrayList<>();
        int first = rc;
        Pointer list = errlist.getValue();
        if (list != null && list.address() != 0) {
            for (Pointer p = nv.nvlist_next_nvpair(list, null); p != null && p.address() != 0; p = nv.nvlist_next_nvpair(list, p)) {
                IntByReference e = new IntByReference();
                if (nv.nvpair_value_int32(p, e) == 0) {
                    details.add(nv.nvpair_name(p) + ": errno " + e.getValue());
                    if (first == rc) {
                        first = e.getValue();
                    }
                }
            }
        }
        throw new DatasetException(code(first), what + ": libzfs_core returned errno " + rc
                + (details.isEmpty() ? "" : " " + details));
    }
}
