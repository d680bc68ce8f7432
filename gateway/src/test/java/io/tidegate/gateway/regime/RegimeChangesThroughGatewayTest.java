package io.tidegate.gateway.regime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.intelligence.regime.InstrumentProfile;
import io.tidegate.intelligence.regime.RegimeChange;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.GetRegimeRequest;
import io.tidegate.proto.v1.IntelligenceServiceGrpc;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import io.tidegate.proto.v1.PublishRequest;
import io.tidegate.proto.v1.PublishResult;
import io.tidegate.proto.v1.StartPosition;
import io.tidegate.proto.v1.Subscribe;
import io.tidegate.proto.v1.SubscribeRequest;
import io.tidegate.proto.v1.SubscribeResponse;
import io.tidegate.proto.v1.SubscriptionMode;
import io.tidegate.proto.v1.WatchRegimesRequest;
import io.tidegate.proto.v1.WatchRegimesResponse;
import io.tidegate.testkit.RedisServerExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The regime detector inside a real gateway (memory and Redis backends, real gRPC over a socket):
 * generated quote series published on {@code data.quotes.<VENUE>.<SYMBOL>} make exactly the regime
 * changes a detector fed the same values offline makes, published on {@code intel.regime.<VENUE>.<SYMBOL>},
 * answered by GetRegime and streamed by WatchRegimes; bad requests, unreadable payloads and the
 * instrument limit get the documented answers while the publishes succeed.
 */
class RegimeChangesThroughGatewayTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static QuoteSeries btc;
    private static QuoteSeries alt;

    @TempDir
    Path spool;

    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void generateSeries() {
        btc = QuoteSeries.generate("TESTVENUE", "BTCUSDT", 2001, InstrumentProfile.BTC_LIKE, 12_000);
        alt = QuoteSeries.generate("OTHERVENUE", "ALTUSDT", 2502, InstrumentProfile.ALTCOIN_LIKE, 12_000);
    }

    @AfterEach
    void closeChannels() {
        channels.forEach(ManagedChannel::shutdownNow);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "redis"})
    void quoteSeriesPublishTheDetectorsChangesOnIntelRegimeTopicsAndToWatchers(String backend) {
        assertThat(btc.expectedChanges()).as("the series must make the detector switch").hasSizeGreaterThan(2);
        assertThat(alt.expectedChanges()).hasSizeGreaterThan(2);
        try (EmbeddedGateway gateway = start(backend)) {
            ManagedChannel channel = channel(gateway);
            List<Delivery> regimeTopic = subscribe(channel, "intel.regime.>");
            Watch all = watch(channel, "", "");
            Watch btcOnly = watch(channel, "", "BTCUSDT");
            await().atMost(Duration.ofSeconds(10)).until(() -> gateway.regimeWatchers().count() == 2);

            publish(channel, btc.messages());
            publish(channel, alt.messages());

            int total = btc.expectedChanges().size() + alt.expectedChanges().size();
            await().atMost(Duration.ofSeconds(60)).until(() -> regimeTopic.size() >= total && all.changes.size() >= total
                    && btcOnly.changes.size() >= btc.expectedChanges().size());
            assertPublished(regimeTopic, btc);
            assertPublished(regimeTopic, alt);
            assertThat(regimeTopic).hasSize(total);
            assertThat(all.changes).hasSize(total);
            assertThat(all.of(btc)).isEqualTo(wire(btc.expectedChanges()));
            assertThat(all.of(alt)).isEqualTo(wire(alt.expectedChanges()));
            assertThat(btcOnly.changes).isEqualTo(wire(btc.expectedChanges()));

            var stub = IntelligenceServiceGrpc.newBlockingStub(channel);
            RegimeChange last = btc.expectedChanges().get(btc.expectedChanges().size() - 1);
            assertThat(stub.getRegime(GetRegimeRequest.newBuilder().setVenue("TESTVENUE").setSymbol("BTCUSDT").build())
                    .getRegime()).isEqualTo(RegimeWire.toProto(last));
            assertThat(gateway.regimeBook().size()).isEqualTo(2);
            assertThat(gateway.regimeCounters().unpublishedChanges()).isZero();
            assertThat(gateway.marketTap().dropped()).isZero();
        }
    }

    @Test
    void badAndPrematureGetRegimeRequestsGetAStatusSayingWhy() {
        try (EmbeddedGateway gateway = start("memory")) {
            ManagedChannel channel = channel(gateway);
            var stub = IntelligenceServiceGrpc.newBlockingStub(channel);
            assertStatus(() -> stub.getRegime(GetRegimeRequest.newBuilder().setSymbol("BTCUSDT").build()),
                    Status.Code.INVALID_ARGUMENT, "venue and symbol are both required");
            assertStatus(() -> stub.getRegime(GetRegimeRequest.newBuilder().setVenue("TESTVENUE").build()),
                    Status.Code.INVALID_ARGUMENT, "venue and symbol are both required");
            assertStatus(() -> stub.getRegime(request("NOWHERE", "NOTHING")), Status.Code.NOT_FOUND, "no regime yet");

            publish(channel, btc.messages().subList(0, 100)); // within the warm-up
            await().atMost(Duration.ofSeconds(10)).until(() -> gateway.regimeBook().size() == 1);
            assertStatus(() -> stub.getRegime(request("TESTVENUE", "BTCUSDT")), Status.Code.NOT_FOUND,
                    "still learning the instrument's normal");
        }
    }

    @Test
    void unreadableAndPricelessQuotesAreCountedAndSkippedWhileTheirPublishesSucceed() {
        try (EmbeddedGateway gateway = start("memory")) {
            ManagedChannel channel = channel(gateway);
            Message garbage = Message.newBuilder().setTopic("data.quotes.BADVENUE.BADSYM")
                    .setPayload(ByteString.copyFrom(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF})).build();
            Message priceless = Message.newBuilder().setTopic("data.quotes.BADVENUE.BADSYM")
                    .setPayload(QuoteTick.newBuilder().setTsEvent(1).build().toByteString()).build();
            Message good = Message.newBuilder().setTopic("data.quotes.BADVENUE.BADSYM").setPayload(quote(100, 101)).build();
            List<PublishResult> results = publish(channel, List.of(garbage, priceless, good));

            assertThat(results).allSatisfy(r -> assertThat(r.hasPosition()).as(r.toString()).isTrue());
            await().atMost(Duration.ofSeconds(10)).until(() -> gateway.regimeBook().size() == 1);
            assertThat(gateway.marketTap().malformed()).isEqualTo(1);
            assertThat(gateway.regimeCounters().unusableMessages()).isEqualTo(1);
        }
    }

    @Test
    void pastMaxInstrumentsNewInstrumentsAreCountedNotTrackedAndTheGatewayGoesOn() {
        try (EmbeddedGateway gateway = start("memory", "intelligence.regime.max-instruments=2")) {
            ManagedChannel channel = channel(gateway);
            List<Message> quotes = new ArrayList<>();
            for (String symbol : List.of("AAA", "BBB", "CCC", "DDD", "AAA", "CCC")) {
                quotes.add(Message.newBuilder().setTopic("data.quotes.LIMITVENUE." + symbol).setPayload(quote(10, 11)).build());
            }
            List<PublishResult> results = publish(channel, quotes);

            assertThat(results).allSatisfy(r -> assertThat(r.hasPosition()).isTrue());
            await().atMost(Duration.ofSeconds(10)).until(() -> gateway.regimeCounters().untrackedMessages() == 3);
            assertThat(gateway.regimeBook().size()).isEqualTo(2);
            assertThat(publish(channel, List.of(quotes.get(0)))).allSatisfy(r -> assertThat(r.hasPosition()).isTrue());
        }
    }

    @Test
    void withRegimesOffTheServiceSaysSoAndQuotesStillPublish() {
        try (EmbeddedGateway gateway = start("memory", "intelligence.regime.enabled=false")) {
            ManagedChannel channel = channel(gateway);
            assertThat(publish(channel, btc.messages().subList(0, 10))).allSatisfy(r -> assertThat(r.hasPosition()).isTrue());
            assertStatus(() -> IntelligenceServiceGrpc.newBlockingStub(channel).getRegime(request("TESTVENUE", "BTCUSDT")),
                    Status.Code.FAILED_PRECONDITION, "intelligence.regime.enabled = false");
            assertThat(gateway.regimeBook().size()).isZero();
        }
    }

    @Test
    void drainingEndsWatchersUnavailableAndStaysClean() {
        EmbeddedGateway gateway = start("memory");
        Watch watch = watch(channel(gateway), "", "");
        await().atMost(Duration.ofSeconds(10)).until(() -> watch.registeredOn(gateway));

        assertThat(gateway.stop()).as("clean drain").isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> watch.end.get() != null);
        assertThat(Status.fromThrowable(watch.end.get()).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    // ------------------------------------------------------------------ helpers

    private EmbeddedGateway start(String backend, String... extra) {
        List<String> settings = new ArrayList<>(List.of("grpc.host=127.0.0.1", "grpc.port=0", "http.port=-1"));
        if (backend.equals("memory")) {
            settings.add("backend.type=memory");
        } else {
            REDIS.flushAll();
            settings.addAll(List.of("backend.type=redis", "backend.redis.uri=" + REDIS.uri(), "resilience.spool.dir=" + spool));
        }
        settings.addAll(List.of(extra));
        return EmbeddedGateway.start(GatewayConfig.defaultsWith(settings.toArray(String[]::new)));
    }

    private ManagedChannel channel(EmbeddedGateway gateway) {
        ManagedChannel c = ManagedChannelBuilder.forTarget(gateway.target()).usePlaintext().build();
        channels.add(c);
        return c;
    }

    private static List<PublishResult> publish(ManagedChannel channel, List<Message> messages) {
        var stub = GatewayServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        List<PublishResult> results = new ArrayList<>();
        for (int from = 0; from < messages.size(); from += 500) {
            List<Message> batch = messages.subList(from, Math.min(messages.size(), from + 500));
            List<PublishResult> got = stub.publish(PublishRequest.newBuilder().addAllMessages(batch).build()).getResultsList();
            assertThat(got).allSatisfy(r -> assertThat(r.hasError()).as(r.toString()).isFalse());
            results.addAll(got);
        }
        return results;
    }

    private static List<Delivery> subscribe(ManagedChannel channel, String pattern) {
        List<Delivery> got = new CopyOnWriteArrayList<>();
        SubscribeRequest request = SubscribeRequest.newBuilder().setClientName("regime-test").setSubscription(
                Subscribe.newBuilder().setSubscriptionId("regimes").addPatterns(pattern)
                        .setMode(SubscriptionMode.SUBSCRIPTION_MODE_BROADCAST)
                        .setStart(StartPosition.newBuilder().setKind(StartPosition.Kind.KIND_EARLIEST))).build();
        GatewayServiceGrpc.newStub(channel).subscribe(request, new StreamObserver<>() {
            @Override
            public void onNext(SubscribeResponse r) {
                got.addAll(r.getDeliveriesList());
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        return got;
    }

    private static void assertPublished(List<Delivery> deliveries, QuoteSeries series) {
        String topic = "intel.regime." + series.venue() + "." + series.symbol();
        List<Delivery> mine = deliveries.stream().filter(d -> d.getMessage().getTopic().equals(topic)).toList();
        assertThat(mine).allSatisfy(d -> {
            assertThat(d.getMessage().getPriority()).isEqualTo(Priority.PRIORITY_HIGH);
            assertThat(d.getMessage().getOrderingKey()).isEqualTo(series.symbol() + "." + series.venue());
            assertThat(d.getMessage().getContentType()).isEqualTo(RegimePublisher.CONTENT_TYPE);
        });
        List<io.tidegate.proto.market.v1.RegimeChange> changes = mine.stream().map(d -> {
            try {
                return io.tidegate.proto.market.v1.RegimeChange.parseFrom(d.getMessage().getPayload());
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        }).toList();
        assertThat(changes).isEqualTo(wire(series.expectedChanges()));
        assertThat(mine).extracting(d -> d.getMessage().getTsEvent())
                .isEqualTo(series.expectedChanges().stream().map(RegimeChange::sinceTsEvent).toList());
    }

    private static List<io.tidegate.proto.market.v1.RegimeChange> wire(List<RegimeChange> changes) {
        return changes.stream().map(RegimeWire::toProto).toList();
    }

    private static GetRegimeRequest request(String venue, String symbol) {
        return GetRegimeRequest.newBuilder().setVenue(venue).setSymbol(symbol).build();
    }

    private static ByteString quote(long bid, long ask) {
        return QuoteTick.newBuilder()
                .setBidPrice(Decimal.newBuilder().setUnits(bid)).setAskPrice(Decimal.newBuilder().setUnits(ask))
                .setBidSize(Decimal.newBuilder().setUnits(1)).setAskSize(Decimal.newBuilder().setUnits(1))
                .setTsEvent(1).build().toByteString();
    }

    private static void assertStatus(Runnable call, Status.Code code, String says) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(says);
        });
    }

    private static Watch watch(ManagedChannel channel, String venue, String symbol) {
        Watch w = new Watch();
        IntelligenceServiceGrpc.newStub(channel).watchRegimes(
                WatchRegimesRequest.newBuilder().setVenue(venue).setSymbol(symbol).build(), w);
        return w;
    }

    /** One WatchRegimes stream's changes and how it ended. */
    private static final class Watch implements StreamObserver<WatchRegimesResponse> {
        final List<io.tidegate.proto.market.v1.RegimeChange> changes = new CopyOnWriteArrayList<>();
        final AtomicReference<Throwable> end = new AtomicReference<>();

        @Override
        public void onNext(WatchRegimesResponse r) {
            changes.add(r.getChange());
        }

        @Override
        public void onError(Throwable t) {
            end.set(t);
        }

        @Override
        public void onCompleted() {
            end.set(new IllegalStateException("completed"));
        }

        List<io.tidegate.proto.market.v1.RegimeChange> of(QuoteSeries s) {
            return changes.stream().filter(c -> c.getSymbol().equals(s.symbol()) && c.getVenue().equals(s.venue())).toList();
        }

        boolean registeredOn(EmbeddedGateway gateway) {
            return gateway.regimeWatchers().count() > 0;
        }
    }
}
