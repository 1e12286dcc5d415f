package io.snapferry.zfs;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.testing.Requirements;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** How the libzfs_core path is chosen or refused; here there is no /dev/zfs and no libzfs_core. */
class ZfsProvidersTest {

    @Test
    void withoutDevZfsTheReasonNamesIt() {
        ZfsProviders.Loaded l = ZfsProviders.loadLzc(Path.of("/nonexistent/dev/zfs"), "zfs_core", "nvpair");
        assertThat(l.availability().available()).isFalse();
        assertThat(l.backend()).isEmpty();
        assertThat(l.availability().reason()).contains("/nonexistent/dev/zfs").contains("does not exist");
    }

    @Test
    void onThisMachineLibzfsCoreIsNotUsable() {
        ZfsProviders.LzcAvailability a = ZfsProviders.lzcAvailability();
        if (!Files.exists(ZfsProviders.DEV_ZFS)) {
            assertThat(a.available()).isFalse();
            assertThat(a.reason()).contains("/dev/zfs");
        } else {
            assertThat(a.reason()).isNotBlank();
        }
    }

    @Test
    void aLibraryThatDoesNotLoadIsAReasonNotAnException(@TempDir Path dir) throws IOException {
        Path dev = Files.createFile(dir.resolve("zfs"));
        ZfsProviders.Loaded l = ZfsProviders.loadLzc(dev, "zfs_core_not_installed_here", "nvpair");
        assertThat(l.availability().available()).isFalse();
        assertThat(l.availability().reason()).contains("libzfs_core").contains("libzfs_core_not_installed_here");
    }

    @Test
    void openFallsBackToTheCommandsWithOneLogLine(@TempDir Path dir) throws IOException {
        Requirements.require(ZfsTestPool.zfsAvailable(), "zfs-fuse (zfs and a working 'zpool list')");
        Logger logger = (Logger) LoggerFactory.getLogger(ZfsProviders.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        try {
            Path dev = Files.createFile(dir.resolve("zfs"));
            ZfsCommandProvider p = ZfsProviders.open(ZfsCommandProvider.defaultBinary("zfs"),
                    ZfsCommandProvider.defaultBinary("zpool"), Duration.ofMinutes(1), dev, "zfs_core_not_installed_here", "nvpair");
            assertThat(p.toString()).doesNotContain("libzfs_core");
            assertThat(p.kind()).isEqualTo("zfs");
            assertThat(events.list).hasSize(1);
            assertThat(events.list.get(0).getFormattedMessage()).startsWith("ZFS via the zfs command only: ")
                    .contains("libzfs_core_not_installed_here");
        } finally {
            logger.detachAppender(events);
        }
    }

    @Test
    void aMissingZfsBinaryIsAClearError() {
        io.snapferry.dataset.DatasetException e = org.assertj.core.api.Assertions.catchThrowableOfType(
                io.snapferry.dataset.DatasetException.class, () -> new ZfsCommandProvider("/nonexistent/bin/zfs", "zpool"));
        assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(e.getMessage()).contains("/nonexistent/bin/zfs");
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(io.snapferry.dataset.DatasetException.class,
                () -> new ZfsCommandProvider("-rf", "zpool")).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }

    @Test
    void errnosMapToCodes() {
        assertThat(LzcBackend.code(2)).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(LzcBackend.code(3)).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(LzcBackend.code(17)).isEqualTo(ErrorCode.ALREADY_EXISTS);
        assertThat(LzcBackend.code(16)).isEqualTo(ErrorCode.BUSY);
        assertThat(LzcBackend.code(28)).isEqualTo(ErrorCode.NO_SPACE);
        assertThat(LzcBackend.code(1)).isEqualTo(ErrorCode.PERMISSION);
        assertThat(LzcBackend.code(95)).isEqualTo(ErrorCode.UNSUPPORTED);
        assertThat(LzcBackend.code(18)).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(LzcBackend.code(5)).isEqualTo(ErrorCode.INTERNAL);
    }
}
