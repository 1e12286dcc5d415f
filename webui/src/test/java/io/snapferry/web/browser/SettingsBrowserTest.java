package io.snapferry.web.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.notify.WebhookReceiver;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.web.TestBox;
import io.snapferry.web.WebClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The Settings page in the browser: the time zone saved and shown again after a reload, a refused
 * value shown at its field, a webhook target added (after a refused URL) and a test notification
 * arriving at a local receiver with its authorization header (kept when the target is edited
 * without it), the fingerprints, a stream key, the admin password changed and used to log in;
 * then the replication wizard offering an SSH connection, and the dashboard showing a replication's
 * next run and its live progress. Screenshots go to target/screenshots.
 */
class SettingsBrowserTest {
    static final String PASSWORD = "a long admin passphrase";
    static final String NEW_PASSWORD = "another long passphrase";

    @TempDir
    Path tmp;

    private static void login(Browser b, String url, String password) {
        b.driver.get(url + "/#/login");
        b.type("#login-form input[name=username]", "admin");
        b.type("#login-form input[name=password]", password);
        b.clickable("#login-form button[type=submit]").click();
        b.visible("#nav a[data-nav=settings]");
    }

    /** Clicks after scrolling the element to the middle of the window, clear of the toasts at the bottom. */
    private static void press(Browser b, String css) {
        WebElement e = b.clickable(css);
        b.driver.executeScript("arguments[0].scrollIntoView({block: 'center'})", e);
        b.clickable(css).click();
    }

    @Test
    void settingsNotificationsPasswordWizardConnectionAndDashboard() throws Exception {
        InMemoryDatasetProvider zfs = new InMemoryDatasetProvider(Clock.systemUTC(), "tank", "backup");
        zfs.createDataset(DatasetName.of("tank/vm"));
        // Incompressible, sent at 1 MiB/s: the transfer takes a few seconds, with progress per MiB.
        byte[] image = new byte[5 << 20];
        new java.util.Random(11).nextBytes(image);
        zfs.write(DatasetName.of("tank/vm"), "disk.img", image);
        zfs.createSnapshots(List.of(DatasetName.of("tank/vm").snapshot("auto-2026-01-01_00-00")));
        try (TestBox box = new TestBox(tmp.resolve("data"), Clock.systemUTC(), List.of(zfs));
             WebhookReceiver hook = new WebhookReceiver();
             Browser b = Browser.start()) {
            String url = box.appliance().web().url();
            WebClient api = new WebClient(url);
            assertThat(api.post("/api/v1/setup", Map.of("username", "admin", "password", PASSWORD)).status()).isEqualTo(201);
            api.bearer(box.dataDir().adminToken());
            // A connection for the wizard to offer, pinned to a real host key line (this box's own).
            assertThat(api.post("/api/v1/keypairs", Map.of("name", "to-b", "type", "ed25519")).status()).isEqualTo(201);
            JsonNode hostKey = api.get("/api/v1/host-key").json();
            WebClient.Response conn = api.post("/api/v1/connections", Map.of("name", "box-b", "host", "127.0.0.1",
                    "port", hostKey.path("sshPort").asInt(), "keyPair", "to-b", "hostKey", hostKey.path("publicKey").asText()));
            assertThat(conn.status()).as(conn.body()).isEqualTo(201);

            login(b, url, PASSWORD);
            b.clickable("#nav a[data-nav=settings]").click();

            // The time zone: saved, and shown again after a reload.
            Select zone = new Select(b.visible("#settings-form select[name=timeZone]"));
            assertThat(zone.getFirstSelectedOption().getAttribute("value")).isEqualTo(api.get("/api/v1/settings").json().path("timeZone").asText());
            assertThat(zone.getOptions().size()).as("the browser's list of zones").isGreaterThan(100);
            zone.selectByValue("Asia/Tokyo");
            press(b, "#save-settings");
            b.wait.until(d -> "Asia/Tokyo".equals(api.get("/api/v1/settings").json().path("timeZone").asText()));
            b.driver.navigate().refresh();
            b.wait.until(ExpectedConditions.attributeToBe(By.cssSelector("#settings-form select[name=timeZone]"), "value", "Asia/Tokyo"));

            // A value the box refuses: the message sits next to its field, and nothing is saved.
            b.type("#settings-form input[name=maxParallelReplications]", "100");
            press(b, "#save-settings");
            WebElement err = b.visible("#settings-form .field-error[data-error-for=maxParallelReplications]");
            assertThat(err.getText()).contains("between 1 and 64");
            assertThat(api.get("/api/v1/settings").json().path("maxParallelReplications").asInt()).isNotEqualTo(100);
            b.screenshot("settings-01-field-error");
            b.type("#settings-form input[name=maxParallelReplications]", "3");
            press(b, "#save-settings");
            b.wait.until(d -> api.get("/api/v1/settings").json().path("maxParallelReplications").asInt() == 3);
            assertThat(b.all("#settings-form .field-error")).isEmpty();

            // A webhook target: a bad URL is refused at its field; then the test notification arrives.
            b.visible("#no-targets");
            press(b, "#add-webhook");
            b.type("dialog input[name=id]", "ops");
            b.type("dialog input[name='webhook.url']", "not a url");
            b.type("dialog input[name='webhook.authorization']", "Bearer s3cret");
            b.clickable("dialog button[type=submit]").click();
            assertThat(b.visible("dialog .field-error[data-error-for='webhook.url']").getText()).contains("is not an http(s) URL");
            b.screenshot("settings-02-webhook-error");
            b.type("dialog input[name='webhook.url']", hook.url());
            b.clickable("dialog button[type=submit]").click();
            b.gone("dialog");
            assertThat(b.visible("#notification-table tr[data-target=ops]").getText().toLowerCase()).contains(hook.url(), "failure", "low space");
            JsonNode targets = api.get("/api/v1/settings/notifications").json().path("targets");
            assertThat(targets.toString()).doesNotContain("s3cret");
            press(b, "#send-test");
            WebElement delivered = b.visible("#test-result-list li[data-target=ops]");
            assertThat(delivered.getDomAttribute("data-ok")).isEqualTo("true");
            assertThat(delivered.getText()).contains("delivered", "webhook");
            assertThat(hook.received()).singleElement().satisfies(n -> assertThat(n.path("event").asText()).isEqualTo("TEST"));
            assertThat(hook.authorizations()).containsExactly("Bearer s3cret");
            b.fullPageScreenshot("settings-03-webhook-delivered");

            // Edited without the authorization (the field stays blank): the header is kept.
            press(b, "#notification-table tr[data-target=ops] button[data-action=edit]");
            assertThat(b.visible("dialog input[name='webhook.authorization']").getDomProperty("value")).isEmpty();
            b.clickable("dialog input[name=ev-LOW_SPACE]").click();
            b.clickable("dialog button[type=submit]").click();
            b.gone("dialog");
            b.wait.until(d -> !b.visible("#notification-table tr[data-target=ops]").getText().toLowerCase().contains("low space"));
            press(b, "#notification-table tr[data-target=ops] button[data-action=test]");
            b.wait.until(d -> hook.received().size() == 2);
            assertThat(hook.authorizations()).containsExactly("Bearer s3cret", "Bearer s3cret");

            // The fingerprints to pin this box by.
            assertThat(b.visible("#cert-fingerprint").getText()).isEqualTo(api.get("/api/v1/status").json().path("certificateSha256").asText());
            assertThat(b.visible("#host-key-fingerprint").getText()).isEqualTo(box.appliance().ssh().hostKey().fingerprint());

            // A stream key, for the advanced form's encryption.
            press(b, "#new-stream-key");
            b.type("dialog input[name=name]", "offsite");
            b.clickable("dialog button[type=submit]").click();
            b.gone("dialog");
            assertThat(b.visible("#stream-key-table tr[data-stream-key=offsite]").getText()).contains("offsite");

            // The password: a wrong current one is refused at its field; then changed, and it logs in.
            b.type("#password-form input[name=current]", "not the password");
            b.type("#password-form input[name=new]", NEW_PASSWORD);
            b.type("#password-form input[name=confirm]", NEW_PASSWORD);
            press(b, "#change-password");
            assertThat(b.visible("#password-form .field-error[data-error-for=current]").getText()).contains("current password is wrong");
            b.type("#password-form input[name=current]", PASSWORD);
            press(b, "#change-password");
            b.wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#toasts"), "Password changed"));
            assertThat(b.all("#password-form .field-error")).isEmpty();
            b.fullPageScreenshot("settings-04-page");
            assertThat(new WebClient(url).login("admin", PASSWORD).status()).isEqualTo(401);
            b.driver.manage().deleteAllCookies();
            b.driver.navigate().refresh();
            b.visible("#login-form");
            login(b, url, NEW_PASSWORD);

            // The wizard offers the SSH transports with the connection.
            b.clickable("#nav a[data-nav=replication]").click();
            b.clickable("#new-replication").click();
            b.visible("#wizard-steps li.active[data-step='1']");
            assertThat(b.driver.findElement(By.id("w-connection")).isDisplayed()).as("hidden for the local transport").isFalse();
            new Select(b.visible("#w-transport")).selectByValue("SSH");
            Select connection = new Select(b.visible("#w-connection"));
            assertThat(connection.getOptions()).extracting(o -> o.getAttribute("value")).containsExactly("box-b");
            assertThat(connection.getFirstSelectedOption().getText()).contains("box-b", "127.0.0.1");
            assertThat(b.visible("#w-transport-note").getText()).contains("SSH page");
            b.screenshot("settings-05-wizard-ssh-connection");

            // The advanced form offers the stream key.
            b.driver.get(url + "/#/replication?advanced=1");
            Select key = new Select(b.visible("#a-encryption-key"));
            assertThat(key.getOptions()).extracting(o -> o.getAttribute("value")).containsExactly("", "offsite");

            // The dashboard: a replication's next run, then its progress while it runs.
            WebClient.Response made = api.post("/api/v1/replications", Map.of("name", "vm-copy", "sources", List.of("tank/vm"),
                    "target", "backup/vm", "naming", List.of("auto-%Y-%m-%d_%H-%M"), "schedule", "0 3 * * *", "bandwidthLimit", "1M"));
            assertThat(made.status()).as(made.body()).isEqualTo(201);
            b.clickable("#nav a[data-nav=dashboard]").click();
            String row = "#dashboard-replications tr[data-replication=vm-copy]";
            assertThat(b.visible(row).getText()).contains("never run").containsPattern("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}");
            JsonNode listed = api.get("/api/v1/replications").json().get(0);
            assertThat(java.time.Instant.parse(listed.path("nextRun").asText()).atZone(java.time.ZoneId.of("Asia/Tokyo")).getHour())
                    .as("the schedule is read in the box's time zone").isEqualTo(3);
            b.visible("#activity-idle");
            WebClient.Response started = api.post("/api/v1/replications/vm-copy/run", null);
            assertThat(started.status()).as(started.body()).isEqualTo(202);
            WebElement progress = b.visible("#activity-table tr[data-subject=vm-copy] .progress");
            assertThat(progress.getText()).contains("tank/vm", "MiB");
            b.screenshot("settings-06-dashboard-activity");
            b.wait.until(d -> !b.all("#activity-idle").isEmpty());
            // The run ended: the replication's row shows it without a reload.
            assertThat(b.visible(row + " .last-run [data-state=SUCCEEDED]").getText()).isEqualTo("succeeded");
            b.screenshot("settings-07-dashboard-after-run");
            assertThat(zfs.listSnapshots(DatasetName.of("backup/vm"))).hasSize(1);
        }
    }
}
