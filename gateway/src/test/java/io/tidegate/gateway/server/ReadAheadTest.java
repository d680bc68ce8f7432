package io.tidegate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.StartAt;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.StreamPosition;
import io.tidegate.gateway.backend.SubscriptionSpec;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.routing.TopicPattern;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A subscription sizes each request to the backend by the live {@link ReadAhead}, so a change (the
 * tuning controller's) bounds the requests that follow. The test plays a backend that always has
 * more than asked and a stream that writes at once: the subscription's window grows to the
 * read-ahead, whatever it is at the time.
 */
class ReadAheadTest {

    private long seq;

    @Test
    void aReadAheadChangedWhileRunningBoundsTheRequestsThatFollow() {
        ReadAhead readAhead = new ReadAhead(64);
        FullBackend backend = new FullBackend();
        List<StoredMessage> handed = new ArrayList<>();
        SessionSubscription subscription = new SessionSubscription(
                new SubscriptionOptions("s", spec(), 1_000_000, false), output(handed), 1_000_000,
                new ConflationCounter(), new OutboundBudget(Long.MAX_VALUE / 4), readAhead,
                GatewayConfig.defaultsWith().delivery(), ConflationRule.ALL);
        subscription.open(backend);
        subscription.startThenConfirm(() -> { });

        assertThat(mostAskedOver(20, subscription, backend, handed)).isEqualTo(64);
        readAhead.messages(1024);
        assertThat(mostAskedOver(20, subscription, backend, handed)).isEqualTo(1024);
        readAhead.messages(16);
        fill(subscription, backend, handed); // what was asked for before the change still comes
        assertThat(mostAskedOver(20, subscription, backend, handed)).isEqualTo(16);
    }

    /** Rounds of: the backend fills what is asked, the stream writes it; the most ever asked at once. */
    private long mostAskedOver(int rounds, SessionSubscription subscription, FullBackend backend,
                               List<StoredMessage> handed) {
        long most = 0;
        for (int i = 0; i < rounds; i++) {
            most = Math.max(most, backend.demand);
            fill(subscription, backend, handed);
        }
        return most;
    }

    private void fill(SessionSubscription subscription, FullBackend backend, List<StoredMessage> handed) {
        List<StoredMessage> messages = new ArrayList<>();
        for (long i = 0; i < backend.demand; i++) {
            messages.add(new StoredMessage(new StreamPosition("t", new EntryId(1, ++seq)),
                    TestMessages.msg("t", "payload"), 0, 1));
        }
        backend.demand = 0;
        subscription.onMessages(messages);
        long bytes = handed.stream().mapToLong(OutboundBudget::sizeOf).sum();
        int n = handed.size();
        handed.clear();
        subscription.left(n, bytes);
    }

    private static SubscriptionSpec spec() {
        return new SubscriptionSpec("s", List.of(TopicPattern.compile("t", 255)), null, null, StartAt.LATEST, null);
    }

    private static SessionSubscription.Output output(List<StoredMessage> handed) {
        return new SessionSubscription.Output() {
            @Override
            public void deliver(SessionSubscription from, List<StoredMessage> messages, long[] conflatedBefore) {
                handed.addAll(messages);
            }

            @Override
            public void ended(SessionSubscription subscription, Throwable cause) {
            }

            @Override
            public void reset(SessionSubscription subscription, String reason, Instant detectedAt) {
            }

            @Override
            public void gap(SessionSubscription subscription, io.tidegate.gateway.backend.DeliveryGap gap) {
            }
        };
    }

    /** Holds whatever is asked for until the test fills it. */
    private static final class FullBackend implements Backend, BackendSubscription {
        long demand;

        @Override
        public CompletableFuture<List<AppendResult>> append(List<Envelope> batch) {
            throw new UnsupportedOperationException();
        }

        @Override
        public BackendSubscription subscribe(SubscriptionSpec spec, DeliverySink sink) {
            return this;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public String name() {
            return "full";
        }

        @Override
        public void request(int n) {
            demand += n;
        }

        @Override
        public void ack(Collection<StreamPosition> positions) {
        }

        @Override
        public void nack(Collection<StreamPosition> positions, Duration delay) {
        }

        @Override
        public void extendDeadline(Collection<StreamPosition> positions, Duration extension) {
        }

        @Override
        public void close() {
        }
    }
}
