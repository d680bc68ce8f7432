package io.tidegate.gateway.server;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.tidegate.gateway.backend.DeliveryGap;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.StreamPosition;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.DeliveryBatch;
import io.tidegate.proto.v1.SubscribeResponse;
import io.tidegate.proto.v1.ConnectResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A subscription made with the server-streaming Subscribe call. It has no credit frames: the
 * gateway grants itself one credit for every delivery the transport has taken, so gRPC flow
 * control paces it. Group messages are acked once handed to the transport (at most once).
 *
 * <p>Threading: backend callbacks and transport callbacks arrive on different threads; the
 * {@link OutboundQueue} serialises writes.
 */
final class UnarySubscription implements SessionSubscription.Output {

    private final SubscriptionOptions options;
    private final SubscriptionFactory subscriptions;
    private final ServerCallStreamObserver<SubscribeResponse> out;
    private final OutboundQueue outbound;
    private final SessionSubscription subscription;

    UnarySubscription(SubscriptionOptions options, SubscriptionFactory subscriptions,
                      ServerCallStreamObserver<SubscribeResponse> out) {
        this.options = options;
        this.subscriptions = subscriptions;
        this.out = out;
        this.outbound = new OutboundQueue(new FrameUnwrapper(out), subscriptions.deliveryTelemetry(), subscriptions.lanePolicies(), this::written);
        this.subscription = subscriptions.newSubscription(options, this);
        out.setOnCancelHandler(this::stop);
    }

    void start() {
        try {
            subscription.open(subscriptions.backend());
            subscription.startThenConfirm(() -> { });
        } catch (RuntimeException e) {
            out.onError(ErrorStatus.ofSubscribe(e).asRuntimeException());
        }
    }

    private void written(DeliveryBatch batch) {
        try {
            if (options.isGroup()) {
                List<StreamPosition> positions = new ArrayList<>(batch.getDeliveriesCount());
                for (Delivery d : batch.getDeliveriesList()) {
                    positions.add(StreamPosition.fromProto(d.getPosition()));
                }
                subscription.ack(positions);
            }
            subscription.grant(batch.getDeliveriesCount());
        } catch (FrameRejectedException e) {
            // cannot happen for positions we just delivered and credit we just used
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void deliver(SessionSubscription from, List<StoredMessage> messages, long[] conflatedBefore) {
        outbound.sendDeliveries(from, messages, conflatedBefore);
    }

    @Override
    public void ended(SessionSubscription s, Throwable cause) {
        stop();
        out.onError(ErrorStatus.ofSubscriptionEnd(cause).asRuntimeException());
    }

    /**
     * A server-streaming call has no frame to carry the notice, so the call ends with DATA_LOSS
     * and the client subscribes again (a Connect stream is told and goes on instead).
     */
    @Override
    public void reset(SessionSubscription s, String reason, Instant detectedAt) {
        stop();
        out.onError(Status.DATA_LOSS.withDescription(reason + "; subscribe again to go on with what is stored now")
                .asRuntimeException());
    }

    @Override
    public void gap(SessionSubscription s, DeliveryGap gap) {
        outbound.sendControl(ConnectResponse.newBuilder().setGap(GapNotice.of(options.id(), gap)).build());
    }

    private void stop() {
        outbound.close();
        subscription.close();
    }

    /** Lets the OutboundQueue write its delivery batches to a server-streaming call. */
    private static final class FrameUnwrapper extends ServerCallStreamObserver<ConnectResponse> {
        private final ServerCallStreamObserver<SubscribeResponse> target;

        FrameUnwrapper(ServerCallStreamObserver<SubscribeResponse> target) {
            this.target = target;
        }

        @Override
        public void onNext(ConnectResponse frame) {
            if (frame.hasDeliveries()) {
                DeliveryBatch batch = frame.getDeliveries();
                target.onNext(SubscribeResponse.newBuilder().setSubscriptionId(batch.getSubscriptionId())
                        .addAllDeliveries(batch.getDeliveriesList()).build());
            } else if (frame.hasGap()) {
                target.onNext(SubscribeResponse.newBuilder().setSubscriptionId(frame.getGap().getSubscriptionId())
                        .setGap(frame.getGap()).build());
            }
        }

        @Override
        public void onError(Throwable t) {
            target.onError(t);
        }

        @Override
        public void onCompleted() {
            target.onCompleted();
        }

        @Override
        public boolean isReady() {
            return target.isReady();
        }

        @Override
        public void setOnReadyHandler(Runnable onReadyHandler) {
            target.setOnReadyHandler(onReadyHandler);
        }

        @Override
        public boolean isCancelled() {
            return target.isCancelled();
        }

        @Override
        public void setOnCancelHandler(Runnable onCancelHandler) {
            target.setOnCancelHandler(onCancelHandler);
        }

        @Override
        public void setCompression(String compression) {
            target.setCompression(compression);
        }

        @Override
        public void disableAutoInboundFlowControl() {
            target.disableAutoInboundFlowControl();
        }

        @Override
        public void request(int count) {
            target.request(count);
        }

        @Override
        public void setMessageCompression(boolean enable) {
            target.setMessageCompression(enable);
        }
    }
}
