/**
 * Notifications: events (a task failed, recovered, a pool runs low on space, a test) sent to the
 * targets configured in {@code config/notifications.json}: webhooks (JSON POST, retried with
 * backoff) and e-mail (a minimal SMTP client with optional STARTTLS and AUTH PLAIN).
 * {@link Notifier} is the service the rest of the daemon publishes to.
 */
package io.snapferry.daemon.notify;
