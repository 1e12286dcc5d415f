package io.snapferry.web.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.web.TestBox;
import io.snapferry.web.WebClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SSH page: pairing box A with box B through the UI (a bad token is reported at its field),
 * testing the new connection, and making a pairing token that is shown once.
 */
class SshPageBrowserTest {
    static final String PASSWORD = "a long admin passphrase";

    @TempDir
    Path tmp;

    @Test
    void pairTestAndMakeAToken() throws Exception {
        try (TestBox a = new TestBox(tmp.resolve("a"), Clock.systemUTC(), List.of(new InMemoryDatasetProvider(Clock.systemUTC(), "tank")));
             TestBox boxB = new TestBox(tmp.resolve("b"), Clock.systemUTC(), List.of(new InMemoryDatasetProvider(Clock.systemUTC(), "tank")));
             Browser b = Browser.start()) {
            String url = a.appliance().web().url();
            assertThat(new WebClient(url).post("/api/v1/setup", Map.of("username", "admin", "password", PASSWORD)).status()).isEqualTo(201);
            TestBox.Result made = boxB.cli("pair-token", "--receive-root", "tank/fromA");
            assertThat(made.exit()).as(made.err()).isZero();
            List<String> lines = made.out().strip().lines().toList();
            String token = lines.get(lines.size() - 1);

            b.driver.get(url + "/#/login");
            b.type("#login-form input[name=username]", "admin");
            b.type("#login-form input[name=password]", PASSWORD);
            b.clickable("#login-form button[type=submit]").click();
            b.clickable("#nav a[data-nav=ssh]").click();
            assertThat(b.visible("#host-fingerprint").getText()).isEqualTo(a.appliance().ssh().hostKey().fingerprint());
            b.visible("#no-connections");
            b.screenshot("ssh-01-empty");

            b.clickable("#pair").click();
            b.type("dialog input[name=name]", "b");
            b.type("dialog input[name=url]", boxB.appliance().web().url());
            b.type("dialog input[name=token]", "sfp1.not-a-token");
            b.clickable("dialog button[type=submit]").click();
            assertThat(b.visible("dialog .field-error[data-error-for=token]").getText()).contains("not a snapferry pairing token");
            b.screenshot("ssh-02-bad-token");
            b.type("dialog input[name=token]", token);
            b.clickable("dialog button[type=submit]").click();
            b.gone("dialog");
            b.visible("#connection-table tr[data-connection=b]");
            b.visible("#keypair-table tr[data-keypair=b]");

            b.clickable("#connection-table tr[data-connection=b] button[data-action=test]").click();
            assertThat(b.visible("[data-test-result=b] [data-outcome]").getDomAttribute("data-outcome")).isEqualTo("OK");
            assertThat(b.visible("[data-test-result=b] p").getText()).contains("connected to snapferry");
            b.screenshot("ssh-03-paired-and-tested");

            b.gone(".toast"); // the toasts sit over the bottom of the page for a few seconds
            b.clickable("#new-pair-token").click();
            b.type("dialog input[name=receiveRoot]", "tank/fromB");
            b.clickable("dialog button[type=submit]").click();
            String shown = b.visible("#created-pair-token").getDomProperty("value");
            assertThat(shown).matches("sfp1\\.[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{43}");
            b.screenshot("ssh-04-pair-token");
            assertThat(a.appliance().ssh().pendingPairTokens()).hasSize(1);
        }
    }
}
