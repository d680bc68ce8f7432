package io.tidegate.gateway.instruments;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.v1.EquivalentsRequest;
import io.tidegate.proto.v1.EquivalentsResponse;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.InstrumentsServiceGrpc;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishRequest;
import io.tidegate.proto.v1.PublishResult;
import io.tidegate.proto.v1.ResolveRequest;
import io.tidegate.proto.v1.ResolveResponse;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Test fixture: an embedded gateway on loopback with blocking gRPC stubs on one channel to it, for
 * publishing listings and quotes and asking {@code InstrumentsService}. Closing it closes both.
 * Threads: the stubs are blocking; use it from the test thread.
 */
final class InstrumentsGateway implements AutoCloseable {

    private final EmbeddedGateway gateway;
    private final ManagedChannel channel;
    private final GatewayServiceGrpc.GatewayServiceBlockingStub publisher;
    private final InstrumentsServiceGrpc.InstrumentsServiceBlockingStub instruments;

    private InstrumentsGateway(EmbeddedGateway gateway) {
        this.gateway = gateway;
        this.channel = NettyChannelBuilder.forTarget(gateway.target()).usePlaintext().build();
        this.publisher = GatewayServiceGrpc.newBlockingStub(channel);
        this.instruments = InstrumentsServiceGrpc.newBlockingStub(channel);
    }

    /** Starts a gateway on loopback with these config overrides ({@code key=value}). */
    static InstrumentsGateway start(String... overrides) {
        return new InstrumentsGateway(EmbeddedGateway.startOnLoopback(overrides));
    }

    InstrumentRegistry registry() {
        return gateway.instrumentRegistry();
    }

    /** Publishes one message and asserts the gateway accepted it. */
    void publish(String topic, String orderingKey, ByteString payload) {
        PublishResult result = publisher.withDeadlineAfter(10, TimeUnit.SECONDS).publish(PublishRequest.newBuilder()
                .addMessages(Message.newBuilder().setTopic(topic).setOrderingKey(orderingKey).setPayload(payload))
                .build()).getResults(0);
        assertThat(result.hasError()).as("publish on %s: %s", topic, result.getError()).isFalse();
    }

    /** Both venues quote one moving asset, ALPHA WBTUSDT 1 bp above BINANCE BTCUSDT. */
    void publishTrackingQuotes(int count) {
        for (int t = 0; t < count; t++) {
            long mid = Math.round(50_000_00 * (1 + 0.001 * Math.sin(t / 3.0))); // cents
            publish("data.quotes.BINANCE.BTCUSDT", "BTCUSDT", quote(mid));
            publish("data.quotes.ALPHA.WBTUSDT", "WBTUSDT", quote(mid + mid / 10_000));
        }
    }

    private static ByteString quote(long midCents) {
        return QuoteTick.newBuilder()
                .setBidPrice(Decimal.newBuilder().setUnits(midCents - 1).setScale(2))
                .setAskPrice(Decimal.newBuilder().setUnits(midCents + 1).setScale(2))
                .build().toByteString();
    }

    ResolveResponse resolve(String venue, String segment, String nativeId) {
        return instruments.withDeadlineAfter(10, TimeUnit.SECONDS).resolve(ResolveRequest.newBuilder()
                .setVenue(venue).setSegment(segment).setNativeId(nativeId).build());
    }

    EquivalentsResponse equivalents(String key) {
        return instruments.withDeadlineAfter(10, TimeUnit.SECONDS)
                .equivalents(EquivalentsRequest.newBuilder().setKey(key).build());
    }

    /** Waits for a condition the gateway reaches asynchronously; fails after a generous deadline. */
    static void await(BooleanSupplier condition) throws InterruptedException {
        long giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not reached").isLessThan(giveUpAt);
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
        gateway.close();
    }
}
