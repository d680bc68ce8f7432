package io.tidegate.gateway.instruments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.market.v1.InstrumentDefinition;
import io.tidegate.proto.market.v1.InstrumentKind;
import io.tidegate.proto.v1.EquivalentsRequest;
import io.tidegate.proto.v1.EquivalentsResponse;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.InstrumentsServiceGrpc;
import io.tidegate.proto.v1.ListedMarket;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishRequest;
import io.tidegate.proto.v1.PublishResult;
import io.tidegate.proto.v1.ResolutionSource;
import io.tidegate.proto.v1.ResolveRequest;
import io.tidegate.proto.v1.ResolveResponse;
import io.tidegate.testkit.RedisServer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
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
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("intelligence.instruments.max-listings=3");
             Client client = new Client(gateway.target())) {
            InstrumentRegistry registry = gateway.instrumentRegistry();
            LISTINGS.forEach(d -> client.publish("data.instruments." + d.getVenue(), d.getRawSymbol(), d.toByteString()));
            // beyond the bound: refused, and an id the rules still read
            client.publish("data.instruments.OKX", "ETH-USDT", listing("OKX", "spot", "ETH-USDT", "ETH/USDC", "ETH")
                    .toByteString());
            // not a definition at all: accepted as a message, ignored by the registry
            client.publish("data.instruments.OKX", "junk", ByteString.copyFromUtf8("not protobuf \u0000\u0001"));
            await(() -> registry.catalog().listingCount() == 3 && registry.refused() == 1);

            ResolveResponse binance = client.resolve("binance", "SPOT", "btcusdt");
            assertThat(binance.getKey()).isEqualTo("BTC/USDT");
            assertThat(binance.getSource()).isEqualTo(ResolutionSource.RESOLUTION_SOURCE_LISTING);
            assertThat(binance.getConfidence()).isEqualTo(1.0);

            ResolveResponse spelled = client.resolve("KRAKEN", "spot", "XBT/USD");
            assertThat(spelled.getKey()).isEqualTo("BTC/USD");
            assertThat(spelled.getSource()).isEqualTo(ResolutionSource.RESOLUTION_SOURCE_ALIAS);
            assertThat(spelled.getEvidence()).contains("XXBTZUSD");

            // the refused listing said ETH/USDC; the rules read ETH/USDT, so nothing refused leaked in
            ResolveResponse refused = client.resolve("OKX", "spot", "ETH-USDT");
            assertThat(refused.getKey()).isEqualTo("ETH/USDT");
            assertThat(refused.getSource()).isEqualTo(ResolutionSource.RESOLUTION_SOURCE_GENERIC_RULE);
            assertThat(refused.getConfidence()).isBetween(0.0, 1.0);
            assertThat(client.resolve("OKX", "linear", "BTC-USDT-SWAP").getKey()).isEqualTo("BTC/USDT:USDT");

            EquivalentsResponse btc = client.equivalents("btc/usdt");
            assertThat(btc.getKey()).isEqualTo("BTC/USDT");
            assertThat(btc.getMarketsList()).extracting(ListedMarket::getVenue, ListedMarket::getNativeId)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("BINANCE", "BTCUSDT"),
                            org.assertj.core.groups.Tuple.tuple("OKX", "BTC-USDT"));
            assertThat(client.equivalents("ETH/USDT").getMarketsList()).isEmpty();

            assertStatus(() -> client.resolve("", "spot", "BTCUSDT"), Status.Code.INVALID_ARGUMENT, "venue");
            assertStatus(() -> client.resolve("OKX", "futures", "BTCUSDT"), Status.Code.INVALID_ARGUMENT,
                    "spot, linear, inverse, quanto, option");
            assertStatus(() -> client.resolve("OKX", "spot", ""), Status.Code.INVALID_ARGUMENT, "native_id");
            assertStatus(() -> client.resolve("OKX", "spot", "BTC USDT"), Status.Code.INVALID_ARGUMENT, "native_id");
            assertStatus(() -> client.resolve("OKX", "spot", "%%%"), Status.Code.NOT_FOUND, "data.instruments.OKX");
            assertStatus(() -> client.equivalents("bitcoin"), Status.Code.INVALID_ARGUMENT, "BTC/USDT:USDT");
            // the gateway survives all of it
            assertThat(client.resolve("OKX", "spot", "BTC-USDT").getSource())
                    .isEqualTo(ResolutionSource.RESOLUTION_SOURCE_LISTING);
        }
    }

    @Test
    void withRedisARestartedGatewayAndASecondReplicaKnowTheListingsAndLearnedAliases() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            String uri = "backend.redis.uri=" + redis.uri();
            try (EmbeddedGateway first = EmbeddedGateway.startOnLoopback(uri);
                 Client client = new Client(first.target())) {
                LISTINGS.forEach(d -> client.publish("data.instruments." + d.getVenue(), d.getRawSymbol(),
                        d.toByteString()));
                // three listings plus Kraken's XXBT and XBT, learned from its fields
                await(() -> redis.command("HLEN tg:instruments").equals(":5"));
            }
            try (EmbeddedGateway restarted = EmbeddedGateway.startOnLoopback(uri);
                 EmbeddedGateway replica = EmbeddedGateway.startOnLoopback(uri);
                 Client onRestarted = new Client(restarted.target());
                 Client onReplica = new Client(replica.target())) {
                // the store is read in the background at start
                await(() -> restarted.instrumentRegistry().loadedListings() == 3
                        && replica.instrumentRegistry().loadedListings() == 3);
                for (Client client : List.of(onRestarted, onReplica)) {
                    assertThat(client.resolve("OKX", "spot", "BTC-USDT").getSource())
                            .isEqualTo(ResolutionSource.RESOLUTION_SOURCE_LISTING);
                    assertThat(client.equivalents("BTC/USDT").getMarketsCount()).isEqualTo(2);
                }
                assertThat(replica.instrumentRegistry().catalog().learnedAlias("KRAKEN", "XBT").orElseThrow())
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

        EquivalentsResponse equivalents(String key) {
            return instruments.withDeadlineAfter(10, TimeUnit.SECONDS)
                    .equivalents(EquivalentsRequest.newBuilder().setKey(key).build());
        }

        @Override
        public void close() {
            channel.shutdownNow();
        }
    }
}
