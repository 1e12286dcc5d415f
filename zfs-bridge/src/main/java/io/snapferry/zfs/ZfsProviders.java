package io.snapferry.zfs;

import io.snapferry.dataset.DatasetProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import jnr.ffi.LibraryLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the ZFS provider, choosing how it reaches ZFS: through {@code libzfs_core} for snapshot,
 * destroy, hold, release and exists where {@code /dev/zfs} exists <em>and</em> the library loads and
 * initialises, otherwise through the {@code zfs} command alone. The choice is logged as exactly one
 * INFO line that says which path was taken and, for the fallback, which piece was missing.
 */
public final class ZfsProviders {
    private static final Logger LOG = LoggerFactory.getLogger(ZfsProviders.class);
    static final Path DEV_ZFS = Path.of("/dev/zfs");

    /** Whether libzfs_core is usable, and if not, why. */
    public record LzcAvailability(boolean available, String reason) {
    }

    private ZfsProviders() {
    }

    /** The provider for this machine, with {@code zfs}/{@code zpool} from PATH. */
    public static DatasetProvider open() {
        return open(ZfsCommandProvider.defaultBinary("zfs"), ZfsCommandProvider.defaultBinary("zpool"), Duration.ofMinutes(10));
    }

    /** The provider for this machine, with the given binaries and command timeout. */
    public static DatasetProvider open(String zfsBinary, String zpoolBinary, Duration commandTimeout) {
        return open(zfsBinary, zpoolBinary, commandTimeout, DEV_ZFS, "zfs_core", "nvpair");
    }

    static ZfsCommandProvider open(String zfsBinary, String zpoolBinary, Duration commandTimeout, Path devZfs,
                                   String coreLibrary, String nvpairLibrary) {
        Loaded loaded = loadLzc(devZfs, coreLibrary, nvpairLibrary);
        if (loaded.backend().isPresent()) {
            LOG.info("ZFS via libzfs_core ({} present, lib{}.so loaded) for snapshots, destroy, holds and exists; "
                    + "zfs command for the rest", devZfs, coreLibrary);
            return new ZfsCommandProvider(zfsBinary, zpoolBinary, commandTimeout, loaded.backend().get());
        }
        LOG.info("ZFS via the zfs command only: {}", loaded.availability().reason());
        return new ZfsCommandProvider(zfsBinary, zpoolBinary, commandTimeout);
    }

    /** Checks, without side effects beyond loading the library, whether libzfs_core can be used here. */
    public static LzcAvailability lzcAvailability() {
        return loadLzc(DEV_ZFS, "zfs_core", "nvpair").availability();
    }

    record Loaded(LzcAvailability availability, Optional<LzcOperations> backend) {
    }

    static Loaded loadLzc(Path devZfs, String coreLibrary, String nvpairLibrary) {
        if (!Files.exists(devZfs)) {
            return missing(devZfs + " does not exist (no ZFS kernel module; zfs-fuse provides none)");
        }
        LibZfsCore core;
        LibZfsCore.NvPair nv;
        try {
            core = LibraryLoader.create(LibZfsCore.class).failImmediately().load(coreLibrary);
        } catch (LinkageError | RuntimeException e) {
            return missing("libzfs_core (lib" + coreLibrary + ".so) could not be loaded: " + firstLine(e.getMessage()));
        }
        try {
            nv = LibraryLoader.create(LibZfsCore.NvPair.class).failImmediately().load(nvpairLibrary);
        } catch (LinkageError | RuntimeException e) {
            return missing("libnvpair (lib" + nvpairLibrary + ".so), which libzfs_core needs, could not be loaded: "
                    + firstLine(e.getMessage()));
        }
        int rc;
        try {
            rc = core.libzfs_core_init();
        } catch (LinkageError | RuntimeException e) {
            return missing("libzfs_core_init is missing from lib" + coreLibrary + ": " + firstLine(e.getMessage()));
        }
        if (rc != 0) {
            return missing("libzfs_core_init failed with errno " + rc + " (cannot open " + devZfs + "?)");
        }
        return new Loaded(new LzcAvailability(true, "libzfs_core loaded and " + devZfs + " present"),
                Optional.of(new LzcBackend(core, nv)));
    }

    private static Loaded missing(String reason) {
        return new Loaded(new LzcAvailability(false, reason), Optional.empty());
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no message";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
