package io.tidegate.gateway.server;

import io.grpc.Status;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.dispatch.IngressDispatcher;
import io.tidegate.gateway.dispatch.PendingPublish;
import io.tidegate.gateway.market.MarketDataTap;
import io.tidegate.gateway.security.TopicAccess;
import io.tidegate.gateway.server.limits.StreamLimiter;
import io.tidegate.gateway.telemetry.GatewayTracing;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publish path shared by the Connect stream and the unary Publish call: validates each
 * message of a batch, queues the valid ones for the backend and answers once every message has
 * an outcome. One bad message never fails the others. Market data goes to the {@link MarketDataTap}
 * twice: when queued for the backend (inline listeners) and once stored, not a duplicate (queued
 * listeners). Thread-safe.
 */
final class BatchPublisher {

    private static final Logger log = LoggerFactory.getLogger(BatchPublisher.class);

    private final MessageValidator validator;
    private final IngressDispatcher dispatcher;
    private final GatewayTracing tracing;
    private final MarketDataTap tap;
    private final TopicAccess access;
    private final RiskGate risk;

    BatchPublisher(MessageValidator validator, IngressDispatcher dispatcher, GatewayTracing tracing, MarketDataTap tap,
                   TopicAccess access) {
        this(validator, dispatcher, tracing, tap, access, RiskGate.OFF);
    }

    BatchPublisher(MessageValidator validator, IngressDispatcher dispatcher, GatewayTracing tracing, MarketDataTap tap,
                   TopicAccess access, RiskGate risk) {
        this.access = access;
        this.risk = risk;
        this.validator = validator;
        this.dispatcher = dispatcher;
        this.tracing = tracing;
        this.tap = tap;
    }

    /**
     * Publishes a batch of a Connect stream.
     *
     * @param clientSamples the client decided about sampling for each message ({@code Hello.samples_traces}):
     *                      no new traces start here
     */
    void publish(List<Message> messages, Caller caller, StreamLimiter limiter, boolean clientSamples,
                 Consumer<List<PublishResult>> done) {
        publish(messages, caller, limiter, null, !clientSamples, done);
    }

    /**
     * Publishes a batch; {@code done} receives one result per message, in batch order, once all
     * are known. A message to a topic the caller may not publish to is answered PERMISSION_DENIED
     * (see {@link TopicAccess}). Each valid message needs permits from {@code limiter} (rate and in-flight);
     * one that does not get them is answered RESOURCE_EXHAUSTED and the others go on. Called on
     * any thread, never blocks; {@code done} runs on a backend thread or the caller's.
     *
     * @param traceParent trace context of the call (unary metadata) for messages whose headers
     *                    carry none; null for none
     * @param startTraces whether a message without any trace context may start a trace here
     */
    void publish(List<Message> messages, Caller caller, StreamLimiter limiter, Context traceParent, boolean startTraces,
                 Consumer<List<PublishResult>> done) {
        if (messages.isEmpty()) {
            done.accept(List.of());
            return;
        }
        long receivedNanos = System.nanoTime();
        Batch batch = new Batch(messages, limiter, done);
        for (int i = 0; i < messages.size(); i++) {
            Envelope envelope = validate(batch, i);
            if (envelope != null && authorised(batch, i, envelope, caller) && admit(batch, i, envelope)
                    && riskAllows(batch, i, envelope, caller)) {
                enqueue(batch, i, envelope, tracing.receive(envelope, traceParent, startTraces), tap, risk, caller);
            }
        }
        boolean queued = offer(batch, caller);
        batch.settleAnswered();
        if (queued) {
            for (int index : batch.pendingIndex) {
                Message m = messages.get(index);
                tap.received(m.getTopic(), m.getPayload(), receivedNanos);
            }
        }
    }

    /** The message as an envelope, or null once it is answered with why it is invalid. */
    private Envelope validate(Batch batch, int i) {
        try {
            return validator.toEnvelope(batch.messages.get(i));
        } catch (FrameRejectedException e) {
            batch.answer(i, ErrorStatus.of(e));
            return null;
        }
    }

    /** True when the caller may publish to the message's topic; else it is answered PERMISSION_DENIED. */
    private boolean authorised(Batch batch, int i, Envelope envelope, Caller caller) {
        if (caller == Caller.GATEWAY) {
            return true;
        }
        String refused = access.refusePublish(caller.identity(), caller.peer(), envelope.topic());
        if (refused == null) {
            return true;
        }
        batch.answer(i, Status.PERMISSION_DENIED.withDescription(refused));
        return false;
    }

    /**
     * True when the risk gate lets the message go on; else it is answered with the gate's status
     * and its permits go back. Asked after the permits so that an order the gate counted is one
     * that goes to the backend (or is handed back with {@link RiskGate#failed}).
     */
    private boolean riskAllows(Batch batch, int i, Envelope envelope, Caller caller) {
        if (caller == Caller.GATEWAY) {
            return true;
        }
        Status refused = risk.check(caller.identity(), envelope.message());
        if (refused == null) {
            return true;
        }
        batch.limiter.release();
        batch.answer(i, refused);
        return false;
    }

    /**
     * Takes the stream's permits (rate, in flight) for a message, or answers RESOURCE_EXHAUSTED.
     * Once a message is refused, later ones with its key are refused too, so a client that
     * resends the refused ones cannot reorder the key.
     */
    private static boolean admit(Batch batch, int i, Envelope envelope) {
        String key = envelope.orderingKey();
        String refused = batch.refusedKeys.contains(key)
                ? "an earlier message with ordering key \"" + key + "\" in this batch was refused; resend them in order"
                : batch.limiter.tryAcquire();
        if (refused == null) {
            return true;
        }
        batch.refusedKeys.add(key);
        batch.answer(i, Status.RESOURCE_EXHAUSTED.withDescription(refused));
        return false;
    }

    /** Adds an admitted message to what this batch hands the dispatcher, answered when the backend is. */
    private static void enqueue(Batch batch, int i, Envelope envelope, GatewayTracing.Ingress ingress, MarketDataTap tap,
                                RiskGate risk, Caller caller) {
        if (ingress.sampled()) {
            batch.traced(ingress);
        }
        batch.pending.add(new PendingPublish(ingress.envelopeOr(envelope), new Answer(batch, i, ingress, envelope, tap,
                caller == Caller.GATEWAY ? RiskGate.OFF : risk)));
        batch.pendingIndex.add(i);
    }

    /**
     * Hands the admitted messages to the dispatcher; if it refuses them, answers each why and returns false.
     * A gateway-made message may be appended (and answered) on this thread before this returns.
     */
    private boolean offer(Batch batch, Caller caller) {
        if (batch.pending.isEmpty()) {
            return false;
        }
        IngressDispatcher.Offer offer = dispatcher.offer(batch.pending, caller == Caller.GATEWAY);
        if (offer == IngressDispatcher.Offer.QUEUED) {
            return true;
        }
        Status status = offer == IngressDispatcher.Offer.FULL
                ? Status.RESOURCE_EXHAUSTED.withDescription("the gateway's ingress queue is full; retry with backoff")
                : Status.UNAVAILABLE.withDescription(
                        "the gateway is shutting down; publish to another replica (same id, so no duplicate)");
        for (int index : batch.pendingIndex) {
            batch.limiter.release();
            batch.answer(index, status);
        }
        for (PendingPublish p : batch.pending) {
            ((Answer) p.callback()).risk.failed(batch.messages.get(((Answer) p.callback()).index));
        }
        if (batch.traced != null) {
            batch.traced.forEach(ingress -> ingress.failed(status.getDescription()));
        }
        batch.pending.clear();
        return false;
    }

    /**
     * One batch on its way: the results so far and what went to the dispatcher. Built and filled
     * on the caller's thread; results then arrive on backend threads (the array and counter are
     * atomic), and {@code done} runs once, when the last one is in.
     */
    private static final class Batch {
        final List<Message> messages;
        final StreamLimiter limiter;
        final Consumer<List<PublishResult>> done;
        final AtomicReferenceArray<PublishResult> results;
        final AtomicInteger remaining;
        final List<PendingPublish> pending;
        final List<Integer> pendingIndex;
        final Set<String> refusedKeys = new HashSet<>();
        /** The sampled ones, to end if the dispatcher refuses the batch; null while there are none. */
        List<GatewayTracing.Ingress> traced;

        Batch(List<Message> messages, StreamLimiter limiter, Consumer<List<PublishResult>> done) {
            this.messages = messages;
            this.limiter = limiter;
            this.done = done;
            this.results = new AtomicReferenceArray<>(messages.size());
            this.remaining = new AtomicInteger(messages.size());
            this.pending = new ArrayList<>(messages.size());
            this.pendingIndex = new ArrayList<>(messages.size());
        }

        void traced(GatewayTracing.Ingress ingress) {
            if (traced == null) {
                traced = new ArrayList<>();
            }
            traced.add(ingress);
        }

        /** Records a failure of message {@code i}; counted as done by {@link #settleAnswered} or {@link #oneDone}. */
        void answer(int i, Status status) {
            results.set(i, PublishResult.newBuilder().setMessageId(messages.get(i).getId()).setIndex(i)
                    .setError(ErrorStatus.toError(status)).build());
        }

        /** Messages answered before any reached the backend (invalid, refused) count as done now. */
        void settleAnswered() {
            int answeredNow = messages.size() - pending.size();
            for (int i = 0; i < answeredNow; i++) {
                oneDone();
            }
        }

        void oneDone() {
            if (remaining.decrementAndGet() == 0) {
                List<PublishResult> list = new ArrayList<>(messages.size());
                for (int i = 0; i < messages.size(); i++) {
                    list.add(results.get(i));
                }
                done.accept(list);
            }
        }
    }

    /**
     * Answers one message once the backend has stored it or failed to, and shows a stored one to the
     * market tap. Runs on a backend thread.
     */
    private static final class Answer implements PendingPublish.PublishCallback {
        private final Batch batch;
        private final int index;
        private final GatewayTracing.Ingress ingress;
        private final Envelope envelope;
        private final MarketDataTap tap;
        private final RiskGate risk;

        Answer(Batch batch, int index, GatewayTracing.Ingress ingress, Envelope envelope, MarketDataTap tap,
               RiskGate risk) {
            this.risk = risk;
            this.batch = batch;
            this.index = index;
            this.ingress = ingress;
            this.envelope = envelope;
            this.tap = tap;
        }

        @Override
        public void onAppended(AppendResult r) {
            batch.limiter.release();
            ingress.stored(r.spooled(), r.duplicate());
            if (!r.duplicate()) {
                // a retried publish already fed the listeners the first time
                tap.stored(envelope.topic(), envelope.message().getPayload(), System.nanoTime());
                risk.stored(envelope.message());
            }
            Message m = batch.messages.get(index);
            // as bytes: the message holds its id encoded already (the backend wrote it), so no UTF-8 pass
            PublishResult.Builder ok = PublishResult.newBuilder().setMessageIdBytes(m.getIdBytes()).setIndex(index);
            if (r.spooled()) {
                ok.setSpooled(true); // durable in the disk spool; the backend assigns a position on replay
            } else {
                ok.setPosition(r.position().toProto()).setDuplicate(r.duplicate());
            }
            batch.results.set(index, ok.build());
            batch.oneDone();
        }

        @Override
        public void onFailed(Throwable cause) {
            batch.limiter.release();
            Throwable root = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
            ingress.failed(String.valueOf(root.getMessage()));
            risk.failed(batch.messages.get(index));
            Status status = ErrorStatus.ofAppend(cause);
            // a full backend and a refusing one (logged, rate-limited, where it is found) are not news per message
            if (status.getCode() != Status.Code.RESOURCE_EXHAUSTED && status.getCode() != Status.Code.FAILED_PRECONDITION) {
                Message m = batch.messages.get(index);
                try (Scope ignored = ingress.context().makeCurrent()) {
                    log.warn("append failed for message {} on {}", m.getId(), m.getTopic(), cause);
                }
            }
            batch.answer(index, status);
            batch.oneDone();
        }
    }
}
