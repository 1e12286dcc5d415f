package io.snapferry.daemon.notify;

import io.snapferry.daemon.config.ConfigStore;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where notifications go: exactly one of a webhook or an e-mail destination, with the events it
 * receives.
 *
 * @param id      lower-case letters, digits, '-' and '_'
 * @param enabled a disabled target receives nothing, not even tests
 * @param events  the events this target receives
 */
public record NotificationTarget(String id, boolean enabled, List<NotificationEvent> events, Optional<Webhook> webhook,
                                 Optional<Email> email) {
    private static final Pattern ADDRESS = Pattern.compile("[^\\s<>@\",;]+@[^\\s<>@\",;]+");

    public NotificationTarget {
        events = events == null ? List.of() : List.copyOf(events);
        webhook = webhook == null ? Optional.empty() : webhook;
        email = email == null ? Optional.empty() : email;
    }

    /**
     * A JSON POST of {@code {"event", "kind", "subject", "message", "time", "box"}} to {@code url}
     * (http or https), with an optional {@code Authorization} header value.
     */
    public record Webhook(String url, Optional<String> authorization) {
        public Webhook {
            authorization = authorization == null ? Optional.empty() : authorization;
        }
    }

    /**
     * E-mail over SMTP.
     *
     * @param port     25, 587 (usually with STARTTLS) or another
     * @param starttls upgrade the connection with STARTTLS before authenticating (the server must offer it)
     * @param username with {@code password}, AUTH PLAIN; empty for an open relay
     */
    public record Email(String host, int port, boolean starttls, Optional<String> username, Optional<String> password,
                        String from, List<String> to) {
        public Email {
            username = username == null ? Optional.empty() : username;
            password = password == null ? Optional.empty() : password;
            to = to == null ? List.of() : List.copyOf(to);
        }
    }

    public String type() {
        return webhook.isPresent() ? "webhook" : "email";
    }

    public boolean wants(NotificationEvent e) {
        return enabled && events.contains(e);
    }

    /** Checks every field; throws {@link InvalidTargetException} naming the first one at fault. */
    public NotificationTarget validate() {
        if (!ConfigStore.validId(id)) {
            throw new InvalidTargetException("id", "a target id uses lower-case letters, digits, '-' and '_' (1 to 64), not '" + id + "'");
        }
        if (webhook.isPresent() == email.isPresent()) {
            throw new InvalidTargetException("webhook", "target " + id + " needs exactly one of 'webhook' or 'email'");
        }
        if (webhook.isPresent()) {
            String url = webhook.get().url();
            try {
                URI u = new URI(url == null ? "" : url);
                if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                    throw new URISyntaxException(String.valueOf(url), "not an http or https URL with a host");
                }
            } catch (URISyntaxException e) {
                throw new InvalidTargetException("webhook.url", "target " + id + ": '" + url + "' is not an http(s) URL such as https://hooks.example.com/snapferry");
            }
            if (webhook.get().authorization().filter(a -> a.contains("\r") || a.contains("\n")).isPresent()) {
                throw new InvalidTargetException("webhook.authorization", "target " + id + ": the authorization value must be one line");
            }
        }
        if (email.isPresent()) {
            Email m = email.get();
            if (m.host() == null || m.host().isBlank() || !m.host().matches("[A-Za-z0-9.:\\[\\]-]+")) {
                throw new InvalidTargetException("email.host", "target " + id + ": the SMTP host must be a host name or address");
            }
            if (m.port() < 1 || m.port() > 65535) {
                throw new InvalidTargetException("email.port", "target " + id + ": the SMTP port must be from 1 to 65535");
            }
            if (m.from() == null || !ADDRESS.matcher(m.from()).matches()) {
                throw new InvalidTargetException("email.from", "target " + id + ": '" + m.from() + "' is not an e-mail address");
            }
            if (m.to().isEmpty()) {
                throw new InvalidTargetException("email.to", "target " + id + ": give at least one recipient");
            }
            for (String to : m.to()) {
                if (to == null || !ADDRESS.matcher(to).matches()) {
                    throw new InvalidTargetException("email.to", "target " + id + ": '" + to + "' is not an e-mail address");
                }
            }
            if (m.username().isPresent() != m.password().isPresent()) {
                throw new InvalidTargetException("email.password", "target " + id + ": give both username and password, or neither");
            }
        }
        return this;
    }

    /** The target without its secrets (the SMTP password, the webhook's authorization), for display and export. */
    public NotificationTarget withoutSecrets() {
        return new NotificationTarget(id, enabled, events,
                webhook.map(w -> new Webhook(w.url(), Optional.empty())),
                email.map(m -> new Email(m.host(), m.port(), m.starttls(), m.username(), Optional.empty(), m.from(), m.to())));
    }

    /** This target, with the secrets it does not give taken from {@code old} (an edit that leaves the password out keeps it). */
    public NotificationTarget keepingSecretsOf(Optional<NotificationTarget> old) {
        if (old.isEmpty()) {
            return this;
        }
        NotificationTarget o = old.get();
        Optional<Webhook> w = webhook.map(h -> h.authorization().isPresent() || o.webhook().isEmpty() ? h
                : new Webhook(h.url(), o.webhook().get().authorization()));
        Optional<Email> e = email.map(m -> m.password().isPresent() || o.email().isEmpty() || m.username().isEmpty()
                ? m : new Email(m.host(), m.port(), m.starttls(), m.username(), o.email().get().password(), m.from(), m.to()));
        return new NotificationTarget(id, enabled, events, w, e);
    }
}
