package io.snapferry.daemon.notify;

import io.snapferry.replication.Sleeper;

import io.snapferry.daemon.config.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Posts a notification as JSON ({@code {"event", "kind", "subject", "message", "time", "box"}}) to
 * a webhook. A connection failure, a 429 or a 5xx answer is retried after 1 s, 2 s, 4 s ...
 * (doubling, at most {@code maxAttempts} attempts in all); any other 4xx answer is final.
 * Thread-safe.
 */
public final class WebhookSender {
    private final HttpClient http;
    private final Sleeper sleeper;
    private final int maxAttempts;
    private final Duration firstBackoff;

    public WebhookSender(Sleeper sleeper, int maxAttempts, Duration firstBackoff) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        this.sleeper = sleeper;
        this.maxAttempts = maxAttempts;
        this.firstBackoff = firstBackoff;
    }

    /** The JSON body a webhook receives. */
    public static byte[] body(Notification n) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", n.event().name());
        m.put("kind", n.kind());
        m.put("subject", n.subject());
        m.put("message", n.message());
        m.put("time", n.time().toString());
        m.put("box", n.box());
        return Json.mapper().writeValueAsBytes(m);
    }

    /**
     * Delivers, retrying as described; returns the number of attempts it took.
     *
     * @throws DeliveryException after the last failed attempt, or at once on a final refusal
     */
    public int send(NotificationTarget.Webhook hook, Notification n) throws DeliveryException {
        byte[] body;
        try {
            body = body(n);
        } catch (IOException e) {
            throw new DeliveryException("cannot encode the notification: " + e.getMessage(), e);
        }
        Duration backoff = firstBackoff;
        String last = "";
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(hook.url())).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").header("User-Agent", "snapferry")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            hook.authorization().ifPresent(a -> req.header("Authorization", a));
            try {
                HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
                int s = r.statusCode();
                if (s >= 200 && s < 300) {
                    return attempt;
                }
                last = "HTTP " + s;
                if (s != 429 && s < 500) {
                    throw new DeliveryException("webhook " + hook.url() + " refused the notification: " + last);
                }
            } catch (IOException e) {
                last = e.getMessage() == null ? e.toString() : e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeliveryException("interrupted while sending to " + hook.url(), e);
            }
            if (attempt < maxAttempts) {
                try {
                    sleeper.sleep(backoff);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DeliveryException("interrupted while waiting to retry " + hook.url(), e);
                }
                backoff = backoff.multipliedBy(2);
            }
        }
        throw new DeliveryException("webhook " + hook.url() + " failed after " + maxAttempts + " attempts: " + last);
    }
}
