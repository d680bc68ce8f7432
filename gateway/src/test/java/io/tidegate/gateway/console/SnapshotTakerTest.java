package io.tidegate.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.config.GatewayConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** How the snapshot reads its views: rates between snapshots, gone replicas, stalled subscribers, topic grouping. */
class SnapshotTakerTest {

    private static final GatewayConfig.Console CONFIG = new GatewayConfig.Console(true, 16, 2, Duration.ofSeconds(1),
            Duration.ofSeconds(5), Duration.ofSeconds(2));

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now.get());
        }
    };
    private final AtomicReference<List<TrafficView.TopicCount>> topics = new AtomicReference<>(List.of());
    private final AtomicReference<List<ClientView.Client>> clients = new AtomicReference<>(List.of());
    private final AtomicReference<List<ReplicaView.Replica>> replicas = new AtomicReference<>(List.of());

    private SnapshotTaker taker() {
        var views = new SnapshotTaker.Views(replicas::get, topics::get, new GroupView() {
            @Override
            public Map<String, Long> lag() {
                return Map.of("risk", 7L);
            }

            @Override
            public Map<String, Long> pending() {
                return Map.of("risk", 3L);
            }
        }, clients::get, new NoLanes(), new MemoryBackend(), new NoIntelligence(), RemediationView.NONE);
        return new SnapshotTaker("a", "1.0", CONFIG, views, clock);
    }

    @Test
    void ratesAreTheCountersDifferenceOverTheIntervalAndTopicsSplitIntoKindVenueInstrument() {
        SnapshotTaker taker = taker();
        topics.set(List.of(new TrafficView.TopicCount("data.quotes.BINANCE.BTCUSDT", "data.quotes", "BINANCE", "BTCUSDT",
                100, 40, now.get(), now.get())));
        taker.take();
        now.addAndGet(2_000);
        topics.set(List.of(new TrafficView.TopicCount("data.quotes.BINANCE.BTCUSDT", "data.quotes", "BINANCE", "BTCUSDT",
                300, 50, now.get() - 500, now.get() - 1_000)));
        ConsoleSnapshot s = taker.take();
        ConsoleSnapshot.TopicRow row = s.topics().get(0);
        assertThat(row.venue()).isEqualTo("BINANCE");
        assertThat(row.instrument()).isEqualTo("BTCUSDT");
        assertThat(row.inPerSecond()).isEqualTo(100.0);
        assertThat(row.outPerSecond()).isEqualTo(5.0);
        assertThat(row.lastMessageAgeSeconds()).isEqualTo(0.5);
        assertThat(s.groups()).containsExactly(new ConsoleSnapshot.GroupRow("risk", 7, 3, 0, 0));
    }

    @Test
    void aReplicaNotHeardForThreeAnnounceIntervalsIsGoneAndThisOneIsAlwaysUp() {
        replicas.set(List.of(new ReplicaView.Replica("a", "1.0", now.get() - 60_000),
                new ReplicaView.Replica("b", "1.0", now.get() - 5_000),
                new ReplicaView.Replica("c", "1.0", now.get() - 7_000)));
        assertThat(taker().take().replicas()).extracting(ConsoleSnapshot.ReplicaRow::state)
                .containsExactly("up", "up", "gone");
    }

    @Test
    void aSubscriptionWithABacklogThatTookNothingForTheStallLimitIsStalled() {
        var stalled = new ClientView.Subscription("s1", List.of("data.>"), "", 900, 120, 4096, 100, 0, now.get() - 6_000);
        var reading = new ClientView.Subscription("s2", List.of("data.>"), "", 900, 120, 4096, 100, 0, now.get() - 1_000);
        var starved = new ClientView.Subscription("s3", List.of("data.>"), "", 0, 0, 0, 100, 0, now.get() - 60_000);
        clients.set(List.of(new ClientView.Client("x", "reader", "", now.get(), 0, List.of(stalled, reading, starved))));
        assertThat(taker().take().subscribers()).extracting(ConsoleSnapshot.SubscriberRow::state)
                .containsExactly("stalled", "ok", "no_credit");
    }

    private static final class NoLanes implements LaneView {
        @Override
        public List<Lane> lanes() {
            return List.of();
        }

        @Override
        public int workers() {
            return 1;
        }

        @Override
        public int busyWorkers() {
            return 0;
        }
    }

    private static final class MemoryBackend implements BackendView {
        @Override
        public String name() {
            return "memory";
        }

        @Override
        public String notReadyReason() {
            return null;
        }

        @Override
        public String degradedNote() {
            return null;
        }

        @Override
        public Map<String, String> breakers() {
            return Map.of();
        }

        @Override
        public long spoolBytes() {
            return 0;
        }

        @Override
        public long spoolPending() {
            return 0;
        }

        @Override
        public long spoolMaxBytes() {
            return 0;
        }
    }

    private static final class NoIntelligence implements IntelligenceView {
        @Override
        public boolean regimesEnabled() {
            return false;
        }

        @Override
        public int instrumentsTracked() {
            return 0;
        }

        @Override
        public Map<String, Long> regimeChanges() {
            return Map.of();
        }

        @Override
        public String regimeOf(String venue, String symbol) {
            return null;
        }

        @Override
        public boolean arbitrageEnabled() {
            return false;
        }

        @Override
        public long arbitrageSignals() {
            return 0;
        }
    }
}
