package io.tidegate.gateway.server;

import io.grpc.Status;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.dispatch.IngressDispatcher;
import io.tidegate.gateway.dispatch.PendingPublish;
import io.tidegate.gateway.backend.BackendFullException;
import io.tidegate.gateway.server.limits.StreamLimiter;
import io.tidegate.gateway.telemetry.GatewayTracing;
import io.tidegate.proto.v1.Error;
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
 * an outcome. One bad message never fails the others. Thread-safe.
 */
final class BatchPublisher {

    private static final Logger log = LoggerFactory.getLogger(BatchPublisher.class);

    private final MessageValidator validator;
    private final IngressDispatcher dispatcher;
    private final GatewayTracing tracing;

    BatchPublisher(MessageValidator validator, IngressDispatcher dispatcher, GatewayTracing tracing) {
        this.validator = validator;
        this.dispatcher = dispatcher;
        this.tracing = tracing;
    }

    /**
     * Publishes a batch of a Connect stream.
     *
     * @param clientSamples the client decided about sampling for each message ({@code Hello.samples_traces}):
     *                      no new traces start here
     */
    void publish(List<Message> messages, StreamLimiter limiter, boolean clientSamples, Consumer<List<PublishResult>> done) {
        publish(messages, limiter, null, !clientSamples, done);
    }

    /**
     * Publishes a batch; {@code done} receives one result per message, in batch order, once all
     * are known. Each valid message needs permits from {@code limiter} (rate and in-flight);
     * one that does not get them is answered RESOURCE_EXHAUSTED and the others go on. Called on
     * any thread, never blocks; {@code done} runs on a backend thread or the caller's.
     *
     * @param traceParent trace context of the call (unary metadata) for messages whose headers
     *                    carry none; null for none
     * @param startTraces whether a message without any trace context may start a trace here
     */
    void publish(List<Message> messages, StreamLimiter limiter, Context traceParent, boolean startTraces,
                 Consumer<List<PublishResult>> done) {
        int n = messages.size();
        AtomicReferenceArray<PublishResult> results = new AtomicReferenceArray<>(n);
        AtomicInteger remaining = new AtomicInteger(n);
        Runnable oneDone = () -> {
            if (remaining.decrementAndGet() == 0) {
                List<PublishResult> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(results.get(i));
                }
                done.accept(list);
            }
        };
        List<PendingPublish> pending = new ArrayList<>(n);
        List<Integer> pendingIndex = new ArrayList<>(n);
        Set<String> refusedKeys = new HashSet<>();
        List<GatewayTracing.Ingress> traced = null; // the sampled ones, to end if the dispatcher refuses the batch
        for (int i = 0; i < n; i++) {
            Message m = messages.get(i);
            try {
                var envelope = validator.toEnvelope(m);
                // once a message is refused for a limit, later ones with its key are refused too,
                // so a client that resends the refused ones cannot reorder the key
                String refused = refusedKeys.contains(envelope.orderingKey())
                        ? "an earlier message with ordering key \"" + envelope.orderingKey()
                                + "\" in this batch was refused; resend them in order"
                        : limiter.tryAcquire();
                if (refused != null) {
                    refusedKeys.add(envelope.orderingKey());
                    results.set(i, failure(m, i, Status.Code.RESOURCE_EXHAUSTED, refused));
                    continue;
                }
                int index = i;
                GatewayTracing.Ingress ingress = tracing.receive(envelope, traceParent, startTraces);
                if (ingress.sampled()) {
                    if (traced == null) {
                        traced = new ArrayList<>();
                    }
                    traced.add(ingress);
                }
                pending.add(new PendingPublish(ingress.envelopeOr(envelope), new PendingPublish.PublishCallback() {
                    @Override
                    public void onAppended(AppendResult r) {
                        limiter.release();
                        ingress.stored(r.spooled(), r.duplicate());
                        PublishResult.Builder ok = PublishResult.newBuilder().setMessageId(m.getId()).setIndex(index);
                        if (r.spooled()) {
                            ok.setSpooled(true); // durable in the disk spool; the backend assigns a position on replay
                        } else {
                            ok.setPosition(r.position().toProto()).setDuplicate(r.duplicate());
                        }
                        results.set(index, ok.build());
                        oneDone.run();
                    }

                    @Override
                    public void onFailed(Throwable cause) {
                        limiter.release();
                        Throwable root = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
                        ingress.failed(String.valueOf(root.getMessage()));
                        if (root instanceof BackendFullException) {
                            results.set(index, failure(m, index, Status.Code.RESOURCE_EXHAUSTED, root.getMessage()));
                            oneDone.run();
                            return;
                        }
                        try (Scope ignored = ingress.context().makeCurrent()) {
                            log.warn("append failed for message {} on {}", m.getId(), m.getTopic(), cause);
                        }
                        results.set(index, failure(m, index, Status.Code.UNAVAILABLE,
                                "the backend did not accept the message (" + cause.getMessage() + "); retry with the same id"));
                        oneDone.run();
                    }
                }));
                pendingIndex.add(i);
            } catch (FrameRejectedException e) {
                results.set(i, PublishResult.newBuilder().setMessageId(m.getId()).setIndex(i).setError(e.toError()).build());
            }
        }
        IngressDispatcher.Offer offer = pending.isEmpty() ? IngressDispatcher.Offer.QUEUED : dispatcher.offer(pending);
        if (offer != IngressDispatcher.Offer.QUEUED) {
            Status.Code code = offer == IngressDispatcher.Offer.FULL ? Status.Code.RESOURCE_EXHAUSTED : Status.Code.UNAVAILABLE;
            String why = offer == IngressDispatcher.Offer.FULL
                    ? "the gateway's ingress queue is full; retry with backoff"
                    : "the gateway is shutting down; publish to another replica (same id, so no duplicate)";
            for (int index : pendingIndex) {
                limiter.release();
                results.set(index, failure(messages.get(index), index, code, why));
            }
            if (traced != null) {
                traced.forEach(ingress -> ingress.failed(why));
            }
            pending.clear();
        }
        // messages that were refused or rejected count as done now
        int settledNow = n - pending.size();
        for (int i = 0; i < settledNow; i++) {
            oneDone.run();
        }
        if (n == 0) {
            done.accept(List.of());
        }
    }

    private static PublishResult failure(Message m, int index, Status.Code code, String message) {
        return PublishResult.newBuilder().setMessageId(m.getId()).setIndex(index)
                .setError(Error.newBuilder().setCode(code.value()).setMessage(message)).build();
    }
}
