package io.tidegate.gateway.instruments;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.InstrumentDefinition;
import io.tidegate.proto.market.v1.InstrumentKind;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.InstrumentsServiceGrpc;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishRequest;
import io.tidegate.proto.v1.PublishResult;
import io.tidegate.proto.v1.ResolutionSource;
import io.tidegate.proto.v1.ResolveRequest;
import io.tidegate.proto.v1.ResolveResponse;
import io.tidegate.testkit.RedisServer;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Aliases learned from prices through a real gateway: quotes of an unlisted ALPHA WBTUSDT track
 * listed BINANCE BTCUSDT on {@code data.quotes.*} over gRPC, and InstrumentsService Resolve then
 * answers WBTUSDT as BTC/USDT decided by co-movement, also when the listing comes after the quotes;
 * without a listing nothing is learned.
 */
class CoMovementLearningTest {

    /** Proposes after 20 quote pairs within 5 bps; no time span needed, so the test waits on nothing but the tap. */
    private static final String[] FAST = {
            "intelligence.instruments.co-movement.min-samples=20",
            "intelligence.instruments.co-movement.min-duration=0s",
            "intelligence.instruments.co-movement.max-skew=1m"};

    private static final InstrumentDefinition BTCUSDT = InstrumentDefinition.newBuilder().setVenue("BINANCE")
            .setSegment("spot").setRawSymbol("BTCUSDT").setInstrumentId("BTCUSDT.BINANCE").setCanonicalKey("BTC/USDT")
            .setKind(InstrumentKind.INSTRUMENT_KIND_SPOT).setNativeBase("BTC").setNativeQuote("USDT").build();
    private static final InstrumentDefinition ETHUSDT = BTCUSDT.toBuilder().setRawSymbol("ETHUSDT")
            .setInstrumentId("ETHUSDT.BINANCE").setCanonicalKey("ETH/USDT").setNativeBase("ETH").build();

    @Test
    void anUnlistedSymbolTrackingAListedOneIsLearnedAsItsAliasAndResolvedByCoMovement() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback(FAST);
             Client client = new Client(gateway.target())) {
            InstrumentRegistry registry = gateway.instrumentRegistry();
            assertThat(client.resolve("ALPHA", "spot", "WBTUSDT").getKey()).isEqualTo("WBT/USDT");

            client.publish("data.instruments.BINANCE", "BTCUSDT", BTCUSDT.toByteString());
            await(() -> registry.catalog().listingCount() == 1);
            publishTrackingQuotes(client, 40);
            await(() -> registry.learnedFromPrices() == 1);

            ResolveResponse learned = client.resolve("alpha", "spot", "WBTUSDT");
            assertThat(learned.getKey()).isEqualTo("BTC/USDT");
            assertThat(learned.getSource()).isEqualTo(ResolutionSource.RESOLUTION_SOURCE_CO_MOVEMENT);
            assertThat(learned.getConfidence()).isBetween(0.4, 0.8);
            assertThat(learned.getEvidence()).contains("BINANCE spot BTCUSDT", "listed as BTC/USDT", "samples");
            // the listed side stays a listing
            assertThat(client.resolve("BINANCE", "spot", "BTCUSDT").getSource())
                    .isEqualTo(ResolutionSource.RESOLUTION_SOURCE_LISTING);
        }
    }

    @Test
    void aProposalMadeBeforeTheListingIsLearnedWhenTheListingArrives() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback(FAST);
             Client client = new Client(gateway.target())) {
            InstrumentRegistry registry = gateway.instrumentRegistry();
            publishTrackingQuotes(client, 40);
            await(() -> registry.pendingProposals() == 1); // proposed while neither side was listed
            assertThat(registry.learnedFromPrices()).isZero();

            client.publish("data.instruments.BINANCE", "BTCUSDT", BTCUSDT.toByteString());
            // learned, and the proposal no longer pending (counted in that order on the tap thread)
            await(() -> registry.learnedFromPrices() == 1 && registry.pendingProposals() == 0);

            ResolveResponse learned = client.resolve("ALPHA", "spot", "WBTUSDT");
            assertThat(learned.getKey()).isEqualTo("BTC/USDT");
            assertThat(learned.getSource()).isEqualTo(ResolutionSource.RESOLUTION_SOURCE_CO_MOVEMENT);
            assertThat(learned.getEvidence()).contains("BINANCE spot BTCUSDT", "listed as BTC/USDT", "samples");
        }
    }

    @Test
    void trackingWithoutAListingOfEitherSideTeachesNothing() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback(FAST);
             Client client = new Client(gateway.target())) {
            InstrumentRegistry registry = gateway.instrumentRegistry();
            publishTrackingQuotes(client, 40);
            // the tap delivers in order: once this later listing (of another market) is in, every quote was seen
            client.publish("data.instruments.BINANCE", "ETHUSDT", ETHUSDT.toByteString());
            await(() -> registry.catalog().listingCount() == 1);

            assertThat(registry.learnedFromPrices()).isZero();
            assertThat(registry.pendingProposals()).as("kept for a listing of either side").isEqualTo(1);
            assertThat(registry.catalog().learnedAlias("ALPHA", "WBT")).isEmpty();
            ResolveResponse read = client.resolve("ALPHA", "spot", "WBTUSDT");
            assertThat(read.getKey()).isEqualTo("WBT/USDT");
            assertThat(read.getSource()).isNotEqualTo(ResolutionSource.RESOLUTION_SOURCE_CO_MOVEMENT);
        }
    }

    @Test
    void withRedisARestartedGatewayKnowsTheAliasLearnedFromPrices() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            String uri = "backend.redis.uri=" + redis.uri();
            String[] overrides = {FAST[0], FAST[1], FAST[2], uri};
            try (EmbeddedGateway first = EmbeddedGateway.startOnLoopback(overrides);
                 Client client = new Client(first.target())) {
                client.publish("data.instruments.BINANCE", "BTCUSDT", BTCUSDT.toByteString());
                await(() -> first.instrumentRegistry().catalog().listingCount() == 1);
                publishTrackingQuotes(client, 40);
                await(() -> redis.command("HEXISTS tg:instruments m:ALPHA|WBT").equals(":1"));
            }
            try (EmbeddedGateway restarted = EmbeddedGateway.startOnLoopback(uri);
                 Client client = new Client(restarted.target())) {
                await(() -> restarted.instrumentRegistry().loadedListings() == 1);
                ResolveResponse known = client.resolve("ALPHA", "spot", "WBTUSDT");
                assertThat(known.getKey()).isEqualTo("BTC/USDT");
                assertThat(known.getSource()).isEqualTo(ResolutionSource.RESOLUTION_SOURCE_CO_MOVEMENT);
                assertThat(known.getEvidence()).contains("BINANCE spot BTCUSDT");
            }
        }
    }

    /** Both venues quote one moving asset, ALPHA 1 bp above BINANCE. */
    private static void publishTrackingQuotes(Client client, int count) {
        for (int t = 0; t < count; t++) {
            long mid = Math.round(50_000_00 * (1 + 0.001 * Math.sin(t / 3.0))); // cents
            client.publish("data.quotes.BINANCE.BTCUSDT", "BTCUSDT", quote(mid));
            client.publish("data.quotes.ALPHA.WBTUSDT", "WBTUSDT", quote(mid + mid / 10_000));
        }
    }

    private static ByteString quote(long midCents) {
        return QuoteTick.newBuilder()
                .setBidPrice(Decimal.newBuilder().setUnits(midCents - 1).setScale(2))
                .setAskPrice(Decimal.newBuilder().setUnits(midCents + 1).setScale(2))
                .build().toByteString();
    }

    /** Waits for a condition the gateway reaches asynchronously; fails after a generous deadline. */
    private static void await(BooleanSupplier condition) throws InterruptedException {
        long giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not reached").isLessThan(giveUpAt);
            Thread.sleep(20);
        }
    }

    /** Blocking gRPC stubs on one channel. */
    private static final class Client implements AutoCloseable {
        private final ManagedChannel channel;
        private final GatewayServiceGrpc.GatewayServiceBlockingStub gateway;
        private final InstrumentsServiceGrpc.InstrumentsServiceBlockingStub instruments;

        Client(String target) {
            channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
            gateway = GatewayServiceGrpc.newBlockingStub(channel);
            instruments = InstrumentsServiceGrpc.newBlockingStub(channel);
        }

        void publish(String topic, String orderingKey, ByteString payload) {
            PublishResult result = gateway.withDeadlineAfter(10, TimeUnit.SECONDS).publish(PublishRequest.newBuilder()
                    .addMessages(Message.newBuilder().setTopic(topic).setOrderingKey(orderingKey).setPayload(payload))
                    .build()).getResults(0);
            assertThat(result.hasError()).as("publish on %s: %s", topic, result.getError()).isFalse();
        }

        ResolveResponse resolve(String venue, String segment, String nativeId) {
            return instruments.withDeadlineAfter(10, TimeUnit.SECONDS).resolve(ResolveRequest.newBuilder()
                    .setVenue(venue).setSegment(segment).setNativeId(nativeId).build());
        }

        @Override
        public void close() {
            channel.shutdownNow();
        }
    }
}
