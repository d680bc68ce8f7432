package io.tidegate.sdk;

import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.Message;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/** A {@link ReceivedMessage} as delivered on a subscription. Thread-safe. */
final class Delivered implements ReceivedMessage {

    private final ActiveSubscription subscription;
    private final Delivery delivery;
    private final StreamPosition position;
    private final AtomicBoolean settled = new AtomicBoolean();

    Delivered(ActiveSubscription subscription, Delivery delivery) {
        this.subscription = subscription;
        this.delivery = delivery;
        this.position = StreamPosition.of(delivery.getPosition());
    }

    @Override
    public Message message() {
        return delivery.getMessage();
    }

    @Override
    public StreamPosition position() {
        return position;
    }

    @Override
    public int deliveryCount() {
        return delivery.getDeliveryCount();
    }

    @Override
    public long conflatedBefore() {
        return delivery.getConflatedBefore();
    }

    @Override
    public long tsAcceptedNanos() {
        return delivery.getTsAccepted();
    }

    @Override
    public String subscriptionId() {
        return subscription.id();
    }

    @Override
    public void ack() {
        if (settled.compareAndSet(false, true)) {
            subscription.sendAck(position);
        }
    }

    /** Marks as acked without sending; the caller sends the ack with others. */
    boolean settleForBatchAck() {
        return settled.compareAndSet(false, true);
    }

    @Override
    public void nack(Duration delay) {
        if (settled.compareAndSet(false, true)) {
            subscription.sendNack(position, delay);
        }
    }

    @Override
    public void extendDeadline(Duration extension) {
        if (!settled.get()) {
            subscription.sendExtend(position, extension);
        }
    }

    @Override
    public boolean isSettled() {
        return settled.get();
    }

    @Override
    public String toString() {
        return "message " + delivery.getMessage().getId() + " at " + position + " (delivery " + deliveryCount() + ")";
    }
}
