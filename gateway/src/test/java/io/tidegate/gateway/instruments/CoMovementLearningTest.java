package io.tidegate.gateway.instruments;

import static io.tidegate.gateway.instruments.InstrumentsGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.proto.market.v1.InstrumentDefinition;
import io.tidegate.proto.market.v1.InstrumentKind;
import io.tidegate.proto.v1.ResolutionSource;
import io.tidegate.proto.v1.ResolveResponse;
import io.tidegate.testkit.RedisServer;
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
        try (InstrumentsGateway gateway = InstrumentsGateway.start(FAST)) {
            InstrumentRegistry registry = gateway.registry();
            assertThat(gateway.resolve("ALPHA", "spot", "WBTUSDT").getKey()).isEqualTo("WBT/USDT");

            gateway.publish("data.instruments.BINANCE", "BTCUSDT", BTCUSDT.toByteString());
            await(() -> registry.catalog().listingCount() == 1);
            gateway.publishTrackingQuotes(40);
            await(() -> registry.learnedFromPrices() == 1);

            ResolveResponse learned = gateway.resolve("alpha", "spot", "WBTUSDT");
            assertThat(learned.getKey()).isEqualTo("BTC/USDT");
            assertThat(learned.getSource()).isEqualTo(ResolutionSource.RESOLUTION_SOURCE_CO_MOVEMENT);
            assertThat(learned.getConfidence()).isBetween(0.4, 0.8);
            assertThat(learned.getEvidence()).contains("BINANCE spot BTCUSDT", "listed as BTC/USDT", "samples");
            // the listed side stays a listing
            assertThat(gateway.resolve("BINANCE", "spot", "BTCUSDT").getSource())
                    .isEqualTo(ResolutionSource.RESOLUTION_SOURCE_LISTING);
        }
    }

    @Test
    void aProposalMadeBeforeTheListingIsLearnedWhenTheListingArrives() throws Exception {
        try (InstrumentsGateway gateway = InstrumentsGateway.start(FAST)) {
            InstrumentRegistry registry = gateway.registry();
            gateway.publishTrackingQuotes(40);
            await(() -> registry.pendingProposals() == 1); // proposed while neither side was listed
            assertThat(registry.learnedFromPrices()).isZero();

            gateway.publish("data.instruments.BINANCE", "BTCUSDT", BTCUSDT.toByteString());
            // learned, and the proposal no longer pending (counted in that order on the tap thread)
            await(() -> registry.learnedFromPrices() == 1 && registry.pendingProposals() == 0);

            ResolveResponse learned = gateway.resolve("ALPHA", "spot", "WBTUSDT");
            assertThat(learned.getKey()).isEqualTo("BTC/USDT");
            assertThat(learned.getSource()).isEqualTo(ResolutionSource.RESOLUTION_SOURCE_CO_MOVEMENT);
            assertThat(learned.getEvidence()).contains("BINANCE spot BTCUSDT", "listed as BTC/USDT", "samples");
        }
    }

    @Test
    void trackingWithoutAListingOfEitherSideTeachesNothing() throws Exception {
        try (InstrumentsGateway gateway = InstrumentsGateway.start(FAST)) {
            InstrumentRegistry registry = gateway.registry();
            gateway.publishTrackingQuotes(40);
            // the tap delivers in order: once this later listing (of another market) is in, every quote was seen
            gateway.publish("data.instruments.BINANCE", "ETHUSDT", ETHUSDT.toByteString());
            await(() -> registry.catalog().listingCount() == 1);

            assertThat(registry.learnedFromPrices()).isZero();
            assertThat(registry.pendingProposals()).as("kept for a listing of either side").isEqualTo(1);
            assertThat(registry.catalog().learnedAlias("ALPHA", "WBT")).isEmpty();
            ResolveResponse read = gateway.resolve("ALPHA", "spot", "WBTUSDT");
            assertThat(read.getKey()).isEqualTo("WBT/USDT");
            assertThat(read.getSource()).isNotEqualTo(ResolutionSource.RESOLUTION_SOURCE_CO_MOVEMENT);
        }
    }

    @Test
    void withRedisARestartedGatewayKnowsTheAliasLearnedFromPrices() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            String uri = "backend.redis.uri=" + redis.uri();
            String[] overrides = {FAST[0], FAST[1], FAST[2], uri};
            try (InstrumentsGateway gateway = InstrumentsGateway.start(overrides)) {
                gateway.publish("data.instruments.BINANCE", "BTCUSDT", BTCUSDT.toByteString());
                await(() -> gateway.registry().catalog().listingCount() == 1);
                gateway.publishTrackingQuotes(40);
                await(() -> redis.command("HEXISTS tg:instruments m:ALPHA|WBT").equals(":1"));
            }
            try (InstrumentsGateway gateway = InstrumentsGateway.start(uri)) {
                await(() -> gateway.registry().loadedListings() == 1);
                ResolveResponse known = gateway.resolve("ALPHA", "spot", "WBTUSDT");
                assertThat(known.getKey()).isEqualTo("BTC/USDT");
                assertThat(known.getSource()).isEqualTo(ResolutionSource.RESOLUTION_SOURCE_CO_MOVEMENT);
                assertThat(known.getEvidence()).contains("BINANCE spot BTCUSDT");
            }
        }
    }
}
