package io.tidegate.faults;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tidegate.proto.v1.ClientFrame;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.GatewayGrpc;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.ServerFrame;
import io.tidegate.proto.v1.Subscribe;
import io.tidegate.proto.v1.SubscriptionMode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A raw Connect stream (no SDK) that subscribes with a large credit and then stops reading its
 * stream at the transport: it takes no frame from gRPC until {@link #resume}, so everything the
 * gateway sends it waits in the gateway (and in HTTP/2 flow-control windows). This is the worst a
 * subscriber can do to a gateway's memory; the SDK, by contrast, reads its stream and grants
 * credit only as its handler finishes.
 *
 * <p>Threading: {@link #open}, {@link #resume} and {@link #close} from one thread; deliveries reach
 * the consumer on a gRPC thread, one frame at a time, in stream order.
 */
final class StalledStream implements ClientResponseObserver<ClientFrame, ServerFrame>, AutoCloseable {

    private final ManagedChannel channel;
    private final Consumer<Delivery> onDelivery;
    private final CompletableFuture<Void> subscribed = new CompletableFuture<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private ClientCallStreamObserver<ClientFrame> requests;

    private StalledStream(String target, Consumer<Delivery> onDelivery) {
        this.channel = NettyChannelBuilder.forTarget(target).usePlaintext().maxInboundMessageSize(16 << 20).build();
        this.onDelivery = onDelivery;
    }

    /**
     * Opens the stream, says Hello, subscribes BROADCAST to {@code topic} with {@code credit}, and
     * returns once the gateway confirmed; from then on it reads nothing.
     */
    static StalledStream open(String target, String clientName, String topic, int credit, Consumer<Delivery> onDelivery)
            throws Exception {
        StalledStream s = new StalledStream(target, onDelivery);
        GatewayGrpc.newStub(s.channel).connect(s);
        s.requests.request(2); // Welcome, Subscribed
        s.requests.onNext(ClientFrame.newBuilder().setFrameId(1)
                .setHello(Hello.newBuilder().setClientName(clientName).setLanguage("java")).build());
        s.requests.onNext(ClientFrame.newBuilder().setFrameId(2).setSubscribe(Subscribe.newBuilder()
                .setSubscriptionId("stalled").addPatterns(topic).setMode(SubscriptionMode.BROADCAST)
                .setInitialCredit(credit)).build());
        s.subscribed.get(30, TimeUnit.SECONDS);
        return s;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ClientFrame> requestStream) {
        requests = requestStream;
        requestStream.disableAutoRequestWithInitial(0);
    }

    /** Reads the stream again, as fast as it comes. */
    void resume() {
        requests.request(Integer.MAX_VALUE);
    }

    /** Whether the gateway ended the stream (or it failed). */
    boolean ended() {
        return ended.isDone();
    }

    @Override
    public void onNext(ServerFrame f) {
        switch (f.getKindCase()) {
            case SUBSCRIBED -> subscribed.complete(null);
            case DELIVERIES -> f.getDeliveries().getDeliveriesList().forEach(onDelivery);
            case ERROR -> subscribed.completeExceptionally(new IllegalStateException("refused: " + f.getError()));
            default -> {
                // Welcome, pongs
            }
        }
    }

    @Override
    public void onError(Throwable t) {
        subscribed.completeExceptionally(t);
        ended.complete(null);
    }

    @Override
    public void onCompleted() {
        ended.complete(null);
    }

    @Override
    public void close() {
        try {
            requests.onCompleted();
        } catch (RuntimeException e) {
            // the stream is gone already
        }
        channel.shutdownNow();
    }
}
