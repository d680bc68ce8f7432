package io.tidegate.gateway.server;

import io.grpc.Status;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeliveryGap;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.StreamPosition;
import io.tidegate.gateway.config.GatewayConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One subscription of one client stream: passes the client's credit on to the backend as
 * demand, no more than fits its outbound window, and remembers which group messages are out
 * awaiting ack. Strict key order is the backend's job (see
 * {@link io.tidegate.gateway.backend.SubscriptionSpec#strictKeyOrder()}): it holds a key for one
 * member of the group and sends its messages one at a time, so nothing is held back here.
 *
 * <p>The outbound window keeps a slow subscriber's backlog in the backend: the subscription asks
 * the backend only for what fits {@code delivery.outbound-bytes-per-subscription} (sized from the
 * average message so far; one message before the first), at most
 * {@code delivery.read-ahead-messages} ahead, no more than its adaptive read window (small while
 * its topics are quiet, doubling while the backend fills it: so idle subscriptions do not hold
 * the gateway budget), and what the gateway-wide {@link OutboundBudget} has free (one message at
 * a time, once its stream took all it held, while that is spent); it asks for more as its stream
 * writes. The client still gets everything it granted credit for, in order, only later.
 *
 * <p>A conflated subscription instead keeps reading the backend, within the same byte window,
 * into a {@link ConflatingQueue}, one message per key, and hands the client only as many as its
 * credit allows and its stream has taken (at most {@value #OUTBOUND_WINDOW} written-pending): a
 * slow client gets the latest per key instead of a backlog. Reads pause while the waiting
 * messages fill the window or {@code limits.max-credit} keys wait.
 *
 * <p>Threading: backend callbacks, client frames and transport callbacks arrive on different
 * threads; state is guarded by this object's monitor, and nothing blocks or calls
 * out (backend, output, budget release) while holding it. One thread at a time hands conflated
 * messages on, so a key's messages leave in order.
 */
final class SessionSubscription implements DeliverySink {

    /** Conflated: most deliveries handed to the stream that it has not written yet. */
    static final int OUTBOUND_WINDOW = 256;
    /**
     * Messages asked for before the first one shows what a message of this subscription weighs:
     * one, so a guess that is too small cannot overshoot the byte windows by more than a message.
     */
    static final int INITIAL_WINDOW = 1;
    /**
     * Most messages a subscription keeps asked for while its topics are quiet (see
     * {@link #window}), and the size of a backend fill below which a fill that left demand over
     * counts as "the backend had little for it".
     */
    static final int IDLE_WINDOW_MESSAGES = 8;
    /** Most bytes a quiet subscription keeps reserved: fewer messages when they are large, at least one. */
    static final long IDLE_WINDOW_BYTES = 16 * 1024;
    /** What a message is assumed to weigh (for reservations) until the first one came. */
    private static final long INITIAL_MESSAGE_BYTES = 1024;

    /** Where a subscription's output and its end go; implemented by the session. */
    interface Output {
        /**
         * Queues deliveries for the stream; each must be reported back through
         * {@link #left} once written or dropped.
         *
         * @param conflatedBefore per message, how many older messages of its key were dropped
         *                        before it; null when the subscription does not conflate
         */
        void deliver(SessionSubscription from, List<StoredMessage> messages, long[] conflatedBefore);

        void ended(SessionSubscription subscription, Throwable cause);

        /** The backend lost its stored history; the subscription goes on (see {@link DeliverySink#onReset}). */
        void reset(SessionSubscription subscription, String reason, Instant detectedAt);

        /**
         * Retention trimmed entries before the subscription read them (see {@link DeliverySink#onGap});
         * queued after every delivery handed over before it and before every one after it.
         */
        void gap(SessionSubscription subscription, DeliveryGap gap);
    }

    private final SubscriptionOptions options;
    private final Output output;
    private final long maxCredit;
    private final ConflatingQueue conflating;
    private final ConflationCounter conflationCounter;
    private final ConflationRule conflationRule;
    private final OutboundBudget budget;
    private final long byteLimit;
    private final ReadAhead readAheadLimit;
    private final AtomicInteger flushing = new AtomicInteger();
    /** Conflated: messages handed to the output that the transport has not taken yet. */
    private int unwritten;
    /** Conflated: bytes of the messages waiting per key (not yet handed to the output). */
    private long conflatingBytes;
    /** Messages requested from the backend and not yet received. */
    private long demand;
    /** Bytes of the gateway budget reserved for {@link #demand}. */
    private long reservedBytes;
    /** Received and not yet written or dropped by the stream (conflated: also those waiting per key). */
    private long heldBytes;
    private long heldMessages;
    /** Bytes a message of this subscription counts on average (recent ones weigh more); 0 until one came. */
    private long averageBytes;
    private boolean sized;
    /**
     * Most messages asked for and not yet received (slow start): begins at the idle window,
     * doubles (up to the read-ahead) when the backend filled a request that the window limited,
     * and halves back toward the idle window when a fill shows the backend had little for it. So
     * a subscription on a quiet topic keeps only the idle window reserved in the gateway budget,
     * and a busy one reads full windows.
     */
    private long window = INITIAL_WINDOW;
    private final Map<StreamPosition, StoredMessage> outstanding = new HashMap<>();
    private BackendSubscription backend;
    private long credit;
    private boolean closed;
    /**
     * Holes and the deliveries received after them, in order, waiting to be handed to the stream:
     * a hole waits until the deliveries handed over before it have left the stream's queue (which
     * sends control frames first); empty when none.
     */
    private final ArrayDeque<Object> backlog = new ArrayDeque<>(0);
    /** Messages in the {@link #backlog}'s delivery batches. */
    private long backlogMessages;
    /** One thread is handing the {@link #backlog} over. */
    private boolean releasing;
    /** By instrument: where listings are announced; null otherwise. */
    private io.tidegate.gateway.market.InstrumentDirectory directory;
    private AutoCloseable listingWatch;
    /** Messages that left for the stream, and group messages among them delivered before (for the console). */
    private long written;
    private long redelivered;
    private long lastWrittenMillis;
    private final long openedMillis = System.currentTimeMillis();

    SessionSubscription(SubscriptionOptions options, Output output, long maxCredit,
                        ConflationCounter conflationCounter, OutboundBudget budget, ReadAhead readAheadLimit,
                        GatewayConfig.Delivery delivery, ConflationRule conflationRule) {
        this.options = options;
        this.conflationRule = conflationRule;
        this.output = output;
        this.maxCredit = maxCredit;
        this.conflating = options.conflate() ? new ConflatingQueue() : null;
        this.conflationCounter = conflationCounter;
        this.budget = budget;
        this.byteLimit = delivery.outboundBytesPerSubscription();
        this.readAheadLimit = readAheadLimit;
    }

    String id() {
        return options.id();
    }

    SubscriptionOptions options() {
        return options;
    }

    /** What the console shows of this subscription now. */
    synchronized SubscriptionView view() {
        var spec = options.spec();
        return new SubscriptionView(options.id(), spec.patterns().stream().map(Object::toString).toList(),
                spec.isGroup() ? spec.group() : "", options.conflate(), credit, heldMessages, heldBytes, written,
                redelivered, lastWrittenMillis == 0 ? openedMillis : lastWrittenMillis);
    }

    /** Opens the backend subscription; nothing is delivered before {@link #grantInitialCredit}. */
    void open(Backend b) {
        BackendSubscription sub = b.subscribe(options.spec(), this);
        synchronized (this) {
            backend = sub;
            if (directory != null && !closed) {
                // a venue listing one of the instruments later makes its topic readable: offer the topics again
                listingWatch = directory.watch(key -> {
                    if (options.instruments().contains(key)) {
                        sub.rescan();
                    }
                });
            }
        }
        if (directory != null) {
            // a listing that arrived between parsing and watching is not missed
            sub.rescan();
        }
    }

    /** By instrument: follow {@code directory}'s listings from {@link #open} on. */
    synchronized void followListings(io.tidegate.gateway.market.InstrumentDirectory directory) {
        this.directory = directory;
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
        synchronized (this) {
            // += : a client may grant more before it has seen the confirmation
            credit += options.initialCredit();
        }
        readAhead();
    }

    void grant(int messages) throws FrameRejectedException {
        if (messages <= 0) {
            throw FrameRejectedException.invalid("credit must be a positive number of messages, got " + messages);
        }
        synchronized (this) {
            if (credit + messages > maxCredit) {
                throw FrameRejectedException.invalid("credit would reach " + (credit + messages)
                        + " on subscription " + id() + "; the limit is " + maxCredit + " (limits.max-credit)");
            }
            credit += messages;
        }
        if (conflating != null) {
            flush();
        } else {
            readAhead();
        }
    }

    /**
     * {@code messages} deliveries of this subscription, together {@code bytes} (see
     * {@link OutboundBudget#sizeOf}), left the stream's queue: written, or dropped because the
     * stream ended. Frees their room in the windows and reads on.
     */
    void left(int messages, long bytes) {
        boolean backlogDue;
        synchronized (this) {
            heldBytes -= bytes;
            heldMessages -= messages;
            written += messages;
            lastWrittenMillis = System.currentTimeMillis();
            if (conflating != null) {
                unwritten -= messages;
            }
            backlogDue = backlogDueLocked();
        }
        budget.release(bytes);
        if (backlogDue) {
            releaseBacklog();
        }
        if (conflating != null) {
            flush();
        } else {
            readAhead();
        }
    }

    @Override
    public void onMessages(List<StoredMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        if (conflating != null) {
            conflate(messages);
            return;
        }
        long bytes = bytesOf(messages);
        synchronized (this) {
            if (closed) {
                return;
            }
            credit -= messages.size();
            hold(messages.size(), bytes);
            if (options.isGroup()) {
                for (StoredMessage m : messages) {
                    outstanding.put(m.position(), m);
                    if (m.deliveryCount() > 1) {
                        redelivered++;
                    }
                }
            }
            if (releasing || !backlog.isEmpty()) {
                backlog.addLast(messages);
                backlogMessages += messages.size();
                return;
            }
        }
        output.deliver(this, messages, null);
    }

    /**
     * Tells the client of a hole after the deliveries before it: control frames overtake queued
     * deliveries, so while some of this subscription's are still queued the notice waits in the
     * {@link #backlog}, and what the backend hands over after it waits behind it. Conflated
     * subscriptions, which do not promise every message anyway, are told at once.
     */
    @Override
    public void onGap(DeliveryGap gap) {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (conflating == null && (releasing || !backlog.isEmpty() || heldMessages > backlogMessages)) {
                backlog.addLast(gap);
                return;
            }
        }
        output.gap(this, gap);
    }

    /** True when the backlog may move now; then the caller must {@link #releaseBacklog}; caller holds the monitor. */
    private boolean backlogDueLocked() {
        if (releasing || closed || !(backlog.peekFirst() instanceof DeliveryGap) || heldMessages > backlogMessages) {
            return false;
        }
        releasing = true;
        return true;
    }

    /** Hands the backlog over in order, until empty or a hole must wait again; one thread at a time. */
    @SuppressWarnings("unchecked")
    private void releaseBacklog() {
        for (;;) {
            Object next;
            synchronized (this) {
                next = backlog.peekFirst();
                if (closed || next == null || (next instanceof DeliveryGap && heldMessages > backlogMessages)) {
                    releasing = false;
                    return;
                }
                backlog.pollFirst();
                if (next instanceof List<?> batch) {
                    backlogMessages -= batch.size();
                }
            }
            if (next instanceof DeliveryGap gap) {
                output.gap(this, gap);
            } else {
                output.deliver(this, (List<StoredMessage>) next, null);
            }
        }
    }

    /**
     * Counts received messages as held, in place of their share of the reservation made when they
     * were asked for; caller holds the monitor.
     */
    private void hold(int messages, long bytes) {
        long asked = demand;
        long share = demand <= messages ? reservedBytes : reservedBytes / demand * messages;
        reservedBytes -= share;
        demand = Math.max(0, demand - messages);
        heldBytes += bytes;
        heldMessages += messages;
        budget.charge(bytes - share);
        long batchAverage = bytes / messages;
        // a growing size counts at once (it is what may overshoot), a shrinking one gradually
        averageBytes = !sized || batchAverage >= averageBytes ? batchAverage : (averageBytes * 7 + batchAverage) / 8;
        adaptWindow(messages, asked);
        sized = true;
        // what is still coming weighs what messages weigh now, not what they weighed when asked for
        long expected = demand * averageBytes;
        if (expected > reservedBytes) {
            budget.charge(expected - reservedBytes);
            reservedBytes = expected;
        }
    }

    /**
     * Grows or shrinks {@link #window} after the backend delivered {@code messages} of the
     * {@code asked} outstanding; caller holds the monitor. The signals need no clock: a fill that
     * took all the demand, when the window was what limited it, means the backend had more (busy);
     * a fill of a few messages that left demand over means it had only those (quiet). A partial
     * fill of many says nothing: backends deliver large demand in chunks.
     */
    private void adaptWindow(int messages, long asked) {
        long idle = idleWindow();
        if (!sized) {
            window = idle;
        } else if (messages >= asked && 2 * asked >= window) {
            window = Math.min(readAheadLimit.messages(), 2 * window);
        } else if (messages < asked && messages < IDLE_WINDOW_MESSAGES) {
            window = Math.max(idle, window / 2);
        }
    }

    /** The window of a quiet subscription at the current average size; caller holds the monitor. */
    private long idleWindow() {
        long messages = Math.min(IDLE_WINDOW_MESSAGES, readAheadLimit.messages());
        return Math.max(1, Math.min(messages, IDLE_WINDOW_BYTES / Math.max(1, averageBytes)));
    }

    private static long bytesOf(List<StoredMessage> messages) {
        long bytes = 0;
        for (int i = 0; i < messages.size(); i++) {
            bytes += OutboundBudget.sizeOf(messages.get(i));
        }
        return bytes;
    }

    private void conflate(List<StoredMessage> messages) {
        long bytes = bytesOf(messages);
        long freed = 0;
        synchronized (this) {
            if (closed) {
                return;
            }
            hold(messages.size(), bytes);
            long superseded = 0;
            for (StoredMessage m : messages) {
                StoredMessage replaced = null;
                if (conflationRule.conflatable(m.topic())) {
                    replaced = conflating.offer(m);
                } else {
                    conflating.keep(m);
                }
                if (replaced != null) {
                    superseded++;
                    freed += OutboundBudget.sizeOf(replaced);
                }
            }
            heldBytes -= freed;
            heldMessages -= superseded;
            conflatingBytes += bytes - freed;
            conflationCounter.add(superseded);
        }
        if (freed > 0) {
            budget.release(freed);
        }
        flush();
    }

    /**
     * Asks the backend for as much as the client's credit (conflated: the key bound), the
     * read-ahead and the byte windows allow. Called whenever one of them may have grown: credit
     * granted, messages left the stream's queue, conflated keys handed on.
     */
    private void readAhead() {
        int more;
        BackendSubscription sub;
        synchronized (this) {
            more = (int) Math.min(Integer.MAX_VALUE, fitting());
            sub = backend;
        }
        if (more > 0) {
            sub.request(more);
        }
    }

    /** Messages the subscription would read if memory were free; caller holds the monitor. */
    private long wanted() {
        if (closed) {
            return 0;
        }
        if (conflating != null) {
            return conflating.size() >= maxCredit ? 0 : Math.min(readAheadLimit.messages(), window) - demand;
        }
        return Math.min(Math.min(credit, readAheadLimit.messages() - heldMessages), window) - demand;
    }

    /**
     * How many more messages to request now, with their bytes reserved (counted in
     * {@link #demand} and {@link #reservedBytes}); caller holds the monitor.
     */
    private long fitting() {
        long n = wanted();
        if (n <= 0) {
            return 0;
        }
        // Idle (nothing asked for, nothing held): one message even when it alone is larger than
        // the window or the gateway budget is spent, or this subscription would never move again.
        long least = demand == 0 && heldMessages == 0 ? 1 : 0;
        long each = sized ? Math.max(1, averageBytes) : INITIAL_MESSAGE_BYTES;
        n = Math.min(n, Math.max(least, (byteLimit - heldBytes - reservedBytes) / each));
        if (n <= 0) {
            return 0;
        }
        long reserved = budget.reserve(n * each, least * each);
        n = reserved / each;
        if (reserved > n * each) {
            budget.charge(n * each - reserved); // the odd bytes back
        }
        demand += n;
        reservedBytes += n * each;
        return n;
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
        // handing messages on frees keys, and left() frees bytes: both may allow more reads
        readAhead();
    }

    private boolean flushOnce() {
        List<StoredMessage> messages = new ArrayList<>();
        List<Long> before = new ArrayList<>();
        synchronized (this) {
            long room = Math.min(credit, OUTBOUND_WINDOW - unwritten);
            if (closed || room <= 0 || conflating.size() == 0) {
                return false;
            }
            conflating.poll((int) room, messages, before);
            conflatingBytes -= bytesOf(messages);
            credit -= messages.size();
            unwritten += messages.size();
        }
        long[] counts = new long[before.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = before.get(i);
        }
        output.deliver(this, messages, counts);
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

    /**
     * Stops delivery; group messages still out are left to the backend to redeliver. Deliveries
     * already handed to the output are released as the stream reports them {@link #left}.
     */
    void close() {
        BackendSubscription sub;
        long waiting = 0;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            sub = backend;
            stopWatchingListings();
            outstanding.clear();
            // what was asked for but will not be taken any more, and what never reaches the
            // output: the stream reports only what it has
            waiting = reservedBytes;
            reservedBytes = 0;
            demand = 0;
            for (Object o : backlog) {
                if (o instanceof List<?> batch) {
                    // never handed to the stream, so it will not report them
                    @SuppressWarnings("unchecked")
                    long parkedBytes = bytesOf((List<StoredMessage>) batch);
                    waiting += parkedBytes;
                    heldBytes -= parkedBytes;
                    heldMessages -= batch.size();
                }
            }
            backlog.clear();
            backlogMessages = 0;
            if (conflating != null) {
                waiting += conflatingBytes;
                heldBytes -= conflatingBytes;
                heldMessages = unwritten;
                conflatingBytes = 0;
                conflating.clear();
            }
        }
        if (waiting > 0) {
            budget.release(waiting);
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

    private void stopWatchingListings() {
        if (listingWatch != null) {
            try {
                listingWatch.close();
            } catch (Exception e) {
                // the directory's handle only removes a callback; nothing to recover
            }
            listingWatch = null;
        }
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
