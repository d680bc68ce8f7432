package io.tidegate.gateway.resilience;

import static io.tidegate.gateway.resilience.DiskSpoolTest.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.config.GatewayConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class ResilientBackendTest {

    @TempDir
    Path dir;

    private static GatewayConfig.Resilience config(String openWait) {
        return GatewayConfig.defaultsWith(
                "resilience.breaker.minimum-calls=4",
                "resilience.breaker.sliding-window-size=4",
                "resilience.breaker.open-wait=" + openWait,
                "resilience.retry.initial-backoff=2ms",
                "resilience.call-timeout=500ms").resilience();
    }

    private ResilientBackend resilient(FakeBackend fake, String openWait, long maxBytes) {
        DiskSpool spool = DiskSpool.open(dir, DiskSpoolTest.settings("ALWAYS", maxBytes, 64 * 1024));
        return new ResilientBackend(fake, spool, config(openWait), 100);
    }

    private static List<String> ids(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "m" + i).toList();
    }

    @Test
    void appendsGoStraightToAHealthyBackend() throws Exception {
        FakeBackend fake = new FakeBackend();
        try (ResilientBackend backend = resilient(fake, "10s", 1 << 20)) {
            List<AppendResult> results = backend.append(batch("t", 0, 5)).get(5, TimeUnit.SECONDS);
            assertThat(results).noneMatch(AppendResult::spooled).hasSize(5);
            assertThat(fake.storedIds()).containsExactlyElementsOf(ids(0, 5));
            assertThat(backend.degradedReason()).isNull();
            assertThat(backend.stats().spooledMessages()).isZero();
        }
    }

    @Test
    void theBreakerOpensAfterFailuresAndPublishesGoToTheSpool() throws Exception {
        FakeBackend fake = new FakeBackend();
        fake.up(false);
        try (ResilientBackend backend = resilient(fake, "30s", 1 << 20)) {
            for (int b = 0; b < 10; b++) {
                List<AppendResult> results = backend.append(batch("t", b * 10, 10)).get(5, TimeUnit.SECONDS);
                assertThat(results).hasSize(10).allMatch(AppendResult::spooled);
            }
            assertThat(backend.breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
            int callsWhenOpen = fake.calls();
            for (int b = 10; b < 20; b++) {
                assertThat(backend.append(batch("t", b * 10, 10)).get(5, TimeUnit.SECONDS)).allMatch(AppendResult::spooled);
            }
            assertThat(fake.calls()).as("an open breaker keeps calls off the backend").isEqualTo(callsWhenOpen);
            ResilienceStats stats = backend.stats();
            System.out.println("breaker open: " + stats);
            assertThat(stats.spooledMessages()).isEqualTo(200);
            assertThat(stats.spoolPending()).isEqualTo(200);
            assertThat(stats.breakerOpened()).isEqualTo(1);
            assertThat(backend.isReady()).as("ready while spooling").isTrue();
            assertThat(backend.degradedReason()).contains("spooling").contains("200 messages");
        }
    }

    @Test
    void aRefusedMessageIsAnsweredAndNeitherRetriedNorSpooledNorCountedByTheBreaker() throws Exception {
        FakeBackend fake = new FakeBackend();
        fake.refuse("secret");
        try (ResilientBackend backend = resilient(fake, "30s", 1 << 20)) {
            for (int b = 0; b < 10; b++) {
                List<io.tidegate.gateway.backend.Envelope> mixed = new ArrayList<>(batch("secret", b * 10, 5));
                mixed.addAll(batch("open", b * 10 + 5, 5));
                List<AppendResult> results = backend.append(mixed).get(5, TimeUnit.SECONDS);
                assertThat(results.subList(0, 5)).allMatch(AppendResult::refused).noneMatch(AppendResult::spooled);
                assertThat(results.subList(5, 10)).noneMatch(AppendResult::refused).noneMatch(AppendResult::spooled);
            }
            assertThat(fake.calls()).as("no retries").isEqualTo(10);
            assertThat(backend.breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
            assertThat(backend.stats().spooledMessages()).isZero();
            assertThat(backend.stats().spoolPending()).isZero();
            assertThat(fake.storedIds()).hasSize(50).allMatch(id -> Integer.parseInt(id.substring(1)) % 10 >= 5);
        }
    }

    @Test
    void aSpooledMessageWhoseReplayIsRefusedStaysInTheSpoolUntilTheBackendTakesIt() throws Exception {
        FakeBackend fake = new FakeBackend();
        fake.up(false);
        try (ResilientBackend backend = resilient(fake, "200ms", 1 << 20)) {
            assertThat(backend.append(batch("secret", 0, 3)).get(5, TimeUnit.SECONDS)).allMatch(AppendResult::spooled);
            fake.refuse("secret"); // the ACL changed while Redis was away
            fake.up(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> String.valueOf(backend.degradedReason())
                    .contains("refuses the replay (NOPERM"));
            assertThat(backend.stats().spoolPending()).as("acknowledged, so never dropped").isEqualTo(3);
            fake.refuse(null); // the ACL is fixed
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.degradedReason() == null);
            assertThat(fake.storedIds()).containsExactlyElementsOf(ids(0, 3));
        }
    }

    @Test
    void theSpoolIsReplayedInOrderBeforeNewTraffic() throws Exception {
        FakeBackend fake = new FakeBackend();
        fake.up(false);
        try (ResilientBackend backend = resilient(fake, "200ms", 1 << 20)) {
            for (int b = 0; b < 20; b++) {
                assertThat(backend.append(batch("t", b * 10, 10)).get(5, TimeUnit.SECONDS)).allMatch(AppendResult::spooled);
            }
            fake.up(true);
            List<CompletableFuture<List<AppendResult>>> later = new ArrayList<>();
            for (int b = 20; b < 60; b++) {
                later.add(backend.append(batch("t", b * 10, 10))); // while the spool is still full
            }
            for (var f : later) {
                assertThat(f.get(10, TimeUnit.SECONDS)).hasSize(10);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.degradedReason() == null);
            assertThat(fake.storedIds()).as("spooled first, then newer, each once").containsExactlyElementsOf(ids(0, 600));
            assertThat(backend.stats().replayedMessages()).isGreaterThanOrEqualTo(200);
            // direct again
            assertThat(backend.append(batch("t", 600, 1)).get(5, TimeUnit.SECONDS)).noneMatch(AppendResult::spooled);
            assertThat(fake.storedIds()).hasSize(601);
        }
    }

    @Test
    void batchesInFlightThatFailTogetherAreRetriedInOrderBeforeLaterOnes() throws Exception {
        FakeBackend fake = new FakeBackend();
        try (ResilientBackend backend = resilient(fake, "200ms", 1 << 20)) {
            fake.hold(true);
            var a = backend.append(batch("t", 0, 10));
            var b = backend.append(batch("t", 10, 10));
            var c = backend.append(batch("t", 20, 10));
            assertThat(fake.heldCount()).isEqualTo(3);
            fake.hold(false);
            fake.failHeld(); // the connection dropped with three batches in flight
            var d = backend.append(batch("t", 30, 10));
            for (var f : List.of(a, b, c, d)) {
                // appended by the ordered retry, or spooled once the three failures opened the breaker
                assertThat(f.get(5, TimeUnit.SECONDS)).hasSize(10);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.degradedReason() == null);
            assertThat(fake.storedIds()).containsExactlyElementsOf(ids(0, 40));
            assertThat(backend.stats().retriedBatches()).isEqualTo(3);
            assertThat(backend.stats().reorderedBatches()).isZero();
        }
    }

    @Test
    void onlyABatchOvertakingARetriedOneOfItsOwnKeyCountsAsReorderedAndTheWarningNamesTheKey() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(ResilientBackend.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        FakeBackend fake = new FakeBackend();
        try (ResilientBackend backend = resilient(fake, "200ms", 1 << 20)) {
            fake.hold(true);
            var first = backend.append(batch("t", 0, 10));
            var sameKey = backend.append(batch("t", 10, 10)); // a caller with two batches of key-t out
            var otherKey = backend.append(batch("u", 20, 10));
            fake.hold(false);
            fake.failOldestHeld(); // the first one goes to the ordered retry
            fake.answerHeld(); // the later two reach the backend while it waits
            for (var f : List.of(first, sameKey, otherKey)) {
                assertThat(f.get(5, TimeUnit.SECONDS)).hasSize(10);
            }
            assertThat(backend.stats().retriedBatches()).isEqualTo(1);
            assertThat(backend.stats().reorderedBatches()).as("key-u's batch overtook nothing of its key").isEqualTo(1);
            assertThat(lines.list).filteredOn(e -> e.getFormattedMessage().contains("broken"))
                    .singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).contains("'key-t'").doesNotContain("key-u"));
        } finally {
            logger.detachAppender(lines);
        }
    }

    @Test
    void aFullSpoolRefusesWithSpoolFullAndNeverDrops() throws Exception {
        FakeBackend fake = new FakeBackend();
        fake.up(false);
        try (ResilientBackend backend = resilient(fake, "200ms", 8 * 1024)) {
            int spooled = 0;
            int refused = 0;
            for (int b = 0; b < 100; b++) {
                try {
                    backend.append(batch("t", b * 10, 10)).get(5, TimeUnit.SECONDS);
                    spooled += 10;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(SpoolFullException.class);
                    refused += 10;
                }
            }
            assertThat(spooled).isPositive();
            assertThat(refused).isPositive();
            assertThat(backend.stats().refusedMessages()).isEqualTo(refused);
            fake.up(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.degradedReason() == null);
            assertThat(fake.storedIds()).as("everything spooled reached the backend").hasSize(spooled);
            System.out.printf("full spool: spooled=%d refused=%d replayed=%d%n", spooled, refused,
                    backend.stats().replayedMessages());
        }
    }

    @Test
    void aSpoolLeftByAnEarlierRunIsReplayedAtStart() throws Exception {
        FakeBackend down = new FakeBackend();
        down.up(false);
        try (ResilientBackend backend = resilient(down, "30s", 1 << 20)) {
            for (int b = 0; b < 5; b++) {
                backend.append(batch("t", b * 10, 10)).get(5, TimeUnit.SECONDS);
            }
            assertThat(backend.stats().spoolPending()).isEqualTo(50);
        }
        FakeBackend up = new FakeBackend();
        try (ResilientBackend backend = resilient(up, "30s", 1 << 20)) {
            var newer = backend.append(batch("t", 50, 10));
            newer.get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.degradedReason() == null);
            assertThat(up.storedIds()).containsExactlyElementsOf(ids(0, 60));
        }
    }
}
