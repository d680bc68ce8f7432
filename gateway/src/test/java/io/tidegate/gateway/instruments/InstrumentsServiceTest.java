package io.tidegate.gateway.instruments;

import static io.tidegate.gateway.instruments.InstrumentsGateway.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tidegate.proto.market.v1.InstrumentDefinition;
import io.tidegate.proto.market.v1.InstrumentKind;
import io.tidegate.proto.v1.EquivalentsResponse;
import io.tidegate.proto.v1.ListedMarket;
import io.tidegate.proto.v1.ResolutionSource;
import io.tidegate.proto.v1.ResolveResponse;
import io.tidegate.testkit.RedisServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The instrument registry through a real gateway: venue listings published on
 * {@code data.instruments.<VENUE>} over gRPC, then {@code InstrumentsService} asked over gRPC.
 */
class InstrumentsServiceTest {

    private static InstrumentDefinition listing(String venue, String segment, String id, String key,
                                                String nativeBase, String... aliases) {
        return InstrumentDefinition.newBuilder().setVenue(venue).setSegment(segment).setRawSymbol(id)
                .setInstrumentId(id + "." + venue).setCanonicalKey(key).setKind(InstrumentKind.INSTRUMENT_KIND_SPOT)
                .setNativeBase(nativeBase).addAllAliases(List.of(aliases)).build();
    }

    private static final List<InstrumentDefinition> LISTINGS = List.of(
            listing("BINANCE", "spot", "BTCUSDT", "BTC/USDT", "BTC"),
            listing("OKX", "spot", "BTC-USDT", "BTC/USDT", "BTC"),
            listing("KRAKEN", "spot", "XXBTZUSD", "BTC/USD", "XXBT", "XBTUSD", "XBT/USD"));

    @Test
    void listingsFromTwoVenuesAnswerResolveAndEquivalentsAndBadInputGetsStatuses() throws Exception {
        try (InstrumentsGateway gateway = InstrumentsGateway.start("intelligence.instruments.max-listings=3")) {
            InstrumentRegistry registry = gateway.registry();
            LISTINGS.forEach(d -> gateway.publish("data.instruments." + d.getVenue(), d.getRawSymbol(), d.toByteString()));
            // beyond the bound: refused, and an id the rules still read
            gateway.publish("data.instruments.OKX", "ETH-USDT", listing("OKX", "spot", "ETH-USDT", "ETH/USDC", "ETH")
                    .toByteString());
            // not a definition at all: accepted as a message, ignored by the registry
            gateway.publish("data.instruments.OKX", "junk", ByteString.copyFromUtf8("not protobuf \u0000\u0001"));
            await(() -> registry.catalog().listingCount() == 3 && registry.refused() == 1);

            ResolveResponse binance = gateway.resolve("binance", "SPOT", "btcusdt");
            assertThat(binance.getKey()).isEqualTo("BTC/USDT");
            assertThat(binance.getSource()).isEqualTo(ResolutionSource.RESOLUTION_SOURCE_LISTING);
            assertThat(binance.getConfidence()).isEqualTo(1.0);

            ResolveResponse spelled = gateway.resolve("KRAKEN", "spot", "XBT/USD");
            assertThat(spelled.getKey()).isEqualTo("BTC/USD");
            assertThat(spelled.getSource()).isEqualTo(ResolutionSource.RESOLUTION_SOURCE_ALIAS);
            assertThat(spelled.getEvidence()).contains("XXBTZUSD");

            // the refused listing said ETH/USDC; the rules read ETH/USDT, so nothing refused leaked in
            ResolveResponse refused = gateway.resolve("OKX", "spot", "ETH-USDT");
            assertThat(refused.getKey()).isEqualTo("ETH/USDT");
            assertThat(refused.getSource()).isEqualTo(ResolutionSource.RESOLUTION_SOURCE_GENERIC_RULE);
            assertThat(refused.getConfidence()).isBetween(0.0, 1.0);
            assertThat(gateway.resolve("OKX", "linear", "BTC-USDT-SWAP").getKey()).isEqualTo("BTC/USDT:USDT");

            EquivalentsResponse btc = gateway.equivalents("btc/usdt");
            assertThat(btc.getKey()).isEqualTo("BTC/USDT");
            assertThat(btc.getMarketsList()).extracting(ListedMarket::getVenue, ListedMarket::getNativeId)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("BINANCE", "BTCUSDT"),
                            org.assertj.core.groups.Tuple.tuple("OKX", "BTC-USDT"));
            assertThat(gateway.equivalents("ETH/USDT").getMarketsList()).isEmpty();

            assertStatus(() -> gateway.resolve("", "spot", "BTCUSDT"), Status.Code.INVALID_ARGUMENT, "venue");
            assertStatus(() -> gateway.resolve("OKX", "futures", "BTCUSDT"), Status.Code.INVALID_ARGUMENT,
                    "spot, linear, inverse, quanto, option");
            assertStatus(() -> gateway.resolve("OKX", "spot", ""), Status.Code.INVALID_ARGUMENT, "native_id");
            assertStatus(() -> gateway.resolve("OKX", "spot", "BTC USDT"), Status.Code.INVALID_ARGUMENT, "native_id");
            assertStatus(() -> gateway.resolve("OKX", "spot", "%%%"), Status.Code.NOT_FOUND, "data.instruments.OKX");
            assertStatus(() -> gateway.equivalents("bitcoin"), Status.Code.INVALID_ARGUMENT, "BTC/USDT:USDT");
            // the gateway survives all of it
            assertThat(gateway.resolve("OKX", "spot", "BTC-USDT").getSource())
                    .isEqualTo(ResolutionSource.RESOLUTION_SOURCE_LISTING);
        }
    }

    @Test
    void withRedisARestartedGatewayAndASecondReplicaKnowTheListingsAndLearnedAliases() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            String uri = "backend.redis.uri=" + redis.uri();
            try (InstrumentsGateway gateway = InstrumentsGateway.start(uri)) {
                LISTINGS.forEach(d -> gateway.publish("data.instruments." + d.getVenue(), d.getRawSymbol(),
                        d.toByteString()));
                // three listings with their versions, plus Kraken's XXBT and XBT, learned from its fields
                await(() -> redis.command("HLEN tg:instruments").equals(":8"));
            }
            try (InstrumentsGateway restarted = InstrumentsGateway.start(uri);
                 InstrumentsGateway replica = InstrumentsGateway.start(uri)) {
                // the store is read in the background at start
                await(() -> restarted.registry().loadedListings() == 3
                        && replica.registry().loadedListings() == 3);
                for (InstrumentsGateway gateway : List.of(restarted, replica)) {
                    assertThat(gateway.resolve("OKX", "spot", "BTC-USDT").getSource())
                            .isEqualTo(ResolutionSource.RESOLUTION_SOURCE_LISTING);
                    assertThat(gateway.equivalents("BTC/USDT").getMarketsCount()).isEqualTo(2);
                }
                assertThat(replica.registry().catalog().learnedAlias("KRAKEN", "XBT").orElseThrow())
                        .satisfies(a -> {
                            assertThat(a.currency()).isEqualTo("BTC");
                            assertThat(a.confidence()).isEqualTo(0.95);
                            assertThat(a.evidence()).contains("XXBTZUSD").contains("XBT/USD");
                        });
            }
        }
    }

    private static void assertStatus(Runnable call, Status.Code code, String says) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(says);
        });
    }
}
