package io.snapferry.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline, instead of sleeping a guessed time. */
public final class Poll {
    private Poll() {
    }

    public static void until(Duration deadline, String what, BooleanSupplier condition) {
        long end = System.nanoTime() + deadline.toNanos();
        long pause = 1;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + deadline + " waiting for " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(pause * 1_000_000);
            pause = Math.min(pause * 2, 50);
        }
    }
}
