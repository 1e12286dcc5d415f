package io.snapferry.zfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The error table, from messages zfs-fuse 0.7.0 printed when each failure was provoked by hand
 * (the command is given beside each), plus a few OpenZFS phrasings of the same failures.
 */
class ZfsErrorsTest {

    static Stream<Arguments> realMessages() {
        return Stream.of(
                // zfs list / get / rollback / hold of something missing
                Arguments.of("cannot open 'sftmanual/nope': dataset does not exist\n", ErrorCode.NOT_FOUND),
                Arguments.of("cannot open 'sftmanual/e@nope': dataset does not exist\n", ErrorCode.NOT_FOUND),
                Arguments.of("cannot hold 'sftmanual/e@nope': dataset does not exist\n", ErrorCode.NOT_FOUND),
                Arguments.of("cannot release 't9' from 'sftmanual/e@nope': dataset does not exist\n", ErrorCode.NOT_FOUND),
                Arguments.of("cannot release 't9' from 'sftmanual/e@1': no such tag on this dataset\n", ErrorCode.NOT_FOUND),
                Arguments.of("cannot open 'nope': no such pool\n", ErrorCode.NOT_FOUND),
                Arguments.of("WARNING: could not send sftmanual/e@nope: does not exist\n", ErrorCode.NOT_FOUND),
                Arguments.of("warning: cannot send 'sftmanual/e@2': incremental source (@nope) does not exist\n", ErrorCode.NOT_FOUND),
                Arguments.of("cannot create 'sftmanual/x/y': parent does not exist\n", ErrorCode.NOT_FOUND),
                Arguments.of("cannot open 'sftmanual/r2/x': dataset does not exist\n"
                        + "cannot receive new filesystem stream: dataset does not exist\n", ErrorCode.NOT_FOUND),
                // existing things
                Arguments.of("cannot create 'sftmanual/e': dataset already exists\n", ErrorCode.ALREADY_EXISTS),
                Arguments.of("cannot create snapshot 'sftmanual/e@1': dataset already exists\n", ErrorCode.ALREADY_EXISTS),
                Arguments.of("cannot create snapshot 'sftmanual/q/w@x': dataset already exists\nno snapshots were created\n",
                        ErrorCode.ALREADY_EXISTS),
                Arguments.of("cannot hold 'sftmanual/e@1': tag already exists on this dataset\n", ErrorCode.ALREADY_EXISTS),
                Arguments.of("cannot receive new filesystem stream: destination 'sftmanual/r' exists\n"
                        + "must specify -F to overwrite it\n", ErrorCode.ALREADY_EXISTS),
                Arguments.of("cannot receive new filesystem stream: destination has snapshots (eg. sftmanual/e@1)\n"
                        + "must destroy them to overwrite it\n", ErrorCode.ALREADY_EXISTS),
                Arguments.of("cannot rename 'sftmanual/e': dataset already exists\n", ErrorCode.ALREADY_EXISTS),
                // busy: held, clones, children, mounted and in use, newer snapshots
                Arguments.of("cannot destroy 'sftmanual/e@1': dataset is busy\n", ErrorCode.BUSY),
                Arguments.of("cannot destroy 'sftmanual/e@2': snapshot has dependent clones\n"
                        + "use '-R' to destroy the following datasets:\nsftmanual/cl\n", ErrorCode.BUSY),
                Arguments.of("cannot destroy 'sftmanual/e': filesystem has dependent clones\n"
                        + "use '-R' to destroy the following datasets:\nsftmanual/cl\n", ErrorCode.BUSY),
                Arguments.of("cannot destroy 'sftmanual/e': filesystem has children\n"
                        + "use '-r' to destroy the following datasets:\nsftmanual/e@1\n", ErrorCode.BUSY),
                Arguments.of("umount: /tmp/zx/mnt/c: target is busy.\n"
                        + "cannot unmount '/tmp/zx/mnt/c': umount failed: umount child process failed\n", ErrorCode.BUSY),
                Arguments.of("cannot rollback to 'sftmanual/e@1': more recent snapshots exist\n"
                        + "use '-r' to force deletion of the following snapshots:\nsftmanual/e@2\n", ErrorCode.BUSY),
                Arguments.of("cannot destroy 'sftsmall': pool is busy\n", ErrorCode.BUSY),
                // space
                Arguments.of("cannot create 'sftmanual/big': out of space\n", ErrorCode.NO_SPACE),
                Arguments.of("cannot receive new filesystem stream: out of space\n", ErrorCode.NO_SPACE),
                Arguments.of("cannot create snapshot 'sftsmall@s': out of space\n", ErrorCode.NO_SPACE),
                // permission: a non-root user cannot reach the zfs-fuse socket
                Arguments.of("connect: Permission denied\ninternal error: failed to initialize ZFS library\n",
                        ErrorCode.PERMISSION),
                Arguments.of("cannot create 'tank/x': permission denied\n", ErrorCode.PERMISSION),
                // the zfs-fuse daemon is not running
                Arguments.of("connect: No such file or directory\ninternal error: failed to initialize ZFS library\n",
                        ErrorCode.INTERNAL),
                // receive into a changed target
                Arguments.of("cannot receive incremental stream: destination sftmanual/c has been modified\n"
                        + "since most recent snapshot\n", ErrorCode.TARGET_MODIFIED),
                Arguments.of("cannot receive incremental stream: most recent snapshot of sftmanual/r does not\n"
                        + "match incremental source\n", ErrorCode.TARGET_MODIFIED),
                Arguments.of("cannot receive incremental stream: destination has been modified since most recent snapshot\n",
                        ErrorCode.TARGET_MODIFIED),
                // damaged streams
                Arguments.of("cannot receive incremental stream: invalid backup stream\n", ErrorCode.CORRUPT_STREAM),
                Arguments.of("cannot receive incremental stream: invalid stream (checksum mismatch)\n", ErrorCode.CORRUPT_STREAM),
                Arguments.of("cannot receive: failed to read from stream\n", ErrorCode.CORRUPT_STREAM),
                Arguments.of("cannot receive: invalid stream (bad magic number)\n", ErrorCode.CORRUPT_STREAM),
                // what this zfs cannot do
                Arguments.of("invalid option 's'\nusage:\n\treceive [-vnF] <filesystem|volume|snapshot>\n", ErrorCode.UNSUPPORTED),
                Arguments.of("unrecognized command 'bookmark'\nusage: zfs command args ...\n", ErrorCode.UNSUPPORTED),
                Arguments.of("bad property list: invalid property 'written'\nusage:\n", ErrorCode.UNSUPPORTED),
                Arguments.of("internal error: /usr/lib/zfs/pyzfs.py not found\n", ErrorCode.UNSUPPORTED),
                Arguments.of("cannot receive: stream has unsupported feature, feature flags = 24\n", ErrorCode.UNSUPPORTED),
                // wrong requests
                Arguments.of("warning: cannot send 'sftmanual/e@1': not an earlier snapshot from the same fs\n",
                        ErrorCode.INVALID_ARGUMENT),
                Arguments.of("cannot snapshot 'sftmanual/e@m2,m3': invalid character ',' in name\n", ErrorCode.INVALID_ARGUMENT),
                // anything else keeps the command's words
                Arguments.of("something nobody has seen before\n", ErrorCode.INTERNAL));
    }

    @ParameterizedTest
    @MethodSource("realMessages")
    void mapsRealMessages(String stderr, ErrorCode expected) {
        assertThat(ZfsErrors.classify(stderr)).isEqualTo(expected);
    }

    @Test
    void exceptionCarriesTheCommandsWords() {
        DatasetException e = ZfsErrors.toException("destroying tank/a@s", "cannot destroy 'tank/a@s': dataset is busy\n", 1);
        assertThat(e.code()).isEqualTo(ErrorCode.BUSY);
        assertThat(e.getMessage()).isEqualTo("destroying tank/a@s: cannot destroy 'tank/a@s': dataset is busy");
        assertThat(ZfsErrors.toException("x", "", 3).getMessage()).isEqualTo("x: exit status 3 and no message");
    }

    @Test
    void aZfsThatAcceptsEveryProbeIsModern() {
        java.util.List<java.util.List<String>> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        ZfsFeatures f = ZfsFeatures.probe("zfs", "zpool", cmd -> {
            seen.add(cmd);
            return "cannot open '%probe': invalid character '%' in name";
        });
        assertThat(f).isEqualTo(ZfsFeatures.modern());
        // every probe names the impossible dataset, or none at all, so no probe can touch a pool
        assertThat(seen).allSatisfy(cmd -> assertThat(cmd.size() <= 3 || String.join(" ", cmd).contains("%probe")).isTrue());
    }

    @Test
    void eachAnswerSetsItsOwnFeatureWhateverOrderTheProbesEndIn() {
        // zfs-fuse's answers: no -p for zfs list, no zfs holds helper, no written, no resumable receive, no send -n.
        ZfsFeatures f = ZfsFeatures.probe("zfs", "zpool", cmd -> {
            String line = String.join(" ", cmd);
            if (line.startsWith("zfs list -H -p") || line.startsWith("zfs receive -s") || line.startsWith("zfs receive -x")
                    || line.startsWith("zfs send -nvP")) {
                return "invalid option 'x'\nusage:";
            }
            if (line.startsWith("zfs holds")) {
                return "internal error: /usr/lib/zfs/pyzfs.py not found";
            }
            if (line.startsWith("zfs get -Hp written")) {
                return "bad property list: invalid property 'written'";
            }
            return "cannot open '%probe': dataset does not exist";
        });
        assertThat(f).isEqualTo(new ZfsFeatures(false, true, true, false, false, false, true, true, false, true, false));
    }

    @Test
    void probesRunAFewAtATimeAndOneRefusedOnceIsRunAgainAlone() {
        java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean refused = new java.util.concurrent.atomic.AtomicBoolean();
        ZfsFeatures f = ZfsFeatures.probe("zfs", "zpool", cmd -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                if (cmd.contains("bookmark") && refused.compareAndSet(false, true)) {
                    throw new DatasetException(ErrorCode.BUSY, "the remote refused to run a command");
                }
                return "cannot open '%probe': dataset does not exist";
            } finally {
                running.decrementAndGet();
            }
        });
        assertThat(f).isEqualTo(ZfsFeatures.modern());
        assertThat(refused).isTrue();
        assertThat(most.get()).isBetween(1, ZfsFeatures.PARALLEL_PROBES);
    }

    @Test
    void aProbeThatFailsFailsTheProbing() {
        assertThatThrownBy(() -> ZfsFeatures.probe("zfs", "zpool", cmd -> {
            if (cmd.contains("bookmark")) {
                throw new DatasetException(ErrorCode.BUSY, "the command timed out");
            }
            return "";
        })).isInstanceOf(DatasetException.class).hasMessageContaining("timed out");
    }

    @Test
    void probesRecogniseRefusals() {
        assertThat(ZfsFeatures.accepted("invalid option 'p'\nusage:")).isFalse();
        assertThat(ZfsFeatures.accepted("too many arguments\nusage:")).isFalse();
        assertThat(ZfsFeatures.accepted("internal error: /usr/lib/zfs/pyzfs.py not found")).isFalse();
        assertThat(ZfsFeatures.accepted("missing snapshot argument\nusage:")).isTrue();
        assertThat(ZfsFeatures.accepted("cannot open '%probe': dataset does not exist")).isTrue();
    }
}
