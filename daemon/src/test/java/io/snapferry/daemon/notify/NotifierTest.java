package io.snapferry.daemon.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.tasks.TaskHistory;
import io.snapferry.daemon.tasks.TaskRun;
import io.snapferry.testing.MutableClock;
import io.snapferry.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotifierTest {
    @TempDir
    Path tmp;
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);
    final List<Duration> slept = new ArrayList<>();
    final List<NotificationTarget> targets = new ArrayList<>();
    TaskHistory history;
    WebhookReceiver hook;
    Notifier notifier;

    @BeforeEach
    void start() throws Exception {
        history = new TaskHistory(tmp.resolve("history.jsonl"), clock, 100);
        hook = new WebhookReceiver();
        notifier = new Notifier(() -> List.copyOf(targets), history, clock, "box1",
                new WebhookSender(slept::add, 4, Duration.ofSeconds(1)), new SmtpClient(clock));
        notifier.start();
        history.onEnd(notifier::taskEnded);
    }

    @AfterEach
    void stop() throws Exception {
        notifier.stop();
        hook.close();
        history.close();
    }

    private NotificationTarget webhook(String id, NotificationEvent... events) {
        return new NotificationTarget(id, true, List.of(events), Optional.of(new NotificationTarget.Webhook(hook.url(),
                Optional.of("Bearer s3cret"))), Optional.empty());
    }

    private void run(String kind, String subject, TaskRun.State state, String result) {
        String id = history.start(kind, subject);
        clock.advance(Duration.ofMinutes(1));
        history.end(id, state, result);
    }

    @Test
    void aFailureAndTheRecoveryAreEachSentOnce() {
        targets.add(webhook("ops", NotificationEvent.FAILURE, NotificationEvent.RECOVERY));
        run("snapshot", "daily", TaskRun.State.SUCCEEDED, "created 1 snapshot");
        run("snapshot", "daily", TaskRun.State.FAILED, "pool tank does not exist");
        run("snapshot", "daily", TaskRun.State.SKIPPED, "skipped: nothing changed");
        run("snapshot", "daily", TaskRun.State.FAILED, "pool tank does not exist");
        run("replication", "daily", TaskRun.State.SUCCEEDED, "sent 3 snapshots");
        run("snapshot", "daily", TaskRun.State.SUCCEEDED, "created 1 snapshot");
        Poll.until(Duration.ofSeconds(10), "two notifications", () -> hook.received().size() >= 2);

        List<JsonNode> got = hook.received();
        assertThat(got).hasSize(2);
        assertThat(got.get(0).path("event").asText()).isEqualTo("FAILURE");
        assertThat(got.get(0).path("kind").asText()).isEqualTo("snapshot");
        assertThat(got.get(0).path("subject").asText()).isEqualTo("daily");
        assertThat(got.get(0).path("message").asText()).contains("pool tank does not exist");
        assertThat(got.get(0).path("time").asText()).isEqualTo("2026-11-22T10:02:00Z");
        assertThat(got.get(0).path("box").asText()).isEqualTo("box1");
        assertThat(got.get(1).path("event").asText()).isEqualTo("RECOVERY");
        assertThat(got.get(1).path("message").asText()).contains("succeeded again");
        assertThat(hook.authorizations()).containsOnly("Bearer s3cret");
    }

    @Test
    void aSubjectFirstSeenAfterARestartIsJudgedByItsHistory() throws Exception {
        targets.add(webhook("ops", NotificationEvent.RECOVERY, NotificationEvent.FAILURE));
        try (TaskHistory earlier = new TaskHistory(tmp.resolve("other.jsonl"), clock, 100)) {
            String id = earlier.start("replication", "offsite");
            earlier.end(id, TaskRun.State.FAILED, "connection refused");
            // A notifier started after that failure knows nothing of it; the history does.
            Notifier fresh = new Notifier(() -> List.copyOf(targets), earlier, clock, "box1",
                    new WebhookSender(slept::add, 1, Duration.ofSeconds(1)), new SmtpClient(clock));
            fresh.start();
            earlier.onEnd(fresh::taskEnded);
            String next = earlier.start("replication", "offsite");
            earlier.end(next, TaskRun.State.SUCCEEDED, "sent");
            fresh.stop();
        }
        assertThat(hook.received()).extracting(n -> n.path("event").asText()).containsExactly("RECOVERY");
    }

    @Test
    void targetsOnlyGetTheEventsTheyChose() {
        targets.add(webhook("recoveries", NotificationEvent.RECOVERY));
        targets.add(new NotificationTarget("off", false, List.of(NotificationEvent.FAILURE), Optional.of(
                new NotificationTarget.Webhook(hook.url(), Optional.empty())), Optional.empty()));
        run("snapshot", "a", TaskRun.State.FAILED, "boom");
        run("snapshot", "a", TaskRun.State.SUCCEEDED, "ok");
        Poll.until(Duration.ofSeconds(10), "the recovery", () -> hook.received().size() >= 1);
        notifier.stop();
        assertThat(hook.received()).extracting(n -> n.path("event").asText()).containsExactly("RECOVERY");
    }

    @Test
    void webhookRetriesWithDoublingBackoffUntilAccepted() throws Exception {
        hook.failFirst(2);
        int attempts = new WebhookSender(slept::add, 4, Duration.ofSeconds(1)).send(new NotificationTarget.Webhook(hook.url(),
                Optional.empty()), notifier.notification(NotificationEvent.TEST, "test", "all", "hello"));
        assertThat(attempts).isEqualTo(3);
        assertThat(hook.requests()).isEqualTo(3);
        assertThat(slept).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(hook.received()).singleElement().satisfies(n -> assertThat(n.path("message").asText()).isEqualTo("hello"));
    }

    @Test
    void webhookGivesUpAfterTheLastAttemptAndAtOnceOnARefusal() {
        hook.failFirst(100);
        WebhookSender sender = new WebhookSender(slept::add, 3, Duration.ofMillis(500));
        Notification n = notifier.notification(NotificationEvent.TEST, "test", "all", "hello");
        assertThatThrownBy(() -> sender.send(new NotificationTarget.Webhook(hook.url(), Optional.empty()), n))
                .isInstanceOf(DeliveryException.class).hasMessageContaining("failed after 3 attempts: HTTP 503");
        assertThat(hook.requests()).isEqualTo(3);
        assertThat(slept).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1));

        hook.failFirst(0).status(404);
        slept.clear();
        assertThatThrownBy(() -> sender.send(new NotificationTarget.Webhook(hook.url(), Optional.empty()), n))
                .hasMessageContaining("refused the notification: HTTP 404");
        assertThat(hook.requests()).isEqualTo(4);
        assertThat(slept).isEmpty();
    }

    @Test
    void theTestNotificationReachesAnSmtpServerWithAuthPlain() throws Exception {
        try (SmtpReceiver smtp = new SmtpReceiver("alice", "pa ss\u00e9")) {
            targets.add(new NotificationTarget("mail", true, List.of(NotificationEvent.TEST), Optional.empty(), Optional.of(
                    new NotificationTarget.Email("127.0.0.1", smtp.port(), false, Optional.of("alice"), Optional.of("pa ss\u00e9"),
                            "snapferry@box1.example", List.of("ops@example.com", "oncall@example.com")))));
            List<Notifier.Delivery> results = notifier.sendTest(Optional.empty());
            assertThat(results).containsExactly(new Notifier.Delivery("mail", "email", true, "delivered"));
            SmtpReceiver.Message m = smtp.messages().get(0);
            assertThat(m.authUser()).isEqualTo("alice");
            assertThat(m.from()).isEqualTo("snapferry@box1.example");
            assertThat(m.to()).containsExactly("ops@example.com", "oncall@example.com");
            assertThat(m.header("Subject")).isEqualTo("[box1] TEST test all");
            assertThat(m.header("To")).isEqualTo("ops@example.com, oncall@example.com");
            assertThat(m.text()).contains("a test notification from snapferry on box1").contains("event: TEST");
            assertThat(smtp.commands()).contains("QUIT");
        }
    }

    @Test
    void aRefusedSmtpLoginIsReportedWithoutThePassword() throws Exception {
        try (SmtpReceiver smtp = new SmtpReceiver("alice", "right")) {
            targets.add(new NotificationTarget("mail", true, List.of(NotificationEvent.TEST), Optional.empty(), Optional.of(
                    new NotificationTarget.Email("127.0.0.1", smtp.port(), false, Optional.of("alice"), Optional.of("wrong-secret"),
                            "a@b.example", List.of("c@d.example")))));
            Notifier.Delivery d = notifier.sendTest(Optional.of("mail")).get(0);
            assertThat(d.ok()).isFalse();
            assertThat(d.detail()).contains("refused AUTH PLAIN: 535").doesNotContain("wrong-secret").doesNotContain("AUTH PLAIN A");
            assertThat(smtp.messages()).isEmpty();
        }
    }

    @Test
    void smtpWithStarttlsRefusesAServerThatDoesNotOfferIt() throws Exception {
        try (SmtpReceiver smtp = new SmtpReceiver(null, null)) {
            targets.add(new NotificationTarget("mail", true, List.of(NotificationEvent.TEST), Optional.empty(), Optional.of(
                    new NotificationTarget.Email("127.0.0.1", smtp.port(), true, Optional.empty(), Optional.empty(),
                            "a@b.example", List.of("c@d.example")))));
            Notifier.Delivery d = notifier.sendTest(Optional.empty()).get(0);
            assertThat(d.ok()).isFalse();
            assertThat(d.detail()).contains("does not offer STARTTLS");
        }
    }

    @Test
    void targetsAreValidatedFieldByField() {
        assertThatThrownBy(() -> new NotificationTarget("x", true, List.of(), Optional.of(new NotificationTarget.Webhook("ftp://h/x",
                Optional.empty())), Optional.empty()).validate()).isInstanceOfSatisfying(InvalidTargetException.class,
                e -> assertThat(e.field()).isEqualTo("webhook.url"));
        assertThatThrownBy(() -> new NotificationTarget("x", true, List.of(), Optional.empty(), Optional.empty()).validate())
                .isInstanceOfSatisfying(InvalidTargetException.class, e -> assertThat(e.field()).isEqualTo("webhook"));
        assertThatThrownBy(() -> new NotificationTarget("x", true, List.of(), Optional.empty(), Optional.of(new NotificationTarget.Email(
                "smtp.example", 587, true, Optional.empty(), Optional.empty(), "a@b.example", List.of("not an address")))).validate())
                .isInstanceOfSatisfying(InvalidTargetException.class, e -> assertThat(e.field()).isEqualTo("email.to"));
        assertThatThrownBy(() -> new NotificationTarget("Bad Id", true, List.of(), Optional.of(new NotificationTarget.Webhook(
                "https://h/x", Optional.empty())), Optional.empty()).validate())
                .isInstanceOfSatisfying(InvalidTargetException.class, e -> assertThat(e.field()).isEqualTo("id"));
    }

    @Test
    void secretsAreLeftOutForDisplayAndKeptOnAnEditWithoutThem() {
        NotificationTarget stored = new NotificationTarget("mail", true, List.of(NotificationEvent.FAILURE), Optional.empty(), Optional.of(
                new NotificationTarget.Email("smtp.example", 587, true, Optional.of("u"), Optional.of("pw"), "a@b.example", List.of("c@d.example"))));
        NotificationTarget shown = stored.withoutSecrets();
        assertThat(shown.email().orElseThrow().password()).isEmpty();
        NotificationTarget edited = new NotificationTarget("mail", true, List.of(NotificationEvent.FAILURE, NotificationEvent.RECOVERY),
                Optional.empty(), shown.email());
        assertThat(edited.keepingSecretsOf(Optional.of(stored)).email().orElseThrow().password()).contains("pw");
    }
}
