package io.tidegate.gateway.server;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tidegate.gateway.security.Identity;
import io.tidegate.gateway.telemetry.TraceMetadataInterceptor;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.SubscribeResponse;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.PublishRequest;
import io.tidegate.proto.v1.PublishResponse;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.SubscribeRequest;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@code tidegate.v1.GatewayService} gRPC service: one {@link ClientSession} per Connect stream,
 * and the unary Publish and server-streaming Subscribe for simple clients. Thread-safe.
 */
final class GatewayService extends GatewayServiceGrpc.GatewayServiceImplBase {

    private final StreamTerms terms;
    private final PublishPath publishing;
    private final SubscriptionFactory subscriptions;
    private final SessionRegistry registry;
    private final AtomicBoolean draining = new AtomicBoolean();

    GatewayService(StreamTerms terms, PublishPath publishing, SubscriptionFactory subscriptions, SessionRegistry registry) {
        this.terms = terms;
        this.publishing = publishing;
        this.subscriptions = subscriptions;
        this.registry = registry;
    }

    @Override
    public StreamObserver<ConnectRequest> connect(StreamObserver<ConnectResponse> responseObserver) {
        var out = (ServerCallStreamObserver<ConnectResponse>) responseObserver;
        if (draining.get()) {
            out.onError(Status.UNAVAILABLE.withDescription("gateway is shutting down; connect to another replica").asRuntimeException());
            return new DiscardingObserver<>();
        }
        var session = new ClientSession(UUID.randomUUID().toString(), terms, publishing, subscriptions, registry, out);
        registry.started(session);
        return session;
    }

    @Override
    public void publish(PublishRequest request, StreamObserver<PublishResponse> responseObserver) {
        if (draining.get()) {
            responseObserver.onError(Status.UNAVAILABLE.withDescription("gateway is shutting down; publish to another replica").asRuntimeException());
            return;
        }
        int max = terms.maxBatchMessages();
        if (request.getMessagesCount() > max) {
            responseObserver.onError(Status.INVALID_ARGUMENT.withDescription("batch of " + request.getMessagesCount()
                    + " messages exceeds the limit of " + max + " (limits.max-batch-messages); split it").asRuntimeException());
            return;
        }
        int size = request.getSerializedSize();
        if (size > terms.maxFrameBytes()) {
            var e = FrameRejectedException.frameTooLarge("request of " + request.getMessagesCount() + " messages", size,
                    terms.maxFrameBytes());
            responseObserver.onError(ErrorStatus.of(e).asRuntimeException());
            return;
        }
        publishing.publisher().publish(request.getMessagesList(), Caller.current(), publishing.unaryLimiter(Identity.current()), TraceMetadataInterceptor.current(), true, results -> {
            responseObserver.onNext(PublishResponse.newBuilder().addAllResults(results).build());
            responseObserver.onCompleted();
        });
    }

    @Override
    public void subscribe(SubscribeRequest request, StreamObserver<SubscribeResponse> responseObserver) {
        var out = (ServerCallStreamObserver<SubscribeResponse>) responseObserver;
        SubscriptionOptions options;
        try {
            options = subscriptions.parse(request.getSubscription(), terms.gatewayId() + "-" + UUID.randomUUID());
            options = subscriptions.authorise(options, Caller.current());
        } catch (FrameRejectedException e) {
            out.onError(ErrorStatus.of(e).asRuntimeException());
            return;
        }
        new UnarySubscription(options, subscriptions, out).start();
    }

    /** Stops accepting streams and calls; existing ones carry on until told to go away. */
    void startDraining() {
        draining.set(true);
    }

    /** Swallows frames sent on a stream the gateway refused. */
    private static final class DiscardingObserver<T> implements StreamObserver<T> {
        @Override
        public void onNext(T value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
