package io.tidegate.gateway.server;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.priority.PriorityLanes;
import io.tidegate.gateway.telemetry.DeliveryTelemetry;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.DeliveryBatch;
import io.tidegate.proto.v1.ConnectResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Everything a stream sends, waiting for the transport. Control frames (acks, confirmations,
 * errors, pongs) go first; deliveries wait in per-priority lanes, so while the client or the
 * network is slow a CRITICAL message overtakes queued BULK ones (never one with the same
 * ordering key). Each subscription bounds what it hands over (see {@link SessionSubscription}:
 * its outbound window and the gateway's {@link OutboundBudget}); every delivery is reported back
 * to its subscription once it left this queue, written or dropped, so that room is freed.
 *
 * <p>Threading: any thread may enqueue; writes to the gRPC observer happen on one thread at a
 * time (whichever enqueued or the transport's onReady callback), never concurrently. Reports to
 * subscriptions are made without holding this queue's lock.
 */
final class OutboundQueue {

    private static final int MAX_DELIVERIES_PER_FRAME = 256;
    // Clients accept 4 MiB messages by default; one delivery can be up to the payload limit
    // (1 MiB by default), so a frame stops growing past 1 MiB.
    private static final int FRAME_BYTES_SOFT_LIMIT = 1 << 20;

    private final ServerCallStreamObserver<ConnectResponse> out;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<ConnectResponse> control = new ArrayDeque<>();
    private final PriorityLanes<Queued> deliveries = new PriorityLanes<>(q -> q.message.orderingKey());
    private final AtomicInteger wip = new AtomicInteger();
    private final Consumer<DeliveryBatch> onWritten;
    private final DeliveryTelemetry telemetry;
    private volatile boolean closed;
    private volatile boolean completing;
    /** How the call ends once flushed: null for OK. */
    private volatile Status endStatus;
    private boolean completedSent; // written by the draining thread only
    // the delivery frame next() built last: whose, how many, how many bytes (draining thread only)
    private SessionSubscription frameOwner;
    private int frameMessages;
    private long frameBytes;

    /**
     * @param onWritten called after each delivery frame was handed to the transport, on the
     *                  writing thread; the unary Subscribe uses it to grant credit and ack
     */
    OutboundQueue(ServerCallStreamObserver<ConnectResponse> out, DeliveryTelemetry telemetry, Consumer<DeliveryBatch> onWritten) {
        this.out = out;
        this.telemetry = telemetry;
        this.onWritten = onWritten;
        out.setOnReadyHandler(this::drain);
    }

    void sendControl(ConnectResponse frame) {
        lock.lock();
        try {
            control.addLast(frame);
        } finally {
            lock.unlock();
        }
        drain();
    }

    /** @param conflatedBefore per message, see {@link SessionSubscription.Output#deliver}; may be null */
    void sendDeliveries(SessionSubscription from, List<StoredMessage> messages, long[] conflatedBefore) {
        lock.lock();
        try {
            if (!closed && !completing) {
                for (int i = 0; i < messages.size(); i++) {
                    StoredMessage m = messages.get(i);
                    long before = conflatedBefore == null ? 0 : conflatedBefore[i];
                    deliveries.add(new Queued(from, m, before), PriorityLanes.levelOf(m.message().getPriority()));
                }
                messages = null;
            }
        } finally {
            lock.unlock();
        }
        if (messages != null) {
            // the stream is ending: dropped at once, like those queued when it began to end
            long bytes = 0;
            for (StoredMessage m : messages) {
                bytes += OutboundBudget.sizeOf(m);
            }
            from.left(messages.size(), bytes);
            return;
        }
        drain();
    }

    /** Sends nothing more; what is queued is dropped (group messages are redelivered by the backend). */
    void close() {
        List<Queued> dropped = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            pollAll(dropped);
        } finally {
            lock.unlock();
        }
        reportDropped(dropped);
    }

    /** Caller holds the lock. */
    private void pollAll(List<Queued> into) {
        Queued q;
        while ((q = deliveries.poll()) != null) {
            into.add(q);
        }
    }

    private static void reportDropped(List<Queued> dropped) {
        int i = 0;
        while (i < dropped.size()) {
            SessionSubscription owner = dropped.get(i).owner;
            int messages = 0;
            long bytes = 0;
            for (; i < dropped.size() && dropped.get(i).owner == owner; i++) {
                messages++;
                bytes += OutboundBudget.sizeOf(dropped.get(i).message);
            }
            owner.left(messages, bytes);
        }
    }

    /**
     * Ends the call once every queued control frame (publish acks above all) has been written.
     * Queued deliveries are dropped: group messages are redelivered by the backend and
     * broadcast subscribers resume from their last position. Idempotent.
     */
    void completeAfterFlush() {
        endAfterFlush(null);
    }

    /**
     * Like {@link #completeAfterFlush()}, but the call ends with {@code status} instead of OK.
     * Has no effect once the call has ended.
     */
    void failAfterFlush(Status status) {
        endAfterFlush(status);
    }

    private void endAfterFlush(Status status) {
        List<Queued> dropped = new ArrayList<>();
        lock.lock();
        try {
            if (status != null) {
                endStatus = status; // also turns an OK end still waiting for the flush into this one
            }
            completing = true;
            pollAll(dropped);
        } finally {
            lock.unlock();
        }
        reportDropped(dropped);
        drain();
    }

    void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            while (!closed && out.isReady()) {
                ConnectResponse frame = next();
                if (frame == null) {
                    break;
                }
                if (!frame.hasDeliveries()) {
                    out.onNext(frame);
                    continue;
                }
                SessionSubscription owner = frameOwner;
                try {
                    out.onNext(frame);
                } finally {
                    // written, or lost with a failed call: either way it left this queue
                    owner.left(frameMessages, frameBytes);
                }
                onWritten.accept(frame.getDeliveries());
            }
            if (completing && !completedSent && !closed && isEmpty()) {
                completedSent = true;
                closed = true;
                try {
                    Status status = endStatus;
                    if (status == null) {
                        out.onCompleted();
                    } else {
                        out.onError(status.asRuntimeException());
                    }
                } catch (RuntimeException e) {
                    // the call was cancelled meanwhile; nothing left to tell the client
                }
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private boolean isEmpty() {
        lock.lock();
        try {
            return control.isEmpty() && deliveries.size() == 0;
        } finally {
            lock.unlock();
        }
    }

    private ConnectResponse next() {
        lock.lock();
        try {
            ConnectResponse c = control.pollFirst();
            if (c != null) {
                return c;
            }
            Queued first = deliveries.poll();
            if (first == null) {
                return null;
            }
            DeliveryBatch.Builder batch = DeliveryBatch.newBuilder().setSubscriptionId(first.owner.id());
            batch.addDeliveries(toDelivery(first));
            int bytes = first.message.message().getSerializedSize();
            Queued q;
            while (batch.getDeliveriesCount() < MAX_DELIVERIES_PER_FRAME
                    && bytes < FRAME_BYTES_SOFT_LIMIT
                    && (q = deliveries.peek()) != null
                    && q.owner == first.owner
                    && q.message.message().getPriority() == first.message.message().getPriority()) {
                deliveries.poll();
                batch.addDeliveries(toDelivery(q));
                bytes += q.message.message().getSerializedSize();
            }
            frameOwner = first.owner;
            frameMessages = batch.getDeliveriesCount();
            frameBytes = bytes + (long) frameMessages * OutboundBudget.MESSAGE_OVERHEAD_BYTES;
            return ConnectResponse.newBuilder().setDeliveries(batch).build();
        } finally {
            lock.unlock();
        }
    }

    private Delivery toDelivery(Queued q) {
        StoredMessage m = q.message;
        return Delivery.newBuilder()
                .setMessage(telemetry.delivering(m, q.owner.id()))
                .setPosition(m.position().toProto())
                .setDeliveryCount(m.deliveryCount())
                .setTsAccepted(m.acceptedNanos())
                .setConflatedBefore(q.conflatedBefore)
                .build();
    }

    private record Queued(SessionSubscription owner, StoredMessage message, long conflatedBefore) {
    }
}
