package io.snapferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.web.api.Routes.Endpoint;
import io.snapferry.web.auth.AccessPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/api.md lists every registered route, as {@code METHOD /path} in a table row's first cells. */
class ApiDocsTest {
    @TempDir
    Path tmp;

    static Path docs() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docs/api.md"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("docs/api.md above " + Path.of("").toAbsolutePath()).isNotNull();
        return dir.resolve("docs/api.md");
    }

    @Test
    void everyRegisteredRouteIsDocumented() throws Exception {
        String doc = Files.readString(docs());
        List<Endpoint> endpoints;
        try (TestBox box = new TestBox(tmp.resolve("data"), Clock.systemUTC(),
                List.of(new InMemoryDatasetProvider(Clock.systemUTC(), "tank")))) {
            endpoints = ((JavalinFrontend) box.appliance().web()).routes().endpoints();
        }
        assertThat(endpoints).hasSizeGreaterThan(10);
        List<String> missing = new ArrayList<>();
        for (Endpoint e : endpoints) {
            if (!doc.contains("| " + e.method() + " | `" + e.path() + "` |")) {
                missing.add(e.toString());
            }
        }
        assertThat(missing).as("routes missing from docs/api.md (add a row '| METHOD | `path` | ...')").isEmpty();
    }

    @Test
    void theDocumentedPublicRoutesAreExactlyTheAllowlist() throws Exception {
        String doc = Files.readString(docs());
        for (Endpoint e : AccessPolicy.PUBLIC) {
            assertThat(doc).contains("| " + e.method() + " | `" + e.path() + "` | public |");
        }
        long publicRows = doc.lines().filter(l -> l.matches("\\| [A-Z]+ \\| `[^`]+` \\| public \\|.*")).count();
        assertThat(publicRows).isEqualTo(AccessPolicy.PUBLIC.size());
    }
}
