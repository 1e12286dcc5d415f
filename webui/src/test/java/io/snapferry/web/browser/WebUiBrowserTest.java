package io.snapferry.web.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.web.TestBox;
import io.snapferry.web.WebClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * A person's first visit: setup, login, dashboard, datasets, a snapshot taken, held with a hostile
 * tag (the error shows as text), destroyed, and logout. Screenshots of each page go to
 * target/screenshots.
 */
class WebUiBrowserTest {
    static final String PASSWORD = "a long admin passphrase";

    @TempDir
    Path tmp;

    private static String firstSnapshot(Browser b) {
        return b.all("#snapshot-table tbody tr").stream().findFirst().map(r -> r.getDomAttribute("data-snapshot")).orElse("");
    }

    @Test
    void firstVisitFromSetupToLogout() throws Exception {
        InMemoryDatasetProvider provider = new InMemoryDatasetProvider(Clock.systemUTC(), "tank");
        provider.createDataset(DatasetName.of("tank/home"));
        provider.createDataset(DatasetName.of("tank/home/alice"));
        provider.createDataset(DatasetName.of("tank/vm"));
        provider.createSnapshots(List.of(DatasetName.of("tank/home").snapshot("daily-2026-03-01")));
        provider.createSnapshots(List.of(DatasetName.of("tank/home").snapshot("daily-2026-03-02")));
        try (TestBox box = new TestBox(tmp.resolve("data"), Clock.systemUTC(), List.of(provider));
             Browser b = Browser.start()) {
            String url = box.appliance().web().url();
            b.driver.get(url + "/");

            // Setup: the server's validation shows next to its field.
            b.visible("#setup-form");
            b.screenshot("01-setup");
            b.type("#setup-form input[name=username]", "admin");
            b.type("#setup-form input[name=password]", "short");
            b.type("#setup-form input[name=confirm]", "short");
            b.clickable("#setup-form button[type=submit]").click();
            assertThat(b.visible("#setup-form .field-error[data-error-for=password]").getText())
                    .contains("at least 10 characters");
            b.screenshot("02-setup-error");
            b.type("#setup-form input[name=password]", PASSWORD);
            b.type("#setup-form input[name=confirm]", PASSWORD);
            b.clickable("#setup-form button[type=submit]").click();

            // Login: a wrong password is reported at the password field.
            b.visible("#login-form");
            assertThat(b.visible(".notice").getText()).contains("admin account admin was created");
            b.screenshot("03-login");
            b.type("#login-form input[name=password]", "not the passphrase");
            b.clickable("#login-form button[type=submit]").click();
            assertThat(b.visible("#login-form .field-error[data-error-for=password]").getText())
                    .isEqualTo("wrong username or password");
            b.type("#login-form input[name=password]", PASSWORD);
            b.clickable("#login-form button[type=submit]").click();

            // Dashboard: the pool with its space bar, the services.
            b.visible("#pools [data-pool=tank] .bar");
            b.wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#services"), "web-server"));
            assertThat(b.visible("#services").getText()).contains("running");
            assertThat(b.all("#nav a").stream().map(WebElement::getText).toList()).containsExactly("Dashboard", "Datasets", "Snapshot tasks", "Replication", "Tasks", "SSH", "Settings");
            assertThat(b.visible("#who").getText()).isEqualTo("admin");
            b.screenshot("04-dashboard");

            // Datasets: the tree, then tank/home's snapshots.
            b.clickable("#nav a[data-nav=datasets]").click();
            b.clickable("#dataset-tree [data-dataset='tank/home']").click();
            b.wait.until(ExpectedConditions.textToBe(By.cssSelector("#dataset-name"), "tank/home"));
            b.visible("#snapshot-table tr[data-snapshot='tank/home@daily-2026-03-02']");
            assertThat(b.all("#dataset-tree .tree-item")).hasSize(4);
            b.screenshot("05-datasets");

            // Take a snapshot.
            b.clickable("#take-snapshot").click();
            b.type("dialog input[name=name]", "bad name!");
            b.clickable("dialog button[type=submit]").click();
            assertThat(b.visible("dialog .field-error[data-error-for=name]").getText()).contains("invalid snapshot name");
            b.type("dialog input[name=name]", "ui-snap-1");
            b.clickable("dialog button[type=submit]").click();
            b.gone("dialog");
            String row = "#snapshot-table tr[data-snapshot='tank/home@ui-snap-1']";
            b.visible(row);
            assertThat(provider.listSnapshots(DatasetName.of("tank/home"))).extracting(s -> s.shortName()).contains("ui-snap-1");
            b.screenshot("06-snapshot-taken");

            // A hold tag with markup: the server refuses it and the UI shows the message as text.
            String hostile = "<img src=x onerror=\"window.__xss=1\">";
            b.clickable(row + " button[data-action=hold]").click();
            b.type("dialog input[name=tag]", hostile);
            b.clickable("dialog button[type=submit]").click();
            WebElement err = b.visible("dialog .field-error[data-error-for=tag]");
            assertThat(err.getText()).isEqualTo("invalid hold tag '" + hostile + "'");
            assertThat(err.findElements(By.tagName("img"))).isEmpty();
            assertThat(b.all("img")).isEmpty();
            assertThat(b.driver.executeScript("return window.__xss === undefined")).isEqualTo(Boolean.TRUE);
            b.screenshot("07-hold-error-shown-as-text");
            b.visible("dialog input[name=tag]").sendKeys(Keys.ESCAPE);
            b.gone("dialog");

            // Filter, then destroy with confirmation.
            b.type("#snapshot-filter", "ui-");
            b.wait.until(d -> b.all("#snapshot-table tbody tr").size() == 1);
            b.clickable(row + " button[data-action=destroy]").click();
            assertThat(b.visible("dialog").getText()).contains("tank/home@ui-snap-1");
            b.screenshot("08-destroy-confirm");
            b.clickable("dialog button[type=submit]").click();
            b.visible("#no-snapshots");
            assertThat(provider.listSnapshots(DatasetName.of("tank/home"))).extracting(s -> s.shortName())
                    .doesNotContain("ui-snap-1");
            b.visible("#snapshot-filter").sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
            b.visible("#snapshot-table tr[data-snapshot='tank/home@daily-2026-03-01']");
            b.screenshot("09-after-destroy");

            // Sorting by name, then back to newest first.
            b.clickable("#snapshot-table button[data-sort=name]").click();
            b.wait.until(d -> firstSnapshot(b).equals("tank/home@daily-2026-03-01"));
            b.clickable("#snapshot-table button[data-sort=createTxg]").click();
            b.wait.until(d -> firstSnapshot(b).equals("tank/home@daily-2026-03-02"));

            // Hold and release.
            String daily1 = "#snapshot-table tr[data-snapshot='tank/home@daily-2026-03-01']";
            b.clickable(daily1 + " button[data-action=hold]").click();
            b.type("dialog input[name=tag]", "keep");
            b.clickable("dialog button[type=submit]").click();
            b.gone("dialog");
            b.visible(daily1 + " button[data-action=release]").click();
            assertThat(b.visible("dialog select[name=tag]").getText()).isEqualTo("keep");
            b.clickable("dialog button[type=submit]").click();
            b.gone("dialog");
            b.gone(daily1 + " button[data-action=release]");
            assertThat(provider.holds(DatasetName.of("tank/home").snapshot("daily-2026-03-01"))).isEmpty();

            // Roll back: refused while a newer snapshot exists, done when allowed to destroy it.
            b.clickable(daily1 + " button[data-action=rollback]").click();
            b.clickable("dialog button[type=submit]").click();
            assertThat(b.visible("dialog .form-error").getText()).contains("newer");
            b.screenshot("10-rollback-refused");
            b.clickable("dialog input[name=destroyNewer]").click();
            b.clickable("dialog button[type=submit]").click();
            b.gone("dialog");
            b.gone("#snapshot-table tr[data-snapshot='tank/home@daily-2026-03-02']");
            assertThat(provider.listSnapshots(DatasetName.of("tank/home"))).extracting(s -> s.shortName())
                    .containsExactly("daily-2026-03-01");

            // Paging through a dataset with many snapshots.
            for (int i = 0; i < 30; i++) {
                provider.createSnapshots(List.of(DatasetName.of("tank/vm").snapshot(String.format("hourly-%02d", i))));
            }
            b.clickable("#dataset-tree [data-dataset='tank/vm']").click();
            b.wait.until(ExpectedConditions.textToBe(By.cssSelector("#pager-info"), "1–25 of 30"));
            assertThat(firstSnapshot(b)).isEqualTo("tank/vm@hourly-29");
            b.clickable("#page-next").click();
            b.wait.until(ExpectedConditions.textToBe(By.cssSelector("#pager-info"), "26–30 of 30"));
            assertThat(b.all("#snapshot-table tbody tr")).hasSize(5);
            assertThat(b.visible("#page-next").isEnabled()).isFalse();
            b.screenshot("11-paging");

            // An API token: shown once, works for a script, revoked.
            b.clickable("#nav a[data-nav=settings]").click();
            b.visible("#no-tokens");
            b.clickable("#new-token").click();
            b.type("dialog input[name=name]", "nightly-backup");
            b.clickable("dialog button[type=submit]").click();
            String token = b.visible("dialog #created-token").getDomProperty("value");
            assertThat(token).startsWith("sft_");
            b.screenshot("12-token-shown-once");
            b.clickable("dialog button[type=submit]").click();
            b.gone("dialog");
            b.visible("#token-table tr[data-token=nightly-backup]");
            WebClient script = new WebClient(url).bearer(token);
            assertThat(script.get("/api/v1/pools").status()).isEqualTo(200);
            b.screenshot("13-settings");
            b.clickable("#token-table tr[data-token=nightly-backup] button[data-action=revoke]").click();
            b.clickable("dialog button[type=submit]").click();
            b.visible("#no-tokens");
            assertThat(script.get("/api/v1/pools").status()).isEqualTo(401);

            // Logout: back to the login page, and the app's pages need a login again.
            b.clickable("#logout").click();
            b.visible("#login-form");
            b.driver.get(url + "/#/datasets");
            b.visible("#login-form");
            b.screenshot("14-logged-out");

            List<String> severe = b.driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                    .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
                    .map(LogEntry::getMessage)
                    .filter(m -> !m.contains("Failed to load resource: the server responded with a status of"))
                    .toList();
            assertThat(severe).as("script errors or policy violations in the browser console").isEmpty();
        }
    }
}
