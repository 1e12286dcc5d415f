package io.snapferry.cli;

import io.snapferry.daemon.app.Appliance;
import io.snapferry.daemon.app.DaemonOptions;
import io.snapferry.daemon.app.Providers;
import io.snapferry.daemon.config.DataDir;
import io.snapferry.daemon.systemd.SystemdNotify;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code snapferry daemon}: runs the appliance in the foreground until SIGTERM or SIGINT. */
final class DaemonCommand {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonCommand.class);

    private DaemonCommand() {
    }

    static int run(List<String> words, Optional<String> data, PrintStream out, PrintStream err) throws IOException {
        Args a = Args.parse(words, Set.of("web-port", "ssh-port", "bind"), Set.of("http", "no-zfs", "exit-when-ready"));
        a.expectPositional(0, "snapferry daemon [--data DIR] [--web-port N] [--ssh-port N] [--bind ADDR] [--http] [--no-zfs]"
                + " [--exit-when-ready]");
        DataDir dir = DataDir.resolve(data);
        DaemonOptions options = new DaemonOptions(dir, a.value("bind").orElse("0.0.0.0"),
                a.intValue("web-port", DaemonOptions.DEFAULT_WEB_PORT, 0, 65535),
                a.intValue("ssh-port", DaemonOptions.DEFAULT_SSH_PORT, 0, 65535),
                !a.flag("http"), !a.flag("no-zfs"));
        dir.create();
        Appliance appliance = new Appliance(options, Clock.systemDefaultZone(), Providers::open);
        try {
            appliance.start();
        } catch (DataDir.AlreadyRunningException e) {
            throw new CliException(e.getMessage());
        }
        if (a.flag("exit-when-ready")) {
            return exitWhenReady(appliance, dir, out);
        }
        SystemdNotify systemd = SystemdNotify.fromEnvironment();
        systemd.ready("running on " + appliance.web().url());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping");
            systemd.stopping("stopping");
            try {
                appliance.close();
            } catch (IOException | RuntimeException e) {
                LOG.warn("stop failed: {}", e.toString());
            }
            stopped.countDown();
        }, "snapferry-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * A training run (what the launchers' class-data sharing archive is made from): the daemon has
     * started; it answers {@code GET /api/v1/status} and the UI's page through its own HTTPS API,
     * as a client would ask, then stops. Tells no service manager anything.
     */
    private static int exitWhenReady(Appliance appliance, DataDir dir, PrintStream out) throws IOException {
        try {
            ApiClient api = ApiClient.connect(dir);
            api.get("/status");
            int page = api.page("/");
            out.println("started on " + appliance.web().url() + ", answered, stopping (UI page: HTTP " + page + ")");
            return page == 200 ? 0 : 1;
        } finally {
            appliance.close();
        }
    }
}
