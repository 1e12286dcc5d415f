package io.snapferry.testbeds.twobox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on 127.0.0.1 (port 0) that stands between two boxes: A connects to {@link #port()}
 * and the relay forwards each connection to the target port ({@link #target(int)}, which may
 * change when B restarts). It counts the bytes that flow from the client to the target
 * (A to B on a push) and can, once, at an exact byte offset counted from when it was armed:
 * <ul>
 *   <li>{@link #cutAt cut} the connection that carries that byte: both sockets are reset, as when
 *       a link goes down, after exactly that many bytes went through;</li>
 *   <li>{@link #freezeAt freeze} it: the relay stops forwarding right after that many bytes until
 *       {@link #thaw()}, so a test can kill a box at a known point of a transfer.</li>
 * </ul>
 * Connections opened after the fault fired are relayed normally. Thread-safe; {@link #close()}
 * stops accepting and resets every open connection.
 */
final class FaultProxy implements AutoCloseable {
    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Socket> open = new ArrayList<>();
    private final AtomicLong forwarded = new AtomicLong();
    private volatile int target;
    private volatile boolean closed;

    /** Armed fault: fires when {@code armedAt + offset} bytes have gone from client to target. */
    private enum Kind { CUT, FREEZE }

    private Kind kind;
    private long fireAt = Long.MAX_VALUE;
    private CountDownLatch frozen = new CountDownLatch(0);
    private CountDownLatch thawed = new CountDownLatch(0);
    private int fired;

    FaultProxy(int targetPort) throws IOException {
        this.target = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "fault-proxy-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** New connections go to {@code port} on 127.0.0.1 from now on. */
    void target(int port) {
        this.target = port;
    }

    /** Bytes relayed from clients to the target since the proxy started. */
    long forwarded() {
        return forwarded.get();
    }

    /** How many armed faults have fired. */
    synchronized int fired() {
        return fired;
    }

    /** True while a fault is armed and has not fired. */
    synchronized boolean armed() {
        return kind != null;
    }

    /** Resets the connection carrying byte {@code offset} (counted from now) after exactly {@code offset} bytes. */
    synchronized void cutAt(long offset) {
        arm(Kind.CUT, offset);
    }

    /** Stops relaying after {@code offset} more bytes until {@link #thaw()}; see {@link #awaitFrozen}. */
    synchronized void freezeAt(long offset) {
        arm(Kind.FREEZE, offset);
        frozen = new CountDownLatch(1);
        thawed = new CountDownLatch(1);
    }

    private void arm(Kind k, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset " + offset + " is negative");
        }
        kind = k;
        fireAt = forwarded.get() + offset;
    }

    /** Disarms a fault that has not fired (the transfer was shorter than its offset). */
    synchronized void disarm() {
        kind = null;
        fireAt = Long.MAX_VALUE;
        frozen.countDown();
        thawed.countDown();
    }

    /** Waits until a frozen connection holds at its offset, or {@code done} says the transfer is over; true when frozen. */
    boolean awaitFrozen(java.util.function.BooleanSupplier done) throws InterruptedException {
        CountDownLatch f;
        synchronized (this) {
            f = frozen;
        }
        while (!f.await(20, TimeUnit.MILLISECONDS)) {
            if (done.getAsBoolean()) {
                return f.getCount() == 0;
            }
        }
        return true;
    }

    /** Lets a frozen connection go on (it usually finds its far end gone). */
    synchronized void thaw() {
        thawed.countDown();
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 10_000);
            } catch (IOException e) {
                reset(client);
                reset(upstream);
                continue;
            }
            synchronized (open) {
                open.add(client);
                open.add(upstream);
            }
            start("up", () -> pump(client, upstream, true));
            start("down", () -> pump(upstream, client, false));
        }
    }

    private void start(String dir, Runnable r) {
        Thread t = new Thread(r, "fault-proxy-" + dir + "-" + port());
        t.setDaemon(true);
        t.start();
    }

    /** Copies {@code from} to {@code to}; the client-to-target direction counts bytes and fires faults. */
    private void pump(Socket from, Socket to, boolean counted) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            while (true) {
                int n = in.read(buf);
                if (n < 0) {
                    to.shutdownOutput();
                    return;
                }
                if (!counted) {
                    out.write(buf, 0, n);
                    continue;
                }
                int off = 0;
                while (off < n) {
                    Kind fire;
                    int chunk;
                    synchronized (this) {
                        long before = forwarded.get();
                        long room = fireAt - before;
                        if (kind != null && room <= n - off) {
                            chunk = (int) Math.max(0, room);
                            fire = kind;
                            kind = null;
                            fireAt = Long.MAX_VALUE;
                            fired++;
                        } else {
                            chunk = n - off;
                            fire = null;
                        }
                        forwarded.addAndGet(chunk);
                    }
                    out.write(buf, off, chunk);
                    off += chunk;
                    if (fire == Kind.CUT) {
                        out.flush();
                        reset(from);
                        reset(to);
                        return;
                    }
                    if (fire == Kind.FREEZE) {
                        out.flush();
                        CountDownLatch f;
                        CountDownLatch t;
                        synchronized (this) {
                            f = frozen;
                            t = thawed;
                        }
                        f.countDown();
                        t.await();
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            reset(from);
            reset(to);
        } finally {
            synchronized (open) {
                open.remove(from);
                open.remove(to);
            }
        }
    }

    /** Closes a socket with a TCP reset rather than an orderly end of stream, as a dropped link looks. */
    private static void reset(Socket s) {
        try {
            if (!s.isClosed() && s.isConnected()) {
                s.setSoLinger(true, 0);
            }
        } catch (SocketException e) {
            // already gone
        }
        try {
            s.close();
        } catch (IOException e) {
            // already gone
        }
    }

    @Override
    public void close() {
        closed = true;
        disarm();
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            List<Socket> all;
            synchronized (open) {
                all = new ArrayList<>(open);
            }
            all.forEach(FaultProxy::reset);
        }
    }
}
