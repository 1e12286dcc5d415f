package io.snapferry.testbeds.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.snapferry.cli.ApiClient;
import io.snapferry.daemon.config.DataDir;
import io.snapferry.daemon.systemd.NotifyReceiver;
import io.snapferry.testing.Poll;
import io.snapferry.testing.Requirements;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Installs the built .deb on this machine with dpkg, starts the service's command the way
 * snapferry.service does (its environment, its capability bounding set, no new privileges, a
 * notification socket in place of systemd's), uses it over HTTPS, stops it with SIGTERM, then purges
 * the package and checks that configuration is gone and replicated data is not.
 *
 * <p>Writes to the real /usr, /etc and /var/lib: it needs root and dpkg, refuses to touch a snapferry
 * installation it did not make, and always purges what it installed.
 */
class PackageInstallTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path DEB = Path.of(System.getProperty("snapferry.deb",
            ROOT.resolve("debian/target/snapferry_0.1.0_all.deb").toString()));
    private static final Path DATA = Path.of("/var/lib/snapferry");
    private static final Path CONF = Path.of("/etc/snapferry/snapferry.conf");
    private static final Path UNIT = Path.of("/lib/systemd/system/snapferry.service");
    private static final Path WANTS = Path.of("/etc/systemd/system/multi-user.target.wants/snapferry.service");
    /** Marks what this test wrote, so a leftover of an interrupted run can be told from a real installation. */
    private static final String MARKER = "# written by PackageInstallTest";
    private static final Path CDS_CACHE = Path.of("/var/cache/snapferry");
    private static final Path REPLICATED = DATA.resolve("pools/packaging-test/replicated.dat");
    private static final Duration DPKG = Duration.ofMinutes(3);

    @TempDir
    Path tmp;

    private Process daemon;
    /** Set once the machine is known to hold no snapferry installation but this test's. */
    private boolean ours;

    @BeforeEach
    void preconditions() throws Exception {
        Requirements.require(Requirements.isRoot(), "root");
        Requirements.require(Requirements.onPath("dpkg") && Requirements.onPath("setpriv"), "dpkg and setpriv");
        Requirements.require(Requirements.onPath("python3"), "python3");
        assertThat(DEB).as("the package built by the debian module (mvn package)").isRegularFile();
        removeLeftoversOfEarlierRuns();
        ours = true;
    }

    @AfterEach
    void purge() throws Exception {
        if (!ours) {
            return;
        }
        if (daemon != null && daemon.isAlive()) {
            daemon.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        if (installed()) {
            dpkg("--purge", "snapferry").expectSuccess();
        }
        deleteTree(DATA);
    }

    @Test
    void install_run_stop_and_purge_keeping_replicated_data() throws Exception {
        dpkg("-i", DEB.toString()).expectSuccess();

        assertThat(Path.of("/usr/bin/snapferry")).isExecutable();
        assertThat(Path.of("/usr/share/snapferry/lib/webui-0.1.0.jar")).isRegularFile();
        assertThat(Files.readString(Path.of("/usr/share/snapferry/jvm.flags")))
                .isEqualTo(Files.readString(ROOT.resolve("jvm.flags")));
        assertThat(Files.readString(UNIT)).isEqualTo(Files.readString(ROOT.resolve("systemd/snapferry.service")));
        assertThat(Commands.run(DPKG, "dpkg-query", "-W", "-f=${Conffiles}", "snapferry").expectSuccess().output())
                .contains(CONF.toString());
        assertThat(Commands.run(DPKG, "sh", "-c", "zcat /usr/share/doc/snapferry/changelog.gz | head -1").expectSuccess().output())
                .startsWith("snapferry (" + version() + ")");
        assertThat(DATA).isDirectory();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(DATA))).isEqualTo("rwx------");
        assertThat(WANTS).as("postinst enables the service").isSymbolicLink();
        Commands.run(Duration.ofMinutes(1), "systemd-analyze", "verify", UNIT.toString()).expectSuccess();

        // Free ports for this run; the marker tells an interrupted run's leftovers apart.
        Files.writeString(CONF, Files.readString(CONF)
                .replace("SNAPFERRY_WEB_PORT=8443", "SNAPFERRY_WEB_PORT=0")
                .replace("SNAPFERRY_SSH_PORT=8022", "SNAPFERRY_SSH_PORT=0")
                .replace("SNAPFERRY_BIND=0.0.0.0", "SNAPFERRY_BIND=127.0.0.1")
                + MARKER + "\n");

        try (NotifyReceiver systemd = NotifyReceiver.bind(tmp.resolve("notify").toString())) {
            Path stdout = tmp.resolve("journal.out");
            Path stderr = tmp.resolve("journal.err");
            daemon = startAsTheUnitDoes(systemd.address(), stdout, stderr);

            systemd.until("READY=1", Duration.ofSeconds(120));
            assertThat(daemon.isAlive()).as(() -> "daemon alive; its output:\n" + output(stdout, stderr)).isTrue();
            assertThat(daemon.info().arguments().map(List::of).orElse(List.of()))
                    .contains("-Dchronicle.analytics.disable=true", "io.snapferry.cli.Main", "daemon")
                    .as("the launcher's default heap, and exit on running out of it")
                    .contains("-Xmx256m", "-XX:+ExitOnOutOfMemoryError");

            DataDir dir = new DataDir(DATA);
            DataDir.ApiAddress api = dir.apiAddress().orElseThrow();
            assertThat(api.url()).startsWith("https://127.0.0.1:");
            assertThat(api.pid()).isEqualTo(daemon.pid());
            JsonNode status = ApiClient.connect(dir).get("/status");
            assertThat(status.get("url").asText()).isEqualTo(api.url());

            // The CLI as an administrator types it: the launcher's own copy of the JVM flags.
            Commands.Result cli = Commands.run(Duration.ofMinutes(2), "env", "-u", "SNAPFERRY_JVM_FLAGS", "/usr/bin/snapferry", "status");
            assertThat(cli.exit()).as(cli.output()).isZero();

            long stopAsked = System.nanoTime();
            daemon.destroy(); // SIGTERM, as systemctl stop sends
            assertThat(daemon.waitFor(10, TimeUnit.SECONDS)).as(() -> "stopped within 10 s; output:\n" + output(stdout, stderr)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - stopAsked)).isLessThan(Duration.ofSeconds(10));
            // SuccessExitStatus=143 in the unit: a JVM ended by SIGTERM is a clean stop.
            assertThat(daemon.exitValue()).as(() -> output(stdout, stderr)).isIn(0, 143);
            systemd.until("STOPPING=1", Duration.ofSeconds(10));
            assertThat(dir.apiAddress()).isEmpty();

            List<String> journal = Files.readAllLines(stdout, StandardCharsets.UTF_8);
            assertThat(journal).as("log lines on stdout").isNotEmpty();
            ObjectMapper json = new ObjectMapper();
            for (String line : journal) {
                assertThat(json.readTree(line).isObject()).as("one JSON object per line: " + line).isTrue();
            }
            assertThat(journal).anyMatch(l -> l.contains("snapferry running on"));
        }

        // The daemon's start had the class-data sharing archive made beside it; the CLI uses it,
        // and says nothing about it.
        Poll.until(Duration.ofSeconds(180), "the class-data sharing archive in " + CDS_CACHE, () -> cdsFiles().stream()
                .anyMatch(f -> f.getFileName().toString().endsWith(".jsa")) && cdsFiles().stream()
                .noneMatch(f -> f.getFileName().toString().endsWith(".writer")));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(CDS_CACHE))).isEqualTo("rwx------");
        Commands.Result help = Commands.run(Duration.ofMinutes(2), "env", "-u", "SNAPFERRY_JVM_FLAGS", "/usr/bin/snapferry", "help");
        assertThat(help.exit()).as(help.output()).isZero();
        assertThat(help.output()).startsWith("usage: snapferry").doesNotContain("warning", "CDS", "shared archive");

        // Data another box replicated here, then a purge.
        Files.createDirectories(REPLICATED.getParent());
        Files.writeString(REPLICATED, "replicated bytes\n");
        dpkg("--purge", "snapferry").expectSuccess();

        assertThat(installed()).isFalse();
        assertThat(Path.of("/etc/snapferry")).doesNotExist();
        assertThat(Path.of("/usr/bin/snapferry")).doesNotExist();
        assertThat(CDS_CACHE).as("the class-data sharing archive goes").doesNotExist();
        assertThat(WANTS).doesNotExist();
        assertThat(DATA.resolve("admin.token")).as("the daemon's settings go").doesNotExist();
        assertThat(DATA.resolve("tls")).doesNotExist();
        assertThat(Files.readString(REPLICATED)).as("replicated data stays").isEqualTo("replicated bytes\n");
    }

    private static List<Path> cdsFiles() {
        try (Stream<Path> s = Files.list(CDS_CACHE)) {
            return s.toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** ExecStart with the unit's environment and capability bounding set, without new privileges. */
    private static Process startAsTheUnitDoes(String notifySocket, Path stdout, Path stderr) throws IOException {
        UnitFile unit = UnitFile.read(UNIT);
        assertThat(unit.single("Type")).isEqualTo("notify");
        assertThat(unit.single("NoNewPrivileges")).isEqualTo("yes");
        Map<String, String> env = unit.environment();
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--no-new-privs", "--inh-caps=-all",
                "--bounding-set=" + unit.boundingSetForSetpriv(), "--",
                "sh", "-c", "umask " + unit.single("UMask") + " && exec \"$0\" \"$@\""));
        cmd.addAll(unit.execStart(env));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        pb.environment().put("LANG", "C.UTF-8");
        pb.environment().put("NOTIFY_SOCKET", notifySocket);
        pb.environment().putAll(env);
        return pb.start();
    }

    private void removeLeftoversOfEarlierRuns() throws Exception {
        if (installed()) {
            boolean leftover = Files.exists(CONF) && Files.readString(CONF).contains(MARKER);
            assertThat(leftover).as("snapferry is installed on this machine and not by this test; "
                    + "the test would replace it: purge it first (dpkg --purge snapferry)").isTrue();
            dpkg("--purge", "snapferry").expectSuccess();
        }
        if (Files.exists(DATA)) {
            List<Path> left;
            try (Stream<Path> s = Files.walk(DATA)) {
                left = s.filter(Files::isRegularFile).toList();
            }
            assertThat(left).as(DATA + " holds data this test did not write; move it away first").allMatch(REPLICATED::equals);
            deleteTree(DATA);
        }
    }

    private static boolean installed() throws Exception {
        Commands.Result r = Commands.run(DPKG, "dpkg-query", "-W", "-f=${db:Status-Abbrev}", "snapferry");
        return r.exit() == 0 && r.output().startsWith("i");
    }

    /** dpkg, retried while another process holds the dpkg lock. */
    private static Commands.Result dpkg(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("dpkg"));
        cmd.addAll(List.of(args));
        Commands.Result[] last = new Commands.Result[1];
        Poll.until(DPKG, "dpkg " + String.join(" ", args) + " without a lock held by another process", () -> {
            try {
                last[0] = Commands.run(DPKG, cmd.toArray(String[]::new));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            return !(last[0].exit() != 0 && last[0].output().contains("lock"));
        });
        return last[0];
    }

    private static String version() throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        int at = pom.indexOf("<artifactId>snapferry-parent</artifactId>");
        int from = pom.indexOf("<version>", at) + "<version>".length();
        return pom.substring(from, pom.indexOf("</version>", from));
    }

    private static String output(Path stdout, Path stderr) {
        try {
            return "stdout:\n" + Files.readString(stdout) + "\nstderr:\n" + Files.readString(stderr);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

}
