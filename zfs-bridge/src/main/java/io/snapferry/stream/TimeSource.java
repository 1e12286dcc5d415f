package io.snapferry.stream;

import java.io.InterruptedIOException;

/** Monotonic time and waiting, injectable so tests run on a fake clock and never sleep. */
public interface TimeSource {
    /** A monotonic clock in nanoseconds (only differences mean anything). */
    long nanoTime();

    /**
     * Waits {@code nanos} nanoseconds.
     *
     * @throws InterruptedIOException when the thread is interrupted (its interrupt flag is set again)
     */
    void sleepNanos(long nanos) throws InterruptedIOException;

    /** The system's monotonic clock and real sleeping. */
    static TimeSource system() {
        return SystemTime.INSTANCE;
    }

    /** The real clock. */
    enum SystemTime implements TimeSource {
        INSTANCE;

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleepNanos(long nanos) throws InterruptedIOException {
            if (nanos <= 0) {
                return;
            }
            try {
                Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                InterruptedIOException io = new InterruptedIOException("interrupted while waiting for bandwidth");
                io.initCause(e);
                throw io;
            }
        }
    }
}
