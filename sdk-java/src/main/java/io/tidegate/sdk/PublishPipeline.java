package io.tidegate.sdk;

import com.google.protobuf.CodedOutputStream;
import io.grpc.Status;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.FrameError;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishAck;
import io.tidegate.proto.v1.PublishBatch;
import io.tidegate.proto.v1.PublishResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches publishes into PublishBatch frames and matches the gateway's PublishAcks back to each
 * message's future. A batch is sent when it is full (messages or bytes) or when the linger time
 * after its first message has passed; its bytes stay within the frame limit the gateway advertises
 * ({@code Welcome.limits.max_frame_bytes}), and a message too large for any frame fails at once
 * with RESOURCE_EXHAUSTED instead of being sent. With zero linger it batches adaptively: a message goes out
 * at once when no publish frame awaits its ack, otherwise it waits with the others that arrive
 * until that ack returns, so a quiet publisher pays one round trip and a busy one sends large
 * frames instead of one frame per message (the gateway's per-frame cost is what limits it). Messages not acked when their stream dies are re-sent, in
 * their original order and with their original ids, before anything newer once a stream is
 * attached again. A message the gateway refuses with UNAVAILABLE (it is draining, or its backend did
 * not take the message) goes back to the front of the queue and is sent again, with its id, on the
 * next stream or after a short pause, up to {@link #UNAVAILABLE_RESENDS} times; so a rolling
 * restart does not fail publishes. Thread-safe: one lock guards the queue and the in-flight
 * batches, and frames are written under it so batches leave in publish order.
 */
final class PublishPipeline {

    private static final Logger log = LoggerFactory.getLogger(PublishPipeline.class);
    /** How often a message refused with UNAVAILABLE is sent again before its future fails. */
    static final int UNAVAILABLE_RESENDS = 10;
    /** Pause before re-sending refused messages on the same stream (a draining gateway's GoAway comes meanwhile). */
    private static final long RESEND_DELAY_MILLIS = 200;
    /**
     * Frame limit assumed when the gateway advertises none (an older gateway): gRPC's usual
     * default for inbound messages, which any gateway takes.
     */
    static final int FALLBACK_MAX_FRAME_BYTES = 4 << 20;
    /** Most bytes a ConnectRequest adds around its PublishBatch: frame_id and the batch's tag and length. */
    static final int FRAME_OVERHEAD_BYTES = 32;

    /** One message on its way, with its future. */
    private static final class Pending {
        final Message message;
        /** What it adds to a PublishBatch on the wire: the message with its tag and length. */
        final int bytes;
        final CompletableFuture<PublishReceipt> future = new CompletableFuture<>();
        final AtomicBoolean done = new AtomicBoolean();
        /** Times the gateway answered UNAVAILABLE for it; only the callback thread touches it. */
        int unavailable;

        Pending(Message message) {
            this.message = message;
            this.bytes = CodedOutputStream.computeMessageSize(PublishBatch.MESSAGES_FIELD_NUMBER, message);
        }
    }

    private final ClientSettings settings;
    private final AtomicLong frameIds;
    private final Executor callbacks;
    private final ScheduledExecutorService scheduler;
    private final Semaphore permits;

    private final Object lock = new Object();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final LinkedHashMap<Long, List<Pending>> inFlight = new LinkedHashMap<>();
    private long queuedBytes;
    private GatewayStream stream;
    private boolean flushScheduled;
    private boolean closed;
    private int maxBatchMessages;
    /** Most bytes of messages in one frame: the gateway's frame limit less the frame's own bytes. */
    private long maxFrameContent = FALLBACK_MAX_FRAME_BYTES - FRAME_OVERHEAD_BYTES;
    /** The smaller of that and the client's maxBatchBytes: when a batch counts as full. */
    private long maxBatchBytes;

    PublishPipeline(ClientSettings settings, AtomicLong frameIds, Executor callbacks, ScheduledExecutorService scheduler) {
        this.settings = settings;
        this.frameIds = frameIds;
        this.callbacks = callbacks;
        this.scheduler = scheduler;
        this.permits = new Semaphore(settings.maxPendingPublishes());
        this.maxBatchMessages = settings.maxBatchMessages();
        this.maxBatchBytes = Math.min(settings.maxBatchBytes(), maxFrameContent);
    }

    CompletableFuture<PublishReceipt> publish(Message message) {
        if (message.getId().isEmpty()) {
            message = message.toBuilder().setId(MessageIds.next()).build();
        }
        Pending p = new Pending(message);
        if (!acquirePermit(p)) {
            return p.future;
        }
        synchronized (lock) {
            if (closed) {
                fail(p, Status.Code.CANCELLED, "client is closed");
                return p.future;
            }
            queue.add(p);
            queuedBytes += p.bytes;
            if (stream != null) {
                if (queue.size() >= maxBatchMessages || queuedBytes >= maxBatchBytes) {
                    sendLocked(false);
                }
                if (settings.linger().isZero()) {
                    sendIfIdleLocked();
                } else {
                    scheduleFlushLocked();
                }
            }
        }
        return p.future;
    }

    private boolean acquirePermit(Pending p) {
        try {
            if (permits.tryAcquire() || permits.tryAcquire(settings.maxBlock().toNanos(), TimeUnit.NANOSECONDS)) {
                return true;
            }
            p.done.set(true);
            p.future.completeExceptionally(new PublishException(p.message.getId(), Status.Code.RESOURCE_EXHAUSTED,
                    settings.maxPendingPublishes() + " publishes are awaiting acks for longer than "
                            + settings.maxBlock() + "; is the gateway reachable? raise maxPendingPublishes or maxBlock"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.done.set(true);
            p.future.completeExceptionally(new PublishException(p.message.getId(), Status.Code.CANCELLED,
                    "interrupted while waiting for room among pending publishes"));
        }
        return false;
    }

    /** Sends what is queued now instead of after the linger time. */
    void flush() {
        synchronized (lock) {
            flushScheduled = false;
            sendLocked(true);
        }
    }

    /** Zero linger: sends what is queued when no publish frame is waiting for its ack. */
    private void sendIfIdleLocked() {
        if (inFlight.isEmpty()) {
            sendLocked(true);
        }
    }

    private void scheduleFlushLocked() {
        if (!flushScheduled && !queue.isEmpty()) {
            flushScheduled = true;
            scheduler.schedule(this::flush, settings.linger().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Sends full batches, or everything when {@code all}. Caller holds the lock. */
    private void sendLocked(boolean all) {
        while (stream != null && !queue.isEmpty()) {
            if (!all && queue.size() < maxBatchMessages && queuedBytes < maxBatchBytes) {
                return;
            }
            List<Pending> batch = new ArrayList<>(Math.min(queue.size(), maxBatchMessages));
            PublishBatch.Builder pb = PublishBatch.newBuilder();
            long bytes = 0;
            while (!queue.isEmpty() && batch.size() < maxBatchMessages) {
                Pending p = queue.peek();
                if (p.bytes > maxFrameContent) {
                    refuseOversizeLocked(queue.poll());
                    continue;
                }
                if (!batch.isEmpty() && bytes + p.bytes > maxBatchBytes) {
                    break;
                }
                queue.poll();
                batch.add(p);
                bytes += p.bytes;
                pb.addMessages(p.message);
            }
            queuedBytes -= bytes;
            if (batch.isEmpty()) {
                continue;
            }
            long frameId = frameIds.incrementAndGet();
            inFlight.put(frameId, batch);
            if (!stream.send(ConnectRequest.newBuilder().setFrameId(frameId).setPublish(pb).build())) {
                // the stream died under us; it will be re-sent on the next one
                inFlight.remove(frameId);
                for (int i = batch.size() - 1; i >= 0; i--) {
                    queue.addFirst(batch.get(i));
                }
                queuedBytes += bytes;
                stream = null;
                return;
            }
        }
    }

    /**
     * A message that cannot fit any frame the gateway takes: failed here rather than sent, since
     * the gateway would refuse its whole frame. Caller holds the lock.
     */
    private void refuseOversizeLocked(Pending p) {
        queuedBytes -= p.bytes;
        String why = "message is " + p.bytes + " bytes serialized, more than a publish frame holds ("
                + (maxFrameContent + FRAME_OVERHEAD_BYTES) + " bytes, the gateway's max_frame_bytes); make it smaller";
        callbacks.execute(() -> fail(p, Status.Code.RESOURCE_EXHAUSTED, why));
    }

    /**
     * A stream is up: send everything queued, re-sent messages first, in frames within the
     * gateway's limits (0 when it advertises none).
     */
    void attach(GatewayStream s, int gatewayMaxBatch, int gatewayMaxFrameBytes) {
        synchronized (lock) {
            stream = s;
            maxBatchMessages = gatewayMaxBatch > 0 ? Math.min(gatewayMaxBatch, settings.maxBatchMessages())
                    : settings.maxBatchMessages();
            int frameLimit = gatewayMaxFrameBytes > 0 ? gatewayMaxFrameBytes : FALLBACK_MAX_FRAME_BYTES;
            maxFrameContent = Math.max(1, frameLimit - FRAME_OVERHEAD_BYTES);
            maxBatchBytes = Math.min(settings.maxBatchBytes(), maxFrameContent);
            flushScheduled = false;
            sendLocked(true);
        }
    }

    /** The gateway is draining: send nothing more on {@code s}, but keep waiting for its acks. */
    void pause(GatewayStream s) {
        synchronized (lock) {
            if (stream == s) {
                stream = null;
            }
        }
    }

    /** {@code s} is gone: every batch it did not ack goes back to the front of the queue. */
    void onStreamClosed(GatewayStream s) {
        synchronized (lock) {
            if (stream == s) {
                stream = null;
            }
            if (inFlight.isEmpty()) {
                return;
            }
            List<Pending> unacked = new ArrayList<>();
            inFlight.values().forEach(unacked::addAll);
            inFlight.clear();
            for (int i = unacked.size() - 1; i >= 0; i--) {
                Pending p = unacked.get(i);
                queue.addFirst(p);
                queuedBytes += p.bytes;
            }
            log.debug("{} publishes not acked on {}; they will be re-sent", unacked.size(), s);
        }
    }

    void onAck(long frameId, PublishAck ack) {
        List<Pending> batch = answered(frameId);
        if (batch == null) {
            if (isClosed()) {
                // close() stopped waiting and failed the frame's publishes CANCELLED; the gateway answered later
                log.debug("PublishAck for frame {} after close gave up on it; ignored", frameId);
            } else {
                log.warn("PublishAck for unknown frame {}; ignored", frameId);
            }
            return;
        }
        callbacks.execute(() -> complete(batch, ack.getResultsList()));
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** Takes the batch a frame carried off the in-flight list; null when it was not ours. */
    private List<Pending> answered(long frameId) {
        synchronized (lock) {
            List<Pending> batch = inFlight.remove(frameId);
            if (settings.linger().isZero()) {
                sendIfIdleLocked();
            }
            return batch;
        }
    }

    /** True when {@code frameId} was a publish frame of ours (its messages then fail). */
    boolean onFrameError(long frameId, FrameError error) {
        List<Pending> batch = answered(frameId);
        if (batch == null) {
            return false;
        }
        Status.Code code = Status.fromCodeValue(error.getError().getCode()).getCode();
        callbacks.execute(() -> batch.forEach(p -> fail(p, code, error.getError().getMessage())));
        return true;
    }

    private void complete(List<Pending> batch, List<PublishResult> results) {
        boolean[] answered = new boolean[batch.size()];
        List<Pending> resend = new ArrayList<>();
        for (PublishResult r : results) {
            int i = r.getIndex();
            if (i < 0 || i >= batch.size() || answered[i]) {
                log.warn("PublishAck carries a result for index {} of a {}-message batch; ignored", i, batch.size());
                continue;
            }
            answered[i] = true;
            Pending p = batch.get(i);
            Status.Code code = r.hasError() ? Status.fromCodeValue(r.getError().getCode()).getCode() : Status.Code.OK;
            if (code == Status.Code.UNAVAILABLE && !p.done.get() && ++p.unavailable <= UNAVAILABLE_RESENDS) {
                resend.add(p);
            } else if (r.hasError()) {
                fail(p, code, r.getError().getMessage());
            } else if (p.done.compareAndSet(false, true)) {
                permits.release();
                String id = r.getMessageId().isEmpty() ? p.message.getId() : r.getMessageId();
                p.future.complete(new PublishReceipt(id, r.hasPosition() ? StreamPosition.of(r.getPosition()) : null,
                        r.getDuplicate(), r.getSpooled()));
            }
        }
        for (int i = 0; i < answered.length; i++) {
            if (!answered[i]) {
                fail(batch.get(i), Status.Code.INTERNAL, "the gateway's PublishAck had no result for this message");
            }
        }
        if (!resend.isEmpty()) {
            requeue(resend);
        }
    }

    /**
     * Puts refused messages back at the front of the queue, in their order, to go out on the next
     * stream (a draining gateway pauses this one with GoAway) or after a short pause.
     */
    private void requeue(List<Pending> refused) {
        synchronized (lock) {
            if (closed) {
                refused.forEach(p -> fail(p, Status.Code.UNAVAILABLE, "client closed before the gateway took it"));
                return;
            }
            for (int i = refused.size() - 1; i >= 0; i--) {
                Pending p = refused.get(i);
                queue.addFirst(p);
                queuedBytes += p.bytes;
            }
        }
        log.debug("{} publishes refused with UNAVAILABLE; sending them again", refused.size());
        scheduler.schedule(this::flush, RESEND_DELAY_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void fail(Pending p, Status.Code code, String message) {
        if (p.done.compareAndSet(false, true)) {
            permits.release();
            p.future.completeExceptionally(new PublishException(p.message.getId(), code, message));
        }
    }

    /** Number of publishes not yet acked or failed. */
    int pendingCount() {
        return settings.maxPendingPublishes() - permits.availablePermits();
    }

    /**
     * Stops taking publishes, sends what is queued and waits up to {@code timeout} for acks; what
     * is still pending then fails with CANCELLED.
     */
    void close(java.time.Duration timeout) {
        List<CompletableFuture<PublishReceipt>> waiting = new ArrayList<>();
        synchronized (lock) {
            closed = true;
            sendLocked(true);
            queue.forEach(p -> waiting.add(p.future));
            inFlight.values().forEach(b -> b.forEach(p -> waiting.add(p.future)));
        }
        if (!waiting.isEmpty() && !timeout.isZero()) {
            try {
                CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new))
                        .get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                // failures are on the individual futures; the rest is failed below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<Pending> left = new ArrayList<>();
        synchronized (lock) {
            left.addAll(queue);
            queue.clear();
            inFlight.values().forEach(left::addAll);
            inFlight.clear();
            stream = null;
        }
        left.forEach(p -> fail(p, Status.Code.CANCELLED, "client closed before the gateway acked this message"));
    }
}
