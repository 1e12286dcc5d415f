package io.snapferry.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link ChunkSink} that overlaps the work of a snapshot (DESIGN.md, "The snapshot pipeline"):
 * the scanner's thread reads and cuts, {@code workers} threads hash, detect holes, look chunks up
 * in the index and compress the new ones, and one writer thread appends them to the batch in the
 * order they were submitted.
 *
 * <ul>
 *   <li><b>Memory</b>: every chunk in flight holds its own copy of its bytes, charged against a
 *       budget ({@value #DEFAULT_BUDGET} bytes by default, at least two of the largest chunks):
 *       {@link #submit} blocks while the budget is spent, so a snapshot of any size buffers at
 *       most the budget.</li>
 *   <li><b>Dedup</b>: a worker that finds a new chunk claims its hash; a second worker seeing the
 *       same hash meanwhile does not compress it, and the writer's own check against the batch and
 *       the index ({@link ChunkStore.Batch#putPrepared}) keeps any chunk from being appended twice.</li>
 *   <li><b>Durability</b> is the batch's: appended chunks enter the index only at its flush, which
 *       the caller runs after {@link #drain()} and {@link #close()}, before any manifest.</li>
 *   <li><b>Failure</b>: the first exception of any thread is kept; {@link #submit} and {@link #drain}
 *       throw it, and the writer appends nothing after it. {@link #close()} stops and joins every
 *       thread; it never throws.</li>
 * </ul>
 *
 * <p>Used by one thread (the scanner's); the batch must not be used by anyone else until
 * {@link #close()} returned.
 */
final class ChunkPipeline implements ChunkSink, AutoCloseable {
    /** Bytes of chunk copies in flight, by default. */
    static final long DEFAULT_BUDGET = 32L << 20;
    /** A chunk is charged at least this much, which bounds the number of chunks in flight too. */
    private static final int MIN_CHARGE = 4096;
    private static final long POLL_MS = 50;
    private static final Task END = new Task(null, null, 0);

    private final ChunkStore store;
    private final ChunkStore.Batch batch;
    private final int maxChunk;
    /** Compared with, never written: shared by the workers. */
    private final byte[] zeros;
    private final int budgetBytes;
    private final Semaphore budget;
    private final BlockingQueue<Task> work = new LinkedBlockingQueue<>();
    private final BlockingQueue<Task> order = new LinkedBlockingQueue<>();
    /** Hashes of new chunks a worker is compressing or the writer has not appended yet. */
    private final Map<ByteBuffer, Boolean> claimed = new ConcurrentHashMap<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean aborted;
    private final List<Thread> threads = new ArrayList<>();
    private final int workers;
    private final Object progress = new Object();
    private long submitted;
    private long written;
    private final LongAdder stored = new LongAdder();
    private final LongAdder present = new LongAdder();
    private boolean closed;

    /** One chunk on its way: the worker fills in hash and stored form, then counts {@link #hashed} down. */
    private static final class Task {
        final Slot slot;
        final int charge;
        final CountDownLatch hashed = new CountDownLatch(1);
        byte[] data;
        byte[] hash;
        ChunkStore.Encoded encoded;
        int crc;

        Task(Slot slot, byte[] data, int charge) {
            this.slot = slot;
            this.data = data;
            this.charge = charge;
        }
    }

    /**
     * Starts the threads.
     *
     * @param workers hashing and compressing threads (at least 1)
     * @param maxChunk the largest chunk that will be submitted
     * @param budgetBytes bytes of chunks in flight at most (raised to two of the largest chunks)
     */
    ChunkPipeline(ChunkStore store, ChunkStore.Batch batch, int workers, int maxChunk, long budgetBytes) {
        if (workers < 1 || maxChunk < 1) {
            throw new IllegalArgumentException("a pipeline needs a worker and a positive chunk size: " + workers + ", " + maxChunk);
        }
        this.store = store;
        this.batch = batch;
        this.maxChunk = maxChunk;
        this.zeros = new byte[maxChunk];
        this.workers = workers;
        this.budgetBytes = (int) Math.min(Integer.MAX_VALUE / 2, Math.max(budgetBytes, 2L * Math.max(maxChunk, MIN_CHARGE)));
        this.budget = new Semaphore(this.budgetBytes);
        for (int i = 0; i < workers; i++) {
            threads.add(thread(this::work, "snapferry-store-hash-" + i));
        }
        threads.add(thread(this::write, "snapferry-store-writer"));
        for (Thread t : threads) {
            t.start();
        }
    }

    /**
     * Workers at most: one writer appends a few hundred MiB/s to a pack, which a few workers
     * already outpace, and each worker may hold a compression buffer of the largest chunk.
     */
    static final int MAX_WORKERS = 4;

    /** A pipeline with a worker per available processor (at most {@value #MAX_WORKERS}) and the default budget. */
    static ChunkPipeline standard(ChunkStore store, ChunkStore.Batch batch, int maxChunk) {
        int workers = Math.min(MAX_WORKERS, Runtime.getRuntime().availableProcessors());
        return new ChunkPipeline(store, batch, workers, maxChunk, DEFAULT_BUDGET);
    }

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public Slot submit(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IllegalStateException("the chunk pipeline is closed");
        }
        if (len > maxChunk) {
            throw new IllegalArgumentException("chunk of " + len + " bytes is larger than the pipeline's limit " + maxChunk);
        }
        check();
        int charge = Math.max(len, MIN_CHARGE);
        try {
            while (!budget.tryAcquire(charge, POLL_MS, TimeUnit.MILLISECONDS)) {
                check();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to store a chunk");
        }
        check();
        Task t = new Task(new Slot(len), Arrays.copyOfRange(b, off, off + len), charge);
        submitted++;
        order.add(t);
        work.add(t);
        return t.slot;
    }

    @Override
    public void drain() throws IOException {
        try {
            synchronized (progress) {
                while (written < submitted) {
                    check();
                    progress.wait(POLL_MS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for chunks to be stored");
        }
        check();
    }

    @Override
    public long chunksNew() {
        return stored.sum();
    }

    @Override
    public long chunksPresent() {
        return present.sum();
    }

    /** Throws the first failure of the pipeline's threads, if any. */
    private void check() throws IOException {
        Throwable f = failure.get();
        if (f == null) {
            return;
        }
        if (f instanceof IOException e) {
            throw e;
        }
        if (f instanceof RuntimeException e) {
            throw e;
        }
        if (f instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("storing chunks failed: " + f, f);
    }

    private void fail(Throwable e) {
        failure.compareAndSet(null, e);
        aborted = true;
        budget.release(budgetBytes); // wakes a submit waiting for room; it then sees the failure
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /** A worker: hashes, finds holes, looks up and compresses chunks, in any order. */
    private void work() {
        MessageDigest sha = Manifest.sha256();
        try {
            while (!aborted) {
                Task t = work.poll(POLL_MS, TimeUnit.MILLISECONDS);
                if (t == END) {
                    return;
                }
                if (t != null) {
                    process(t, sha);
                    t.hashed.countDown();
                }
            }
        } catch (Throwable e) {
            fail(e);
        }
    }

    private void process(Task t, MessageDigest sha) {
        byte[] d = t.data;
        if (ChunkSink.isHole(d, 0, d.length, zeros)) {
            t.slot.resolve(ChunkRef.hole(d.length));
            t.data = null;
            return;
        }
        byte[] hash = sha.digest(d);
        EmbeddedStore.crashPoint("snapshot-chunk-hashed");
        t.hash = hash;
        t.slot.resolve(new ChunkRef(hash, d.length, false));
        if (!store.has(hash) && claimed.putIfAbsent(ByteBuffer.wrap(hash), Boolean.TRUE) == null) {
            t.encoded = store.encode(d, 0, d.length);
            t.crc = ChunkStore.entryCrc(hash, t.encoded);
        }
        t.data = null; // the stored form may still share the array; nothing else needs it
    }

    /** The writer: appends new chunks to the batch in submission order. */
    private void write() {
        try {
            while (!aborted) {
                Task t = order.poll(POLL_MS, TimeUnit.MILLISECONDS);
                if (t == END) {
                    return;
                }
                if (t == null) {
                    continue;
                }
                while (!t.hashed.await(POLL_MS, TimeUnit.MILLISECONDS)) {
                    if (aborted) {
                        return;
                    }
                }
                if (aborted) {
                    return;
                }
                if (t.encoded != null) {
                    EmbeddedStore.crashPoint("snapshot-chunk-append");
                    if (batch.putPrepared(t.hash, t.encoded, t.crc)) {
                        stored.increment();
                    } else {
                        present.increment();
                    }
                    claimed.remove(ByteBuffer.wrap(t.hash));
                    t.encoded = null;
                } else if (t.hash != null) {
                    present.increment();
                    store.countDeduplicated();
                }
                budget.release(t.charge);
                synchronized (progress) {
                    written++;
                    progress.notifyAll();
                }
            }
        } catch (Throwable e) {
            fail(e);
        }
    }

    /**
     * Stops and joins every thread. Chunks submitted but not drained are abandoned (a failed
     * snapshot); what the writer appended stays in the batch, whose owner flushes or drops it.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (progress) {
            if (written < submitted) {
                aborted = true;
            }
        }
        for (int i = 0; i < workers; i++) {
            work.add(END);
        }
        order.add(END);
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
