package io.snapferry.daemon.app;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.DatasetProviderContract;
import io.snapferry.ssh.OpenSshd;
import io.snapferry.ssh.client.SshConnection;
import io.snapferry.ssh.client.SshConnector;
import io.snapferry.ssh.client.SshSession;
import io.snapferry.ssh.endpoint.EndpointIdentity;
import io.snapferry.ssh.keys.KeyInfo;
import io.snapferry.ssh.keys.KeyPairs;
import io.snapferry.testing.Requirements;
import io.snapferry.zfs.ZfsCommandProvider;
import io.snapferry.zfs.ZfsTestPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The transport ssh-zfs: the ZFS provider driving a stock ZFS host's commands over OpenSSH
 * (here: this machine's zfs-fuse behind a real sshd on loopback) keeps the whole dataset contract.
 */
class ZfsOverSshContractTest extends DatasetProviderContract {
    private static ZfsTestPool pool;
    private static OpenSshd sshd;
    private static SshSession session;
    private static ZfsCommandProvider provider;
    private static Path dir;
    private static final AtomicInteger N = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        Requirements.require(Requirements.onPath("sshd"), "OpenSSH server (sshd)");
        pool = ZfsTestPool.create();
        dir = Files.createTempDirectory("zfs-over-ssh");
        KeyPairs keys = new KeyPairs(dir.resolve("keys"));
        KeyInfo key = keys.generate("client");
        sshd = OpenSshd.start(dir.resolve("sshd"), List.of(key.publicKey()));
        SshConnector connector = new SshConnector(keys, new EndpointIdentity("box-test", "test"));
        session = connector.open(new SshConnection("zfs-host", "127.0.0.1", sshd.port(), "root", "client", sshd.hostPublicKey(),
                Duration.ofSeconds(10), List.of()));
        provider = new ZfsCommandProvider("zfs", "zpool", Duration.ofMinutes(2), new SshCommandLauncher(session));
    }

    @AfterAll
    static void stop() throws IOException {
        if (session != null) {
            session.close();
        }
        if (sshd != null) {
            sshd.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    @Override
    protected DatasetProvider provider() {
        return provider;
    }

    @Override
    protected DatasetName scratch() {
        DatasetName d = pool.root().child("s" + N.incrementAndGet());
        provider.createDataset(d);
        return d;
    }

    @Override
    protected void writeFile(DatasetName dataset, String path, byte[] data) throws IOException {
        Files.write(pool.mounted(dataset).resolve(path), data);
    }

    @Override
    protected byte[] readFile(DatasetName dataset, String path) throws IOException {
        Path f = pool.mounted(dataset).resolve(path);
        return Files.exists(f) ? Files.readAllBytes(f) : null;
    }
}
