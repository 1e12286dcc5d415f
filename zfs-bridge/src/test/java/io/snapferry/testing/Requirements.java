package io.snapferry.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need a real component (zfs-fuse, OpenSSH, Chromium, root) call {@link #require}.
 * On a developer machine a missing component skips the test; in CI ({@code CI=true}) it fails
 * it, so a green CI run means the real thing was exercised.
 */
public final class Requirements {
    private Requirements() {
    }

    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips (locally) or fails (in CI) the calling test when {@code present} is false. */
    public static void require(boolean present, String what) {
        if (present) {
            return;
        }
        String message = what + " is missing: run scripts/test-env (as root) to install and start it";
        if (inCi()) {
            Assertions.fail(message);
        }
        Assumptions.abort(message);
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    public static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
