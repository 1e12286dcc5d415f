package io.snapferry.web.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.dataset.Snapshot;
import io.snapferry.web.TestBox;
import io.snapferry.web.WebClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A snapshot task from the form to its runs: created with the live previews (example name, next
 * runs, retention plan), run now, its snapshot seen on the Datasets page, its runs on the Tasks
 * page (a second run arriving over Server-Sent Events without a reload), its log, an invalid edit
 * refused at the naming field, the dashboard, and deletion. Screenshots go to target/screenshots.
 */
class SnapshotTasksBrowserTest {
    static final String PASSWORD = "a long admin passphrase";

    @TempDir
    Path tmp;

    private static List<String> names(InMemoryDatasetProvider p, String dataset) {
        return p.listSnapshots(DatasetName.of(dataset)).stream().map(Snapshot::shortName).toList();
    }

    private static JsonNode task(WebClient api, String dataset) {
        for (JsonNode v : api.get("/api/v1/snapshot-tasks").json()) {
            if (v.path("task").path("dataset").asText().equals(dataset)) {
                return v.path("task");
            }
        }
        throw new AssertionError("no snapshot task on " + dataset);
    }

    @Test
    void createRunInspectEditAndDeleteASnapshotTask() throws Exception {
        InMemoryDatasetProvider provider = new InMemoryDatasetProvider(Clock.systemUTC(), "tank");
        for (String d : List.of("tank/home", "tank/home/alice", "tank/home/bob", "tank/vm")) {
            provider.createDataset(DatasetName.of(d));
        }
        for (String s : List.of("ui-2026-01-01_00-00-00", "ui-2026-01-02_00-00-00", "ui-2026-01-03_00-00-00", "manual")) {
            provider.createSnapshots(List.of(DatasetName.of("tank/home").snapshot(s)));
        }
        try (TestBox box = new TestBox(tmp.resolve("data"), Clock.systemUTC(), List.of(provider));
             Browser b = Browser.start()) {
            String url = box.appliance().web().url();
            WebClient api = new WebClient(url);
            assertThat(api.post("/api/v1/setup", Map.of("username", "admin", "password", PASSWORD)).status()).isEqualTo(201);
            api.bearer(box.dataDir().adminToken());

            // A task whose dataset vanished: its runs fail, and it is listed first.
            WebClient.Response vm = api.post("/api/v1/snapshot-tasks", Map.of("dataset", "tank/vm", "naming", "vm-%Y-%m-%d_%H-%M",
                    "schedule", "0 3 * * *"));
            assertThat(vm.status()).as(vm.body()).isEqualTo(201);
            provider.destroyDataset(DatasetName.of("tank/vm"), true);
            WebClient.Response failed = api.post("/api/v1/snapshot-tasks/" + vm.json().path("task").path("id").asText() + "/run?wait=true", null);
            assertThat(failed.json().path("state").asText()).as(failed.body()).isEqualTo("FAILED");

            b.driver.get(url + "/#/login");
            b.type("#login-form input[name=username]", "admin");
            b.type("#login-form input[name=password]", PASSWORD);
            b.clickable("#login-form button[type=submit]").click();
            b.visible("#dashboard-tasks tr[data-task]");

            // The form: live example name, schedule in words with the next runs, retention preview.
            b.clickable("#nav a[data-nav=snapshot-tasks]").click();
            assertThat(b.visible("#task-table tbody tr.row-failed").getDomAttribute("data-dataset")).isEqualTo("tank/vm");
            b.clickable("#new-task").click();
            b.visible("#task-form");
            new Select(b.visible("#f-dataset")).selectByValue("tank/home");
            b.clickable("#f-recursive").click();
            new Select(b.visible("#f-exclude")).selectByValue("tank/home/alice");
            b.type("#f-naming", "ui-%Y-%m-%d_%H-%M-%S");
            b.wait.until(d -> b.visible("#naming-example").getText().matches("Example: tank/home@ui-20\\d\\d-\\d\\d-\\d\\d_\\d\\d-\\d\\d-\\d\\d"));
            b.clickable("button[data-preset=daily]").click();
            b.wait.until(ExpectedConditions.attributeToBe(By.cssSelector("#f-schedule"), "value", "0 0 * * *"));
            b.wait.until(d -> b.all("#next-runs li").size() == 5 && b.all("#next-runs li").get(0).getText().endsWith(", 00:00"));
            b.type("#f-schedule", "*/30 * * * *");
            b.wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#schedule-description"), "30"));
            b.wait.until(d -> b.all("#next-runs li").size() == 5);
            assertThat(b.all("#next-runs li")).extracting(WebElement::getText).allMatch(t -> t.matches("\\w{3} \\d+ \\w{3} \\d{4}, \\d\\d:(00|30)"))
                    .anyMatch(t -> t.endsWith(":30"));
            assertThat(b.visible("button[data-preset=custom]").getAttribute("class")).contains("active");
            b.type("#f-keep-last", "2");
            new WebDriverWait(b.driver, Duration.ofSeconds(20))
                    .withMessage(() -> "the retention preview shows: " + b.visible("#retention-plan").getText())
                    .until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#plan-summary"), "1 destroyed"));
            assertThat(b.all("#plan-table tr[data-action=destroy]")).extracting(WebElement::getText)
                    .singleElement().asString().startsWith("@ui-2026-01-01_00-00-00");
            assertThat(names(provider, "tank/home")).as("the preview destroys nothing").contains("ui-2026-01-01_00-00-00");
            b.fullPageScreenshot("20-snapshot-task-form");

            b.clickable("#save-task").click();
            String row = "#task-table tr[data-dataset='tank/home']";
            b.visible(row);
            JsonNode task = task(api, "tank/home");
            assertThat(task.path("exclude").get(0).asText()).isEqualTo("tank/home/alice");
            assertThat(task.path("retention").path("keep").asText()).isEqualTo("last=2");
            assertThat(b.visible(row).getText()).contains("@ui-%Y-%m-%d_%H-%M-%S", "keep last=2", "enabled", "never run");
            assertThat(b.all("#task-table tbody tr")).extracting(r -> r.getDomAttribute("data-dataset"))
                    .as("failures first").containsExactly("tank/vm", "tank/home");
            assertThat(b.visible("#task-table tr[data-dataset='tank/vm'] .last-run").getText()).contains("failed", "tank/vm");
            b.screenshot("21-snapshot-tasks");

            // Run now: the dialog shows the run's result and log.
            b.clickable(row + " button[data-action=run]").click();
            long firstRunSecond = java.time.Instant.now().getEpochSecond();
            WebElement result = b.visible("dialog #run-result");
            assertThat(result.getDomAttribute("data-state")).isEqualTo("SUCCEEDED");
            String created = names(provider, "tank/home").stream().filter(n -> n.startsWith("ui-20") && !n.startsWith("ui-2026-01"))
                    .findFirst().orElseThrow();
            assertThat(result.getText()).contains("tank/home@" + created);
            assertThat(names(provider, "tank/home/bob")).contains(created);
            assertThat(names(provider, "tank/home/alice")).isEmpty();
            assertThat(names(provider, "tank/home")).as("retention kept the newest two of the schema")
                    .doesNotContain("ui-2026-01-01_00-00-00", "ui-2026-01-02_00-00-00").contains("manual");
            b.screenshot("22-run-now-result");
            b.clickable("dialog .dialog-actions button").click();
            b.gone("dialog");
            assertThat(b.visible(row + " .last-run [data-state]").getText()).isEqualTo("succeeded");

            // The snapshot on the Datasets page.
            b.clickable("#nav a[data-nav=datasets]").click();
            b.clickable("#dataset-tree [data-dataset='tank/home']").click();
            b.visible("#snapshot-table tr[data-snapshot='tank/home@" + created + "']");
            b.screenshot("23-datasets-with-task-snapshot");

            // Tasks: the run; a second run arrives over the event stream without a reload.
            b.clickable("#nav a[data-nav=tasks]").click();
            b.visible("#run-table tr[data-state=SUCCEEDED]");
            b.wait.until(ExpectedConditions.textToBe(By.cssSelector("#live-status"), "live"));
            b.driver.executeScript("window.__sameDocument = true");
            assertThat(b.all("#run-table tbody tr[data-state=SUCCEEDED]")).hasSize(1);
            assertThat(b.all("#run-table tbody tr.row-failed")).hasSize(1);
            // A second run within the same second would clash with the first one's snapshot name.
            io.snapferry.testing.Poll.until(java.time.Duration.ofSeconds(3), "the next second",
                    () -> java.time.Instant.now().getEpochSecond() > firstRunSecond + 1);
            assertThat(api.post("/api/v1/snapshot-tasks/" + task.path("id").asText() + "/run?wait=true", null).status()).isEqualTo(200);
            b.wait.until(d -> b.all("#run-table tbody tr[data-state=SUCCEEDED]").size() == 2);
            assertThat(b.driver.executeScript("return window.__sameDocument === true")).isEqualTo(Boolean.TRUE);
            b.screenshot("24-tasks");

            // The newest run's whole log.
            b.clickable("#run-table tbody tr:first-child").click();
            WebElement log = b.visible("#run-log");
            b.wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#run-log"), "created tank/home@ui-"));
            assertThat(log.getText()).contains("created tank/home/bob@ui-");
            assertThat(b.visible("#run-detail").getDomAttribute("data-state")).isEqualTo("SUCCEEDED");
            b.screenshot("25-task-run-log");

            // Edit with an invalid schema: the live preview and the server's error at the naming field.
            b.clickable("#nav a[data-nav=snapshot-tasks]").click();
            b.clickable(row + " button[data-action=edit]").click();
            b.wait.until(ExpectedConditions.attributeToBe(By.cssSelector("#f-naming"), "value", "ui-%Y-%m-%d_%H-%M-%S"));
            assertThat(new Select(b.visible("#f-exclude")).getAllSelectedOptions()).extracting(WebElement::getText)
                    .containsExactly("tank/home/alice");
            b.type("#f-naming", "ui-%Q");
            b.wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#naming-example"), "unknown conversion %Q"));
            b.clickable("#save-task").click();
            assertThat(b.visible("#task-form .field-error[data-error-for=naming]").getText()).contains("unknown conversion %Q");
            assertThat(task(api, "tank/home").path("naming").asText()).isEqualTo("ui-%Y-%m-%d_%H-%M-%S");
            b.gone("#naming-example");
            b.screenshot("26-snapshot-task-invalid-naming");

            // Disable from the list, then the dashboard's last and next runs.
            b.clickable("#task-form .form-actions button[type=button]").click();
            b.clickable(row + " button[data-action=disable]").click();
            b.wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(row), "disabled"));
            b.clickable(row + " button[data-action=enable]").click();
            b.visible(row + " button[data-action=disable]");
            b.clickable("#nav a[data-nav=dashboard]").click();
            WebElement dash = b.visible("#dashboard-tasks tr[data-task='" + task.path("id").asText() + "']");
            assertThat(dash.getText()).contains("tank/home", "succeeded");
            assertThat(dash.findElement(By.cssSelector("td:last-child")).getText()).matches("(?s)\\d{4}-\\d\\d-\\d\\d \\d\\d:(00|30)\\n.*");
            b.screenshot("27-dashboard-tasks");

            // Delete, confirmed; the snapshots stay.
            b.clickable("#nav a[data-nav=snapshot-tasks]").click();
            b.clickable(row + " button[data-action=delete]").click();
            assertThat(b.visible("dialog").getText()).contains("tank/home");
            b.clickable("dialog button[type=submit]").click();
            b.gone(row);
            assertThat(b.all("#task-table tbody tr")).hasSize(1);
            assertThat(names(provider, "tank/home")).contains(created);

            List<String> severe = b.driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                    .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
                    .map(LogEntry::getMessage)
                    .filter(m -> !m.contains("Failed to load resource: the server responded with a status of"))
                    .toList();
            assertThat(severe).as("script errors or policy violations in the browser console").isEmpty();
        }
    }
}
