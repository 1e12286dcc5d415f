package io.snapferry.stream;

import io.snapferry.dataset.DatasetName;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Measures the writer and the reader, alone and together, for each framing. Not a test: run it by
 * hand (see docs/stream-format.md, "Performance").
 *
 * <pre>java -cp ... io.snapferry.stream.StreamBench [total MiB, default 1024] [text|random|both] [mode,mode...]</pre>
 */
public final class StreamBench {
    private StreamBench() {
    }

    private record Mode(String name, StreamOptions options) {
    }

    public static void main(String[] args) throws Exception {
        long total = (args.length > 0 ? Long.parseLong(args[0]) : 1024) << 20;
        String data = args.length > 1 ? args[1] : "both";
        StreamKey key = StreamKey.generate("bench");
        StreamOptions base = StreamOptions.defaults();
        List<Mode> all = List.of(
                new Mode("none", base),
                new Mode("lz4", base.withCompression(Compression.LZ4)),
                new Mode("zstd-1", base.withCompression(Compression.ZSTD).withLevel(1)),
                new Mode("zstd-3", base.withCompression(Compression.ZSTD).withLevel(3)),
                new Mode("aes-gcm", base.withKey(key)),
                new Mode("lz4+aes-gcm", base.withCompression(Compression.LZ4).withKey(key)));
        List<Mode> modes = args.length > 2 ? all.stream().filter(m -> Arrays.asList(args[2].split(",")).contains(m.name)).toList() : all;
        int sourceSize = 64 << 20;
        for (String kind : data.equals("both") ? List.of("text", "random") : List.of(data)) {
            byte[] source = kind.equals("text") ? Streams.compressible(sourceSize, 1) : Streams.bytes(sourceSize, 1);
            System.out.printf(Locale.ROOT, "%n%s data, %d MiB per run, 1 MiB frames, SHA-256 per frame%n", kind, total >> 20);
            System.out.printf(Locale.ROOT, "%-12s %10s %10s %10s %12s %8s %12s %12s %12s%n", "mode", "writer", "reader", "both",
                    "pipelined", "ratio", "writer/cpu", "reader/cpu", "transfer/cpu");
            for (Mode m : modes) {
                run(m, source, Math.min(total, 256L << 20)); // warm-up
                double[] r = run(m, source, total);
                System.out.printf(Locale.ROOT, "%-12s %10.0f %10.0f %10.0f %12.0f %8.3f %12.0f %12.0f %12.0f%n",
                        m.name, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
            }
        }
        System.out.println("(MiB/s of payload by the wall clock; 'both' = 1 / (1/writer + 1/reader), one thread;"
                + " 'pipelined' = writer and reader on two threads; '/cpu' = per second of the thread's CPU time,"
                + " which is what counts on a shared machine; 'transfer' = reader.transferTo)");
    }

    /** Returns writer MiB/s, reader MiB/s, sequential both, pipelined, wire/payload ratio. */
    private static double[] run(Mode m, byte[] source, long total) throws Exception {
        StreamHeader header = StreamHeader.create("zfs", DatasetName.of("tank/bench"), Optional.empty(),
                new SnapshotIdentity("bench", 1), "bench-box");
        // writer alone, into a sink that discards
        CountingSink sink = new CountingSink();
        long c0 = cpu();
        long t0 = System.nanoTime();
        try (StreamWriter w = StreamWriter.open(sink, header, m.options)) {
            for (long done = 0; done < total; done += source.length) {
                w.write(source, 0, (int) Math.min(source.length, total - done));
            }
        }
        double writer = mibps(total, System.nanoTime() - t0);
        double writerCpu = mibps(total, cpu() - c0);
        double ratio = sink.count / (double) total;

        // reader alone: one stream of the source, read again and again
        java.io.ByteArrayOutputStream wire = new java.io.ByteArrayOutputStream(source.length + (1 << 20));
        try (StreamWriter w = StreamWriter.open(wire, header, m.options)) {
            w.write(source);
        }
        byte[] wireBytes = wire.toByteArray();
        byte[] buf = new byte[256 << 10];
        long c1 = cpu();
        long t1 = System.nanoTime();
        long read = 0;
        while (read < total) {
            try (StreamReader r = StreamReader.open(new ByteArrayInputStream(wireBytes), m.options.key(), StreamLimits.defaults())) {
                for (int n = r.read(buf); n >= 0; n = r.read(buf)) {
                    read += n;
                }
            }
        }
        double reader = mibps(read, System.nanoTime() - t1);
        double readerCpu = mibps(read, cpu() - c1);

        // reader handing out whole frames (transferTo), as a receiver feeding zfs recv does
        long c3 = cpu();
        long moved = 0;
        while (moved < total) {
            try (StreamReader r = StreamReader.open(new ByteArrayInputStream(wireBytes), m.options.key(), StreamLimits.defaults())) {
                moved += r.transferTo(new CountingSink());
            }
        }
        double transferCpu = mibps(moved, cpu() - c3);

        // pipelined: writer thread -> in-memory pipe -> reader on this thread
        Pipe pipe = new Pipe();
        Thread producer = new Thread(() -> {
            try (StreamWriter w = StreamWriter.open(pipe.out, header, m.options)) {
                for (long done = 0; done < total; done += source.length) {
                    w.write(source, 0, (int) Math.min(source.length, total - done));
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "bench-writer");
        long t2 = System.nanoTime();
        producer.start();
        long got = 0;
        try (StreamReader r = StreamReader.open(pipe.in, m.options.key(), StreamLimits.defaults())) {
            for (int n = r.read(buf); n >= 0; n = r.read(buf)) {
                got += n;
            }
        }
        producer.join();
        double pipelined = mibps(got, System.nanoTime() - t2);
        if (got != total) {
            throw new IllegalStateException("pipelined run moved " + got + " of " + total + " bytes");
        }
        return new double[] {writer, reader, 1 / (1 / writer + 1 / reader), pipelined, ratio, writerCpu, readerCpu, transferCpu};
    }

    private static long cpu() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private static double mibps(long bytes, long nanos) {
        return bytes / (double) (1 << 20) / (nanos / 1e9);
    }

    private static final class CountingSink extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }

    /** A pipe of copied chunks between two threads. */
    private static final class Pipe {
        private static final byte[] END = new byte[0];
        private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(16);

        final OutputStream out = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return;
                }
                try {
                    queue.put(Arrays.copyOfRange(b, off, off + len));
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }

            @Override
            public void close() throws IOException {
                try {
                    queue.put(END);
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }
        };

        final InputStream in = new InputStream() {
            private byte[] cur = new byte[0];
            private int pos;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                while (cur != END && pos == cur.length) {
                    try {
                        cur = queue.take();
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException();
                    }
                    pos = 0;
                }
                if (cur == END) {
                    return -1;
                }
                int n = Math.min(len, cur.length - pos);
                System.arraycopy(cur, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }
}
