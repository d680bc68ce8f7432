package io.tidegate.gateway.server;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.priority.LanePolicies;
import io.tidegate.gateway.priority.PriorityLevels;
import io.tidegate.intelligence.scheduling.DispatchPolicy;
import io.tidegate.intelligence.scheduling.KeyOrderedLanes;
import io.tidegate.intelligence.scheduling.LaneSnapshot;
import io.tidegate.intelligence.scheduling.SafetyRails;
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
 * errors, pongs) go first; deliveries wait in per-priority lanes drained by the configured
 * {@code dispatch.policy} inside its safety rails, so while the client or the network is slow a
 * CRITICAL message overtakes queued BULK ones (never one with the same ordering key: the lanes
 * keep key order under every policy). Each subscription bounds what it hands over (see {@link SessionSubscription}:
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
    private final KeyOrderedLanes<Queued> deliveries;
    private final SafetyRails policy;
    private final LaneSnapshot snapshot = new LaneSnapshot();
    private final long[] deadline = new long[PriorityLevels.LEVELS];
    /** Taken from the lanes in the policy's order, not yet in a frame (guarded by lock). */
    private final ArrayDeque<Queued> taken = new ArrayDeque<>();
    private final KeyOrderedLanes.Sink<Queued> toTaken = (q, level, promoted) -> taken.addLast(q);
    /** When the last delivery frame was built (guarded by lock); splits service time among its messages. */
    private long lastFrameNanos;
    private long lastServiceNanos;
    private final AtomicInteger wip = new AtomicInteger();
    private final Consumer<DeliveryBatch> onWritten;
    private final DeliveryTelemetry telemetry;
    private volatile boolean closed;
    /**
     * When the transport stopped taking frames while deliveries waited (System.nanoTime), 0 while
     * it takes them: a client that holds credit but does not read.
     */
    private volatile long blockedSinceNanos;
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
    OutboundQueue(ServerCallStreamObserver<ConnectResponse> out, DeliveryTelemetry telemetry, LanePolicies policies,
                  Consumer<DeliveryBatch> onWritten) {
        this.out = out;
        this.deliveries = policies.newLanes();
        this.policy = policies.outboundPolicy();
        for (int c = 0; c < deadline.length; c++) {
            deadline[c] = policies.settings().of(c).deadlineNanos();
        }
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
        long now = System.nanoTime();
        lock.lock();
        try {
            if (!closed && !completing) {
                for (int i = 0; i < messages.size(); i++) {
                    StoredMessage m = messages.get(i);
                    long before = conflatedBefore == null ? 0 : conflatedBefore[i];
                    // no higher than an earlier waiting message of its key (see KeyClaimingLanes#add)
                    int level = Math.max(PriorityLevels.levelOf(m.message().getPriority()),
                            deliveries.lowestClassOf(m.orderingKey()));
                    deliveries.add(new Queued(from, m, before, level, now), m.orderingKey(), level, now);
                    policy.arrived(level, now);
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
        into.addAll(taken);
        taken.clear();
        for (int c = 0; c < PriorityLevels.LEVELS; c++) {
            deliveries.drain(c, Integer.MAX_VALUE, (q, level, promoted) -> into.add(q));
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
                blockedSinceNanos = 0;
                onWritten.accept(frame.getDeliveries());
            }
            if (!closed && blockedSinceNanos == 0 && !out.isReady() && hasDeliveries()) {
                blockedSinceNanos = System.nanoTime();
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

    /** Deliveries wait for the transport; any thread. */
    private boolean hasDeliveries() {
        lock.lock();
        try {
            return deliveries.size() > 0 || !taken.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * How long deliveries have waited for a transport that does not take them (the client holds
     * credit but does not read), in nanoseconds at {@code nowNanos}; 0 when it reads. Any thread.
     */
    long blockedForNanos(long nowNanos) {
        long since = blockedSinceNanos;
        return since == 0 || closed ? 0 : Math.max(1, nowNanos - since);
    }

    private boolean isEmpty() {
        lock.lock();
        try {
            return control.isEmpty() && deliveries.size() == 0 && taken.isEmpty();
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
            long now = System.nanoTime();
            Queued first = peekNext(now);
            if (first == null) {
                return null;
            }
            taken.pollFirst();
            completed(first, now);
            DeliveryBatch.Builder batch = DeliveryBatch.newBuilder().setSubscriptionId(first.owner.id());
            batch.addDeliveries(toDelivery(first));
            int bytes = first.message.message().getSerializedSize();
            Queued q;
            while (batch.getDeliveriesCount() < MAX_DELIVERIES_PER_FRAME
                    && bytes < FRAME_BYTES_SOFT_LIMIT
                    && (q = peekNext(now)) != null
                    && q.owner == first.owner
                    && q.level == first.level) {
                taken.pollFirst();
                completed(q, now);
                batch.addDeliveries(toDelivery(q));
                bytes += q.message.message().getSerializedSize();
            }
            frameOwner = first.owner;
            frameMessages = batch.getDeliveriesCount();
            frameBuilt(frameMessages, first, now);
            frameBytes = bytes + (long) frameMessages * OutboundBudget.MESSAGE_OVERHEAD_BYTES;
            return ConnectResponse.newBuilder().setDeliveries(batch).build();
        } finally {
            lock.unlock();
        }
    }

    /** The next delivery in the policy's order, left at the head of {@link #taken}; null when none waits. Caller holds the lock. */
    private Queued peekNext(long now) {
        if (taken.isEmpty() && deliveries.size() > 0) {
            deliveries.fill(snapshot.at(now, 0, 0));
            int choice = policy.choose(snapshot);
            if (choice != DispatchPolicy.NONE) {
                deliveries.drain(choice, policy.batchLimit(choice), policy.onTimeFirst(), now, 0, toTaken);
            }
        }
        return taken.peekFirst();
    }

    /**
     * Tells the policy a message is dispatched now. Its service time is the previous frame's
     * share of the time between frames; the learned policy's strict shadow serves one message of
     * its own at the same instant, from those waiting that long before. Caller holds the lock.
     */
    private void completed(Queued q, long now) {
        policy.completed(q.level, now - q.enqueuedNanos <= deadline[q.level], lastServiceNanos, now);
    }

    /** Caller holds the lock. */
    private void frameBuilt(int messages, Queued first, long now) {
        lastServiceNanos = (now - Math.max(lastFrameNanos, first.enqueuedNanos)) / messages;
        lastFrameNanos = now;
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

    private record Queued(SessionSubscription owner, StoredMessage message, long conflatedBefore, int level,
                          long enqueuedNanos) {
    }
}
