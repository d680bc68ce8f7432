package io.tidegate.gateway.server;

import io.grpc.Status;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.StreamPosition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One subscription of one client stream: passes the client's credit on to the backend as
 * demand (so the gateway never has more messages out than granted) and remembers which group
 * messages are out awaiting ack. Strict key order is the backend's job (see
 * {@link io.tidegate.gateway.backend.SubscriptionSpec#strictKeyOrder()}): it holds a key for one
 * member of the group and sends its messages one at a time, so nothing is held back here.
 *
 * <p>A conflated subscription instead keeps reading the backend (a window of
 * {@code max(initial credit, 256)} messages) into a {@link ConflatingQueue}, one message per
 * key, and hands the client only as many as its credit allows and its stream has taken (at
 * most {@value #OUTBOUND_WINDOW} written-pending): a slow client gets the latest per key
 * instead of a backlog. Gateway memory stays bounded by the number of keys (at most
 * {@code limits.max-credit}; past that the backend reads pause) plus the windows.
 *
 * <p>Threading: backend callbacks and client frames arrive on different threads; state is
 * guarded by this object's monitor, and nothing blocks while holding it. One thread at a time
 * hands conflated messages on, so a key's messages leave in order.
 */
final class SessionSubscription implements DeliverySink {

    /** Conflated: most deliveries handed to the stream that it has not written yet. */
    static final int OUTBOUND_WINDOW = 256;

    /** Where a subscription's output and its end go; implemented by the session. */
    interface Output {
        /**
         * @param conflatedBefore per message, how many older messages of its key were dropped
         *                        before it; null when the subscription does not conflate
         */
        void deliver(String subscriptionId, List<StoredMessage> messages, long[] conflatedBefore);

        void ended(SessionSubscription subscription, Throwable cause);

        /** The backend lost its stored history; the subscription goes on (see {@link DeliverySink#onReset}). */
        void reset(SessionSubscription subscription, String reason, Instant detectedAt);
    }

    private final SubscriptionOptions options;
    private final Output output;
    private final long maxCredit;
    private final ConflatingQueue conflating;
    private final ConflationCounter conflationCounter;
    private final int readWindow;
    private final AtomicInteger flushing = new AtomicInteger();
    /** Conflated: messages handed to the output that the transport has not taken yet. */
    private int unwritten;
    /** Conflated: messages requested from the backend and not yet received. */
    private long backendDemand;
    private final Map<StreamPosition, StoredMessage> outstanding = new HashMap<>();
    private BackendSubscription backend;
    private long credit;
    private boolean closed;

    SessionSubscription(SubscriptionOptions options, Output output, long maxCredit,
                        ConflationCounter conflationCounter) {
        this.options = options;
        this.output = output;
        this.maxCredit = maxCredit;
        this.conflating = options.conflate() ? new ConflatingQueue() : null;
        this.conflationCounter = conflationCounter;
        this.readWindow = Math.max(options.initialCredit(), OUTBOUND_WINDOW);
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

    /**
     * Once the backend has fixed the subscription's start point (see
     * {@link BackendSubscription#started()}) and unless it was closed before: runs
     * {@code confirm} (telling the client), then grants the initial credit, so the client knows
     * the subscription before its first delivery. {@code confirm} runs under this subscription's
     * lock, so a close cannot slip in between (the client never sees "unsubscribed" before
     * "subscribed"); it must only queue a frame.
     */
    void startThenConfirm(Runnable confirm) {
        BackendSubscription sub;
        synchronized (this) {
            sub = backend;
        }
        sub.started().thenRun(() -> {
            synchronized (this) {
                if (closed) {
                    return;
                }
                confirm.run();
            }
            grantInitialCredit();
        });
    }

    /** Lets deliveries start, after the client was told the subscription exists. */
    private void grantInitialCredit() {
        BackendSubscription sub;
        int demand = options.initialCredit();
        synchronized (this) {
            // += : a client may grant more before it has seen the confirmation
            credit += options.initialCredit();
            sub = backend;
            if (conflating != null) {
                demand = readWindow;
                backendDemand = readWindow;
            }
        }
        sub.request(demand);
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
        if (conflating != null) {
            flush();
        } else {
            sub.request(messages);
        }
    }

    /** The transport took {@code messages} deliveries of this subscription. */
    void written(int messages) {
        if (conflating == null) {
            return;
        }
        synchronized (this) {
            unwritten -= messages;
        }
        flush();
    }

    @Override
    public void onMessages(List<StoredMessage> messages) {
        if (conflating != null) {
            conflate(messages);
            return;
        }
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
        output.deliver(id(), messages, null);
    }

    private void conflate(List<StoredMessage> messages) {
        int more;
        synchronized (this) {
            if (closed) {
                return;
            }
            backendDemand -= messages.size();
            long superseded = 0;
            for (StoredMessage m : messages) {
                superseded += conflating.offer(m);
            }
            conflationCounter.add(superseded);
            more = readMore();
        }
        if (more > 0) {
            backendSubscription().request(more);
        }
        flush();
    }

    /** Tops the backend read window up while the key bound allows; caller holds the monitor. */
    private int readMore() {
        if (closed || conflating.size() >= maxCredit || backendDemand >= readWindow / 2) {
            return 0;
        }
        int more = (int) (readWindow - backendDemand);
        backendDemand = readWindow;
        return more;
    }

    /** Hands conflated messages on as credit and the stream allow; one thread at a time. */
    private void flush() {
        if (flushing.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            while (flushOnce()) {
                // until no credit, no room or nothing waiting
            }
            missed = flushing.addAndGet(-missed);
        } while (missed != 0);
    }

    private boolean flushOnce() {
        List<StoredMessage> messages = new ArrayList<>();
        List<Long> before = new ArrayList<>();
        int more;
        synchronized (this) {
            long room = Math.min(credit, OUTBOUND_WINDOW - unwritten);
            if (closed || room <= 0 || conflating.size() == 0) {
                return false;
            }
            conflating.poll((int) room, messages, before);
            credit -= messages.size();
            unwritten += messages.size();
            more = readMore();
        }
        if (more > 0) {
            backendSubscription().request(more);
        }
        long[] counts = new long[before.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = before.get(i);
        }
        output.deliver(id(), messages, counts);
        return true;
    }

    @Override
    public void onError(Throwable cause) {
        output.ended(this, cause);
    }

    @Override
    public void onReset(String reason, Instant detectedAt) {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        output.reset(this, reason, detectedAt);
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
