package io.snapferry.zfs;

import jnr.ffi.Pointer;
import jnr.ffi.byref.PointerByReference;

/**
 * The {@code libzfs_core} functions snapferry binds through JNR-FFI (OpenZFS 0.8 and later
 * signatures). Every {@code nvlist_t *} is a {@link Pointer}; {@code errlist} out-parameters
 * receive an nvlist of snapshot name to errno that the caller frees. The functions return 0 or an
 * errno. Loaded only by {@link ZfsProviders}, and only where {@code /dev/zfs} exists.
 *
 * <p>{@link ZfsCommandProvider} calls {@code lzc_exists}, {@code lzc_snapshot},
 * {@code lzc_destroy_snaps}, {@code lzc_hold} and {@code lzc_release}; send, receive and
 * bookmarks stay on the {@code zfs} command, whose streams and errors it already handles. The other
 * bindings are declared for completeness and are not called.
 */
public interface LibZfsCore {
    int libzfs_core_init();

    void libzfs_core_fini();

    /** {@code boolean_t lzc_exists(const char *dataset)}: non-zero when it exists. */
    int lzc_exists(String dataset);

    /** {@code snaps}: name to boolean; all are created atomically or none. */
    int lzc_snapshot(Pointer snaps, Pointer props, PointerByReference errlist);

    /** {@code snaps}: name to boolean; {@code defer} is a boolean_t. */
    int lzc_destroy_snaps(Pointer snaps, int defer, PointerByReference errlist);

    /** {@code bookmarks}: bookmark name to snapshot name. */
    int lzc_bookmark(Pointer bookmarks, PointerByReference errlist);

    /** {@code holds}: snapshot name to tag; {@code cleanupFd} -1 for holds that outlive the process. */
    int lzc_hold(Pointer holds, int cleanupFd, PointerByReference errlist);

    /** {@code holds}: snapshot name to an nvlist of tag to boolean. */
    int lzc_release(Pointer holds, PointerByReference errlist);

    /** {@code flags}: the {@code enum lzc_send_flags} bits. */
    int lzc_send(String snapname, String fromsnap, int fd, int flags);

    int lzc_send_resume(String snapname, String fromsnap, int fd, int flags, long resumeobj, long resumeoff);

    /** {@code force} and {@code raw} are boolean_t. */
    int lzc_receive(String snapname, Pointer props, String origin, int force, int raw, int fd);

    /** The nvlist functions of {@code libnvpair} that building arguments and reading errlists need. */
    interface NvPair {
        int NV_UNIQUE_NAME = 1;

        int nvlist_alloc(PointerByReference nvl, int nvflag, int kmflag);

        void nvlist_free(Pointer nvl);

        int nvlist_add_boolean(Pointer nvl, String name);

        int nvlist_add_string(Pointer nvl, String name, String value);

        int nvlist_add_nvlist(Pointer nvl, String name, Pointer value);

        Pointer nvlist_next_nvpair(Pointer nvl, Pointer previous);

        String nvpair_name(Pointer pair);

        int nvpair_value_int32(Pointer pair, jnr.ffi.byref.IntByReference value);
    }
}
