package io.tidegate.gateway.instruments;

import static io.tidegate.gateway.instruments.InstrumentsGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.intelligence.instrument.InstrumentKey;
import io.tidegate.proto.market.v1.InstrumentDefinition;
import io.tidegate.proto.market.v1.InstrumentKind;
import io.tidegate.proto.v1.EquivalentsResponse;
import io.tidegate.proto.v1.ListedMarket;
import io.tidegate.proto.v1.ResolutionSource;
import io.tidegate.proto.v1.ResolveResponse;
import io.tidegate.testkit.RedisServer;
import org.junit.jupiter.api.Test;

/**
 * Two real gateways on one real redis-server: a listing published through one replica is known to
 * the other, which reads every replica's listings from the bus, with what follows from a listing
 * there too (Resolve and Equivalents, a co-movement proposal waiting for it), and every replica
 * applies the listings in the order the bus stored them.
 */
class ListingsAcrossReplicasTest {

    private static final InstrumentDefinition OKX_BTC = InstrumentDefinition.newBuilder().setVenue("OKX")
            .setSegment("linear").setRawSymbol("BTC-USDT-SWAP").setInstrumentId("BTC-USDT-SWAP")
            .setCanonicalKey("BTC/USDT:USDT").setKind(InstrumentKind.INSTRUMENT_KIND_PERPETUAL).build();
    private static final InstrumentDefinition BINANCE_BTC = InstrumentDefinition.newBuilder().setVenue("BINANCE")
            .setSegment("spot").setRawSymbol("BTCUSDT").setInstrumentId("BTCUSDT.BINANCE").setCanonicalKey("BTC/USDT")
            .setKind(InstrumentKind.INSTRUMENT_KIND_SPOT).setNativeBase("BTC").setNativeQuote("USDT").build();

    @Test
    void aListingPublishedThroughOneReplicaAnswersResolveAndEquivalentsOnTheOther() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            String uri = "backend.redis.uri=" + redis.uri();
            try (InstrumentsGateway a = InstrumentsGateway.start(uri);
                 InstrumentsGateway b = InstrumentsGateway.start(uri)) {
                await(() -> b.registry().caughtUpWithBus());
                // before any listing, B reads the id by its rules
                assertThat(b.resolve("OKX", "linear", "BTC-USDT-SWAP").getSource())
                        .isNotEqualTo(ResolutionSource.RESOLUTION_SOURCE_LISTING);

                a.publish("data.instruments.OKX", "BTC-USDT-SWAP", OKX_BTC.toByteString());
                await(() -> b.registry().catalog().listingCount() == 1);

                ResolveResponse resolved = b.resolve("okx", "LINEAR", "btc-usdt-swap");
                assertThat(resolved.getKey()).isEqualTo("BTC/USDT:USDT");
                assertThat(resolved.getSource()).isEqualTo(ResolutionSource.RESOLUTION_SOURCE_LISTING);
                assertThat(resolved.getConfidence()).isEqualTo(1.0);
                EquivalentsResponse equivalents = b.equivalents("btc/usdt:usdt");
                assertThat(equivalents.getMarketsList()).extracting(ListedMarket::getVenue, ListedMarket::getNativeId)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("OKX", "BTC-USDT-SWAP"));

                // a newer version published through B replaces A's own on A too, in the order stored
                a.publish("data.instruments.BINANCE", "BTCUSDT", BINANCE_BTC.toByteString());
                b.publish("data.instruments.OKX", "BTC-USDT-SWAP",
                        OKX_BTC.toBuilder().setNativeBase("BTC").setNativeQuote("USDT").build().toByteString());
                for (InstrumentsGateway g : new InstrumentsGateway[] {a, b}) {
                    await(() -> g.registry().listingsReadFromBus() == 3 && g.registry().announced() == 3);
                    assertThat(g.registry().catalog().listingCount()).isEqualTo(2);
                    assertThat(g.equivalents("BTC/USDT").getMarketsCount()).isEqualTo(1);
                    assertThat(g.registry().catalog().equivalents(InstrumentKey.parse("BTC/USDT:USDT").orElseThrow()))
                            .singleElement().satisfies(l -> assertThat(l.nativeBase()).isEqualTo("BTC"));
                }
            }
        }
    }

    @Test
    void aCoMovementProposalWaitingOnOneReplicaIsLearnedWhenTheListingArrivesThroughTheOther() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            String[] fast = {"backend.redis.uri=" + redis.uri(),
                    "intelligence.instruments.co-movement.min-samples=20",
                    "intelligence.instruments.co-movement.min-duration=0s",
                    "intelligence.instruments.co-movement.max-skew=1m"};
            try (InstrumentsGateway a = InstrumentsGateway.start(fast);
                 InstrumentsGateway b = InstrumentsGateway.start(fast)) {
                InstrumentRegistry registry = b.registry();
                b.publishTrackingQuotes(40);
                await(() -> registry.pendingProposals() == 1); // neither side listed yet

                a.publish("data.instruments.BINANCE", "BTCUSDT", BINANCE_BTC.toByteString());
                await(() -> registry.learnedFromPrices() == 1 && registry.pendingProposals() == 0);

                ResolveResponse learned = b.resolve("ALPHA", "spot", "WBTUSDT");
                assertThat(learned.getKey()).isEqualTo("BTC/USDT");
                assertThat(learned.getSource()).isEqualTo(ResolutionSource.RESOLUTION_SOURCE_CO_MOVEMENT);
                assertThat(learned.getEvidence()).contains("BINANCE spot BTCUSDT");
            }
        }
    }
}
