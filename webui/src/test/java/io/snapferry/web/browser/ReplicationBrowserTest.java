package io.snapferry.web.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.app.DaemonOptions;
import io.snapferry.daemon.app.Providers;
import io.snapferry.daemon.config.DataDir;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.dataset.Snapshot;
import io.snapferry.web.TestBox;
import io.snapferry.web.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * Replication in the browser: the wizard (which also creates the snapshot task), run now with the
 * result arriving in the list, the diff view, the advanced form (zstd, custom retention) refused at
 * the target field and then saved, holds on the Datasets page, reverse for disaster recovery,
 * stream verification on the Tasks page, and browsing and restoring a file of an embedded-store
 * snapshot. Screenshots go to target/screenshots.
 */
class ReplicationBrowserTest {
    static final String PASSWORD = "a long admin passphrase";

    @TempDir
    Path tmp;

    private static List<Long> guids(InMemoryDatasetProvider p, String dataset) {
        return p.listSnapshots(DatasetName.of(dataset)).stream().map(Snapshot::guid).toList();
    }

    private static JsonNode replication(WebClient api, String name) {
        WebClient.Response r = api.get("/api/v1/replications/" + name);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().path("task");
    }

    @Test
    void wizardRunDiffAdvancedFormHoldsReverseVerificationAndRestore() throws Exception {
        InMemoryDatasetProvider zfs = new InMemoryDatasetProvider(Clock.systemUTC(), "tank", "backup");
        for (String d : List.of("tank/home", "tank/home/docs", "tank/vm")) {
            zfs.createDataset(DatasetName.of(d));
        }
        zfs.write(DatasetName.of("tank/home"), "report.txt", new byte[4096]);
        // Incompressible, and sent at 1 MiB/s: the transfer takes a few seconds, and progress is reported per MiB.
        byte[] image = new byte[3 << 20];
        new java.util.Random(7).nextBytes(image);
        zfs.write(DatasetName.of("tank/vm"), "disk.img", image);
        zfs.createSnapshots(List.of(DatasetName.of("tank/vm").snapshot("auto-2026-01-01_00-00")));
        Path data = tmp.resolve("data");
        List<DatasetProvider> providers = new ArrayList<>(Providers.open(new DaemonOptions(new DataDir(data), "127.0.0.1", 0, 0, true, false)));
        providers.add(zfs);
        try (TestBox box = new TestBox(data, Clock.systemUTC(), providers);
             Browser b = Browser.start()) {
            String url = box.appliance().web().url();
            WebClient api = new WebClient(url);
            assertThat(api.post("/api/v1/setup", Map.of("username", "admin", "password", PASSWORD)).status()).isEqualTo(201);
            api.bearer(box.dataDir().adminToken());

            b.driver.get(url + "/#/login");
            b.type("#login-form input[name=username]", "admin");
            b.type("#login-form input[name=password]", PASSWORD);
            b.clickable("#login-form button[type=submit]").click();
            b.visible("#nav a[data-nav=replication]").click();
            b.visible("#no-replications");
            b.screenshot("30-replication-empty");

            // The wizard, step 1: what and where. The browser flags a target inside the source at once.
            b.clickable("#new-replication").click();
            b.visible("#wizard-steps li.active[data-step='1']");
            b.type("#w-name", "offsite");
            new Select(b.visible("#w-sources")).selectByValue("tank/home");
            assertThat(b.visible("#w-transport-note").getText()).contains("SSH page");
            b.type("#w-target", "tank/home/copy");
            b.wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#w-target-hint"), "overlaps the source tank/home"));
            b.type("#w-target", "backup/home");
            b.clickable("#w-recursive").click();
            b.wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#w-target-hint"), "Created by the first run"));
            b.screenshot("31-wizard-what-and-where");
            b.clickable("#w-next").click();

            // Step 2: a new hourly snapshot task for the source; the replication on its own daily schedule.
            b.visible("#wizard-steps li.active[data-step='2']");
            assertThat(b.visible("#r-what-new").isSelected()).isTrue();
            b.clickable("#wizard [data-for=new] button[data-preset=hourly]").click();
            b.wait.until(d -> b.all("#w-st-schedule-preview .next-runs li").size() == 3);
            b.type("#w-st-naming", "ui-%Y-%m-%d_%H-%M-%S");
            b.clickable("label[for=r-when-schedule]").click();
            b.clickable("#wizard [data-for=schedule] button[data-preset=daily]").click();
            b.wait.until(ExpectedConditions.attributeToBe(By.cssSelector("#w-schedule"), "value", "0 0 * * *"));
            b.wait.until(d -> b.all("#w-schedule-preview .next-runs li").size() == 3);
            b.fullPageScreenshot("32-wizard-when");
            b.clickable("#w-next").click();

            // Step 3: the target keeps what the source keeps.
            b.visible("#wizard-steps li.active[data-step='3']");
            assertThat(b.visible("#r-retention-SOURCE").isSelected()).isTrue();
            b.screenshot("33-wizard-retention");
            b.clickable("#w-next").click();

            // Step 4: the review, then create.
            WebElement review = b.visible("#w-review");
            b.wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#w-review"), "at 00:00 (0 0 * * *)"));
            assertThat(review.getText()).contains("offsite", "tank/home (recursive)", "backup/home", "0 * * * *", "@ui-%Y-%m-%d_%H-%M-%S",
                    "at 00:00 (0 0 * * *)", "same as the source");
            b.screenshot("34-wizard-review");
            b.clickable("#w-create").click();
            String row = "#replication-table tr[data-replication=offsite]";
            b.visible(row);
            JsonNode offsite = replication(api, "offsite");
            JsonNode tasks = api.get("/api/v1/snapshot-tasks").json();
            assertThat(tasks).hasSize(1);
            JsonNode st = tasks.get(0).path("task");
            assertThat(st.path("dataset").asText()).isEqualTo("tank/home");
            assertThat(st.path("schedule").asText()).isEqualTo("0 * * * *");
            assertThat(st.path("recursive").asBoolean()).isTrue();
            assertThat(offsite.path("snapshotTasks").get(0).asText()).isEqualTo(st.path("id").asText());
            assertThat(offsite.path("schedule").asText()).isEqualTo("0 0 * * *");
            assertThat(offsite.path("afterSnapshotTask").asBoolean()).isFalse();
            assertThat(offsite.path("retention").path("mode").asText()).isEqualTo("SOURCE");
            assertThat(b.visible(row + " .last-run").getText()).contains("never run");

            // A snapshot, then run now: the result arrives in the list by itself.
            WebClient.Response snap = api.post("/api/v1/snapshot-tasks/" + st.path("id").asText() + "/run?wait=true", null);
            assertThat(snap.json().path("state").asText()).as(snap.body()).isEqualTo("SUCCEEDED");
            b.clickable(row + " button[data-action=run]").click();
            WebElement badge = b.visible(row + " .last-run [data-state=SUCCEEDED]");
            assertThat(badge.getText()).isEqualTo("succeeded");
            assertThat(b.visible(row + " .last-run").getText()).contains("replicated");
            assertThat(guids(zfs, "backup/home")).isEqualTo(guids(zfs, "tank/home")).hasSize(1);
            assertThat(guids(zfs, "backup/home/docs")).isEqualTo(guids(zfs, "tank/home/docs"));
            assertThat(zfs.read(DatasetName.of("backup/home"), "report.txt")).hasSize(4096);
            b.screenshot("35-replication-list");

            // The diff: the common base and a newer snapshot waiting on the source.
            zfs.createSnapshots(List.of(DatasetName.of("tank/home").snapshot("ui-2099-01-01_00-00-00")));
            b.clickable(row + " button[data-action=diff]").click();
            WebElement card = b.visible(".diff-card[data-source='tank/home']");
            String common = zfs.listSnapshots(DatasetName.of("backup/home")).get(0).shortName();
            assertThat(card.findElement(By.cssSelector(".diff-common")).getText()).contains("@" + common);
            assertThat(b.all(".diff-card[data-source='tank/home'] .source-only li")).extracting(WebElement::getText)
                    .containsExactly("@ui-2099-01-01_00-00-00");
            assertThat(card.getText()).contains("behind", "Nothing the source lacks.");
            assertThat(b.all(".diff-card")).hasSize(2);
            b.fullPageScreenshot("36-replication-diff");

            // The advanced form: zstd and custom retention; the server refuses a target inside the source, at the target field.
            b.clickable("#nav a[data-nav=replication]").click();
            b.clickable("#new-advanced").click();
            b.visible("#advanced-form");
            b.type("#a-name", "vm-copy");
            b.type("#a-sources", "tank/vm");
            b.type("#a-target", "tank/vm/copy");
            b.type("#a-naming", "auto-%Y-%m-%d_%H-%M");
            new Select(b.visible("#a-compression")).selectByValue("ZSTD");
            new Select(b.visible("#a-retention-mode")).selectByValue("CUSTOM");
            b.type("#a-lifetime", "4w");
            b.type("#a-keep", "daily=7");
            b.type("#a-bandwidth", "1M");
            b.clickable("#a-save").click();
            WebElement err = b.visible("#advanced-form .field-error[data-error-for=target]");
            assertThat(err.getText()).contains("overlaps source tank/vm");
            assertThat(api.get("/api/v1/replications/vm-copy").status()).isEqualTo(404);
            b.fullPageScreenshot("37-advanced-form-error");
            b.type("#a-target", "backup/vm");
            b.clickable("#a-save").click();
            String vmRow = "#replication-table tr[data-replication=vm-copy]";
            assertThat(b.visible(vmRow).getText()).contains("ZSTD", "tank/vm", "backup/vm", "by hand only", "for 4w", "keep daily=7");
            JsonNode vm = replication(api, "vm-copy");
            assertThat(vm.path("compression").asText()).isEqualTo("ZSTD");
            assertThat(vm.path("bandwidthLimit").asText()).isEqualTo("1M");
            assertThat(vm.path("retention").path("mode").asText()).isEqualTo("CUSTOM");
            assertThat(vm.path("retention").path("lifetime").asText()).isEqualTo("4w");
            assertThat(vm.path("naming").get(0).asText()).isEqualTo("auto-%Y-%m-%d_%H-%M");

            // Edit shows what is saved; disable from the list.
            b.clickable(vmRow + " button[data-action=edit]").click();
            b.wait.until(ExpectedConditions.attributeToBe(By.cssSelector("#a-target"), "value", "backup/vm"));
            assertThat(new Select(b.visible("#a-compression")).getFirstSelectedOption().getAttribute("value")).isEqualTo("ZSTD");
            assertThat(b.visible("#a-name").isEnabled()).isFalse();
            b.type("#a-retries", "3");
            b.clickable("#a-save").click();

            // Run now: the progress bar with bytes, rate and time left while it runs, then the result.
            b.clickable(vmRow + " button[data-action=run]").click();
            String progress = b.wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(d -> {
                String text = d.findElement(By.cssSelector(vmRow + " .progress")).getText();
                return text.matches("(?s).*\\d (KiB|MiB)/s.*") ? text : null;
            });
            assertThat(progress).contains("tank/vm", "auto-2026-01-01_00-00").containsPattern("\\d+(\\.\\d+)? MiB( of [\\d.]+ \\w+)? · ");
            // a zstd stream's size cannot be known in advance: no guessed ETA
            assertThat(progress).contains("time left unknown (no size estimate)");
            b.screenshot("38-replication-progress");
            b.visible(vmRow + " .last-run [data-state=SUCCEEDED]");
            b.gone(vmRow + " .progress");
            assertThat(zfs.read(DatasetName.of("backup/vm"), "disk.img")).isEqualTo(image);
            b.clickable(vmRow + " button[data-action=disable]").click();
            b.wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(vmRow), "disabled"));
            assertThat(replication(api, "vm-copy").path("retries").asInt()).isEqualTo(3);
            assertThat(replication(api, "vm-copy").path("enabled").asBoolean()).isFalse();

            // The wizard with a name that is taken: the server's error shows at the name on step 1, and
            // the snapshot task the wizard made for it is deleted again.
            b.clickable("#new-replication").click();
            b.type("#w-name", "offsite");
            new Select(b.visible("#w-sources")).selectByValue("tank/vm");
            b.type("#w-target", "backup/vm2");
            b.clickable("#w-next").click();
            b.visible("#wizard-steps li.active[data-step='2']");
            b.clickable("label[for=r-when-manual]").click();
            b.clickable("#w-next").click();
            b.visible("#wizard-steps li.active[data-step='3']");
            b.clickable("label[for=r-retention-NONE]").click();
            b.clickable("#w-next").click();
            b.wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#w-review"), "every hour (0 * * * *)"));
            assertThat(b.visible("#w-review").getText()).contains("by hand only", "keep all");
            b.clickable("#w-create").click();
            assertThat(b.visible("#wizard .field-error[data-error-for=name]").getText()).contains("a replication named offsite exists already");
            b.visible("#wizard-steps li.active[data-step='1']");
            assertThat(api.get("/api/v1/snapshot-tasks").json()).as("no snapshot task left behind").hasSize(1);
            b.screenshot("39-wizard-server-error");
            b.clickable("#w-cancel").click();

            // Reverse for disaster recovery: confirmed, then what to do next.
            b.clickable(row + " button[data-action=reverse]").click();
            assertThat(b.visible("dialog").getText()).contains("offsite-reverse", "runs only by hand");
            b.clickable("dialog button[type=submit]").click();
            assertThat(b.visible("#reverse-next").getText()).contains("Run offsite-reverse");
            b.screenshot("40-reverse-next-steps");
            b.clickable("dialog .dialog-actions button").click();
            b.gone("dialog");
            JsonNode reverse = replication(api, "offsite-reverse");
            assertThat(reverse.path("sources").get(0).asText()).isEqualTo("backup/home");
            assertThat(reverse.path("target").asText()).isEqualTo("tank/home");
            b.clickable("#replication-table tr[data-replication=offsite-reverse] button[data-action=delete]").click();
            b.clickable("dialog button[type=submit]").click();
            b.gone("#replication-table tr[data-replication=offsite-reverse]");
            b.screenshot("41-replication-list-final");

            // The hold the replication placed, on the Datasets page.
            b.clickable("#nav a[data-nav=datasets]").click();
            b.clickable("#dataset-tree [data-dataset='tank/home']").click();
            WebElement hold = b.visible("#hold-table tr[data-tag=snapferry-repl-offsite]");
            assertThat(hold.getText()).contains("@" + common, "replication offsite");
            b.visible("#snapshot-table tr[data-snapshot='tank/home@ui-2099-01-01_00-00-00']");
            assertThat(b.all("#snapshot-table button[data-action=browse]")).as("browse is for embedded-store pools only").isEmpty();
            b.screenshot("42-datasets-holds");

            // Verification reports on the Tasks page.
            b.clickable("#nav a[data-nav=tasks]").click();
            b.visible("#verification-table tr[data-result=ok]");
            assertThat(b.visible("#verification-table").getText()).contains("backup/home", "verified");
            b.fullPageScreenshot("43-tasks-verification");

            // An embedded-store snapshot: browse its tree, open a directory, restore a file.
            assertThat(api.post("/api/v1/datasets", Map.of("name", "local/docs")).status()).isEqualTo(201);
            Path mount = null;
            for (JsonNode d : api.get("/api/v1/datasets").json()) {
                if (d.path("name").asText().equals("local/docs")) {
                    mount = Path.of(d.path("mountpoint").asText());
                }
            }
            assertThat(mount).isNotNull();
            Files.createDirectories(mount.resolve("letters"));
            Files.writeString(mount.resolve("letters/a.txt"), "first draft");
            Files.writeString(mount.resolve("notes.txt"), "keep me");
            assertThat(api.post("/api/v1/snapshots", Map.of("dataset", "local/docs", "name", "before")).status()).isEqualTo(201);
            Files.writeString(mount.resolve("letters/a.txt"), "ruined");
            b.clickable("#nav a[data-nav=replication]").click();
            b.clickable("#nav a[data-nav=datasets]").click();
            b.clickable("#dataset-tree [data-dataset='local/docs']").click();
            b.clickable("#snapshot-table tr[data-snapshot='local/docs@before'] button[data-action=browse]").click();
            b.visible("#browse-table tr[data-entry='notes.txt']");
            b.clickable("#browse-table tr[data-entry=letters] .entry-dir").click();
            b.visible("#browse-path button[data-path='/letters']");
            WebElement file = b.visible("#browse-table tr[data-entry='a.txt']");
            assertThat(file.getText()).contains("11 B");
            b.screenshot("44-browse-snapshot");
            file.findElement(By.cssSelector("button[data-action=restore]")).click();
            Path restored = tmp.resolve("restored-a.txt");
            b.wait.until(d -> b.all("dialog").size() == 2);
            WebElement dest = b.visible("dialog:last-of-type input[name=destination]");
            dest.clear();
            dest.sendKeys(restored.toString());
            b.screenshot("45-restore-file");
            b.clickable("dialog:last-of-type button[type=submit]").click();
            b.wait.until(d -> b.all("dialog").size() == 1);
            assertThat(Files.readString(restored)).isEqualTo("first draft");
            // Restoring onto an existing path is refused in the dialog, and nothing is written.
            b.clickable("#browse-table tr[data-entry='a.txt'] button[data-action=restore]").click();
            b.wait.until(d -> b.all("dialog").size() == 2);
            b.type("dialog:last-of-type input[name=destination]", restored.toString());
            b.clickable("dialog:last-of-type button[type=submit]").click();
            assertThat(b.visible("dialog:last-of-type .field-error, dialog:last-of-type .form-error").getText()).contains("exists");
            assertThat(Files.readString(restored)).isEqualTo("first draft");

            List<String> severe = b.driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                    .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
                    .map(LogEntry::getMessage)
                    .filter(m -> !m.contains("Failed to load resource: the server responded with a status of"))
                    .toList();
            assertThat(severe).as("script errors or policy violations in the browser console").isEmpty();
        }
    }
}
