package io.tidegate.gateway.server;

import io.grpc.Status;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.StreamPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One subscription of one client stream: passes the client's credit on to the backend as
 * demand (so the gateway never has more messages out than granted) and remembers which group
 * messages are out awaiting ack. Strict key order is the backend's job (see
 * {@link io.tidegate.gateway.backend.SubscriptionSpec#strictKeyOrder()}): it holds a key for one
 * member of the group and sends its messages one at a time, so nothing is held back here.
 *
 * <p>Threading: backend callbacks and client frames arrive on different threads; state is
 * guarded by this object's monitor, and nothing blocks while holding it.
 */
final class SessionSubscription implements DeliverySink {

    /** Where a subscription's output and its end go; implemented by the session. */
    interface Output {
        void deliver(String subscriptionId, List<StoredMessage> messages);

        void ended(SessionSubscription subscription, Throwable cause);
    }

    private final SubscriptionOptions options;
    private final Output output;
    private final long maxCredit;
    private final Map<StreamPosition, StoredMessage> outstanding = new HashMap<>();
    private BackendSubscription backend;
    private long credit;
    private boolean closed;

    SessionSubscription(SubscriptionOptions options, Output output, long maxCredit) {
        this.options = options;
        this.output = output;
        this.maxCredit = maxCredit;
    }

    String id() {
        return options.id();
    }

    /** Opens the backend subscription; nothing is delivered before {@link #grantInitialCredit}. */
    void open(Backend b) {
        BackendSubscription sub = b.subscribe(options.spec(), this);
        synchronized (this) {
            backend = sub;
        }
    }

    /** Lets deliveries start, after the client was told the subscription exists. */
    void grantInitialCredit() {
        BackendSubscription sub;
        synchronized (this) {
            credit = options.initialCredit();
            sub = backend;
        }
        sub.request(options.initialCredit());
    }

    void grant(int messages) throws FrameRejectedException {
        if (messages <= 0) {
            throw FrameRejectedException.invalid("credit must be a positive number of messages, got " + messages);
        }
        BackendSubscription sub;
        synchronized (this) {
            if (credit + messages > maxCredit) {
                throw FrameRejectedException.invalid("credit would reach " + (credit + messages)
                        + " on subscription " + id() + "; the limit is " + maxCredit + " (limits.max-credit)");
            }
            credit += messages;
            sub = backend;
        }
        sub.request(messages);
    }

    @Override
    public void onMessages(List<StoredMessage> messages) {
        synchronized (this) {
            if (closed) {
                return;
            }
            credit -= messages.size();
            if (options.isGroup()) {
                for (StoredMessage m : messages) {
                    outstanding.put(m.position(), m);
                }
            }
        }
        output.deliver(id(), messages);
    }

    @Override
    public void onError(Throwable cause) {
        output.ended(this, cause);
    }

    void ack(List<StreamPosition> positions) throws FrameRejectedException {
        backendSubscription().ack(positionsOf(settle(positions)));
    }

    void nack(List<StreamPosition> positions, Duration delay) throws FrameRejectedException {
        backendSubscription().nack(positionsOf(settle(positions)), delay);
    }

    void extendDeadline(List<StreamPosition> positions, Duration extension) throws FrameRejectedException {
        backendSubscription().extendDeadline(positionsOf(outstandingOf(positions)), extension);
    }

    /** Stops delivery; group messages still out are left to the backend to redeliver. */
    void close() {
        BackendSubscription sub;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            sub = backend;
            outstanding.clear();
        }
        if (sub != null) {
            sub.close();
        }
    }

    /** Removes and returns the outstanding messages at these positions; all must be outstanding. */
    private List<StoredMessage> settle(List<StreamPosition> positions) throws FrameRejectedException {
        synchronized (this) {
            List<StoredMessage> found = outstandingOf(positions);
            for (StoredMessage m : found) {
                outstanding.remove(m.position());
            }
            return found;
        }
    }

    private synchronized List<StoredMessage> outstandingOf(List<StreamPosition> positions) throws FrameRejectedException {
        if (!options.isGroup()) {
            throw new FrameRejectedException(Status.Code.FAILED_PRECONDITION, "subscription " + id()
                    + " is BROADCAST; ack, nack and deadlines apply to GROUP subscriptions only");
        }
        if (positions.isEmpty()) {
            throw FrameRejectedException.invalid("no positions given");
        }
        List<StoredMessage> found = new ArrayList<>(positions.size());
        List<StreamPosition> unknown = new ArrayList<>();
        for (StreamPosition p : positions) {
            StoredMessage m = outstanding.get(p);
            if (m == null) {
                unknown.add(p);
            } else {
                found.add(m);
            }
        }
        if (!unknown.isEmpty()) {
            throw new FrameRejectedException(Status.Code.NOT_FOUND, "position(s) " + abbreviate(unknown)
                    + " are not out on subscription " + id()
                    + ": never delivered to it, already acked, or redelivered elsewhere after the ack deadline; nothing in this frame was applied");
        }
        return found;
    }

    private synchronized BackendSubscription backendSubscription() {
        return backend;
    }

    private static List<StreamPosition> positionsOf(List<StoredMessage> messages) {
        List<StreamPosition> positions = new ArrayList<>(messages.size());
        for (StoredMessage m : messages) {
            positions.add(m.position());
        }
        return positions;
    }

    private static String abbreviate(List<StreamPosition> positions) {
        return positions.size() <= 3 ? positions.toString() : positions.subList(0, 3) + " and " + (positions.size() - 3) + " more";
    }
}
