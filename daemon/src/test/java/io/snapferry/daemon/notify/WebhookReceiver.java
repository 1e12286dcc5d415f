package io.snapferry.daemon.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.snapferry.daemon.config.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook endpoint for tests: a JDK HTTP server on a free loopback port that records every POST
 * body and answers {@code failFirst} requests with 503 before accepting.
 */
public final class WebhookReceiver implements AutoCloseable {
    private final HttpServer server;
    private final List<JsonNode> received = new ArrayList<>();
    private final List<String> authorizations = new ArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile int failFirst;
    private volatile int status = 204;

    public WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            int n = requests.incrementAndGet();
            int answer = n <= failFirst ? 503 : status;
            if (answer < 300) {
                synchronized (this) {
                    received.add(Json.mapper().readTree(body));
                    authorizations.add(ex.getRequestHeaders().getFirst("Authorization"));
                }
            }
            ex.sendResponseHeaders(answer, -1);
            ex.close();
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    /** Answers the first {@code n} requests with 503. */
    public WebhookReceiver failFirst(int n) {
        this.failFirst = n;
        return this;
    }

    /** The status of accepted requests (204 unless set). */
    public WebhookReceiver status(int s) {
        this.status = s;
        return this;
    }

    public int requests() {
        return requests.get();
    }

    public synchronized List<JsonNode> received() {
        return List.copyOf(received);
    }

    public synchronized List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
