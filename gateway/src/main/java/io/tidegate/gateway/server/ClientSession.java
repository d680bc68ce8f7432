package io.tidegate.gateway.server;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tidegate.gateway.backend.DeliveryGap;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.StreamPosition;
import io.tidegate.gateway.security.Identity;
import io.tidegate.gateway.server.limits.StreamLimiter;
import io.tidegate.proto.v1.BackendReset;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.FrameError;
import io.tidegate.proto.v1.GoAway;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.Position;
import io.tidegate.proto.v1.Pong;
import io.tidegate.proto.v1.PublishAck;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.Subscribed;
import io.tidegate.proto.v1.Unsubscribed;
import io.tidegate.proto.v1.Welcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's side of one Connect stream: answers each client frame, owns the stream's
 * subscriptions and its {@link OutboundQueue}. A bad frame gets a FrameError naming the frame
 * and what to fix; the stream stays open. Publishes in flight are bounded per client name
 * ({@code resilience.client-limits}): past the limit the session stops reading frames, which
 * pushes back on the client through gRPC flow control, and messages of frames already received
 * that exceed it (or the client's publish rate) are answered RESOURCE_EXHAUSTED one by one.
 *
 * <p>Threading: gRPC delivers inbound frames one at a time; backend and publish callbacks
 * arrive on other threads and only touch thread-safe parts (the outbound queue, the
 * subscription map, atomics).
 */
final class ClientSession implements StreamObserver<ConnectRequest>, SessionSubscription.Output {

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    private static final int INBOUND_FRAME_WINDOW = 32;

    private final String sessionId;
    private final StreamTerms terms;
    private final PublishPath publishing;
    private final SubscriptionFactory subscriptionFactory;
    private final SessionRegistry registry;
    private final ServerCallStreamObserver<ConnectResponse> out;
    /** Who opened the stream, proven by token or certificate; null when authentication is off. */
    private final Identity identity;
    /** The identity and peer address, for authorisation. */
    private final Caller caller;
    private final OutboundQueue outbound;
    private final Map<String, SessionSubscription> subscriptions = new ConcurrentHashMap<>();
    private final AtomicInteger publishesInFlight = new AtomicInteger();
    private final AtomicInteger pausedReads = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong published = new java.util.concurrent.atomic.AtomicLong();
    private final long openedMillis = System.currentTimeMillis();
    private volatile Hello hello;
    /** Set with {@link #hello}, before any publish is accepted. */
    private volatile StreamLimiter limiter = StreamLimiter.UNLIMITED;
    private volatile boolean ended;
    private volatile boolean completing;

    ClientSession(String sessionId, StreamTerms terms, PublishPath publishing, SubscriptionFactory subscriptionFactory,
                  SessionRegistry registry, ServerCallStreamObserver<ConnectResponse> out) {
        this.sessionId = sessionId;
        this.terms = terms;
        this.publishing = publishing;
        this.subscriptionFactory = subscriptionFactory;
        this.registry = registry;
        this.out = out;
        this.identity = Identity.current();
        this.caller = Caller.current();
        // subscriptions learn of written deliveries from the queue itself (SessionSubscription.left)
        this.outbound = new OutboundQueue(out, subscriptionFactory.deliveryTelemetry(), subscriptionFactory.lanePolicies(), batch -> { });
        out.disableAutoRequest();
        out.setOnCancelHandler(() -> end("client cancelled"));
        // Asking for one frame at a time costs a transport round trip per frame; keep a window
        // of frames requested instead, and stop renewing it while too many publishes are in flight.
        out.request(INBOUND_FRAME_WINDOW);
    }

    /** What the console shows of this stream now. */
    StreamView view() {
        return new StreamView(sessionId, clientName(), identity != null ? identity.name() : "", openedMillis,
                published.get(), subscriptions.values().stream().map(SessionSubscription::view).toList());
    }

    String clientName() {
        Hello h = hello;
        return h == null ? "" : h.getClientName();
    }

    @Override
    public void onNext(ConnectRequest frame) {
        try {
            handle(frame);
        } catch (FrameRejectedException e) {
            reject(frame, ErrorStatus.of(e));
        } catch (RuntimeException e) {
            log.error("session {}: frame {} failed", sessionId, kindOf(frame), e);
            reject(frame, ErrorStatus.ofFrame(e));
        }
        if (publishesInFlight.get() < readPauseThreshold()) {
            out.request(1);
        } else {
            pausedReads.incrementAndGet();
            // a publish may have completed between the check and the increment
            resumeReads();
        }
    }

    private void handle(ConnectRequest frame) throws FrameRejectedException {
        int size = frame.getSerializedSize();
        if (size > terms.maxFrameBytes()) {
            // refused whole, before any of it is applied: a batch is never half taken
            String what = frame.getKindCase() == ConnectRequest.KindCase.PUBLISH
                    ? "publish frame of " + frame.getPublish().getMessagesCount() + " messages" : kindOf(frame) + " frame";
            throw FrameRejectedException.frameTooLarge(what, size, terms.maxFrameBytes());
        }
        if (frame.getKindCase() == ConnectRequest.KindCase.HELLO) {
            onHello(frame);
            return;
        }
        if (hello == null) {
            throw new FrameRejectedException(Status.Code.FAILED_PRECONDITION,
                    "the first frame on a stream must be Hello; send Hello, then " + kindOf(frame));
        }
        switch (frame.getKindCase()) {
            case PUBLISH -> onPublish(frame);
            case SUBSCRIBE -> onSubscribe(frame);
            case UNSUBSCRIBE -> onUnsubscribe(frame);
            case ACK -> subscription(frame.getAck().getSubscriptionId()).ack(positions(frame.getAck().getPositionsList()));
            case NACK -> subscription(frame.getNack().getSubscriptionId()).nack(
                    positions(frame.getNack().getPositionsList()), Duration.ofMillis(Integer.toUnsignedLong(frame.getNack().getDelayMs())));
            case EXTEND_ACK_DEADLINE -> onExtend(frame);
            case CREDIT -> subscription(frame.getCredit().getSubscriptionId()).grant(frame.getCredit().getMessages());
            case PING -> outbound.sendControl(ConnectResponse.newBuilder().setFrameId(frame.getFrameId())
                    .setPong(Pong.newBuilder().setNonce(frame.getPing().getNonce())).build());
            default -> throw FrameRejectedException.invalid("frame has no known kind; this gateway speaks tidegate.v1");
        }
    }

    private void onHello(ConnectRequest frame) throws FrameRejectedException {
        if (hello != null) {
            throw new FrameRejectedException(Status.Code.FAILED_PRECONDITION, "Hello was already sent on this stream");
        }
        Hello h = frame.getHello();
        if (h.getClientName().length() > 128) {
            throw FrameRejectedException.invalid("client_name is longer than 128 characters");
        }
        // the name a client declares only labels it; limits follow the identity it proved
        limiter = publishing.limiterFor(identity != null ? identity.name() : h.getClientName());
        hello = h;
        log.debug("session {} opened by {}{} ({} {})", sessionId, h.getClientName(),
                identity != null ? " as " + identity.name() : "", h.getLanguage(), h.getClientVersion());
        outbound.sendControl(ConnectResponse.newBuilder().setFrameId(frame.getFrameId())
                .setWelcome(Welcome.newBuilder().setSessionId(sessionId).setGatewayId(terms.gatewayId()).setLimits(terms.welcome()))
                .build());
    }

    private void onPublish(ConnectRequest frame) throws FrameRejectedException {
        var messages = frame.getPublish().getMessagesList();
        if (messages.size() > terms.maxBatchMessages()) {
            throw FrameRejectedException.invalid("batch of " + messages.size() + " messages exceeds the limit of "
                    + terms.maxBatchMessages() + " (limits.max-batch-messages); split it");
        }
        publishesInFlight.addAndGet(messages.size());
        published.addAndGet(messages.size());
        publishing.publisher().publish(messages, caller, limiter, hello.getSamplesTraces(), results -> {
            outbound.sendControl(ConnectResponse.newBuilder().setFrameId(frame.getFrameId())
                    .setPublishAck(PublishAck.newBuilder().addAllResults(results)).build());
            publishesInFlight.addAndGet(-messages.size());
            resumeReads();
            completeWhenIdle();
        });
    }

    /**
     * Stop reading frames early enough that the frames already requested cannot push a client
     * past its in-flight limit: a well-behaved client is slowed by flow control, not refused.
     */
    private int readPauseThreshold() {
        int window = INBOUND_FRAME_WINDOW * terms.maxBatchMessages();
        return Math.max(1, limiter.maxInFlight() - window);
    }

    private void resumeReads() {
        if (publishesInFlight.get() < readPauseThreshold() && !ended) {
            int paused = pausedReads.getAndSet(0);
            if (paused > 0) {
                out.request(paused);
            }
        }
    }

    private void onSubscribe(ConnectRequest frame) throws FrameRejectedException {
        var options = subscriptionFactory.authorise(
                subscriptionFactory.parse(frame.getSubscribe(), terms.gatewayId() + "-" + sessionId), caller);
        if (subscriptions.containsKey(options.id())) {
            throw new FrameRejectedException(Status.Code.ALREADY_EXISTS, "subscription_id \"" + options.id()
                    + "\" is already in use on this stream; pick another or unsubscribe first");
        }
        if (subscriptions.size() >= terms.maxSubscriptions()) {
            throw new FrameRejectedException(Status.Code.RESOURCE_EXHAUSTED, "this stream has "
                    + subscriptions.size() + " subscriptions, the limit (limits.max-subscriptions-per-stream); unsubscribe one or open another stream");
        }
        var subscription = subscriptionFactory.newSubscription(options, this);
        try {
            subscription.open(subscriptionFactory.backend());
        } catch (RuntimeException e) {
            throw FrameRejectedException.of(ErrorStatus.ofSubscribe(e));
        }
        subscriptions.put(options.id(), subscription);
        // Confirmed only once the start is fixed in the backend, so whatever anyone publishes
        // (through any replica) after the client saw "subscribed" reaches it.
        subscription.startThenConfirm(() -> outbound.sendControl(ConnectResponse.newBuilder().setFrameId(frame.getFrameId())
                .setSubscribed(Subscribed.newBuilder().setSubscriptionId(options.id())
                        .setConsumerName(options.spec().consumerName() == null ? "" : options.spec().consumerName())
                        .setCredit(options.initialCredit()))
                .build()));
        if (ended) {
            subscription.close();
        }
    }

    private void onUnsubscribe(ConnectRequest frame) throws FrameRejectedException {
        String id = frame.getUnsubscribe().getSubscriptionId();
        SessionSubscription s = subscriptions.remove(id);
        if (s == null) {
            throw notFound(id);
        }
        s.close();
        outbound.sendControl(ConnectResponse.newBuilder().setFrameId(frame.getFrameId())
                .setUnsubscribed(Unsubscribed.newBuilder().setSubscriptionId(id).setReason("unsubscribed by client")).build());
    }

    private void onExtend(ConnectRequest frame) throws FrameRejectedException {
        var extend = frame.getExtendAckDeadline();
        Duration extension = Duration.ofMillis(Integer.toUnsignedLong(extend.getExtendMs()));
        if (extension.isZero() || extension.compareTo(terms.maxAckDeadline()) > 0) {
            throw FrameRejectedException.invalid("extend_ms must be from 1 to " + terms.maxAckDeadline().toMillis());
        }
        subscription(extend.getSubscriptionId()).extendDeadline(positions(extend.getPositionsList()), extension);
    }

    private SessionSubscription subscription(String id) throws FrameRejectedException {
        SessionSubscription s = subscriptions.get(id);
        if (s == null) {
            throw notFound(id);
        }
        return s;
    }

    private static FrameRejectedException notFound(String id) {
        return new FrameRejectedException(Status.Code.NOT_FOUND, "no subscription \"" + id + "\" on this stream");
    }

    private static List<StreamPosition> positions(List<Position> list) throws FrameRejectedException {
        List<StreamPosition> positions = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            try {
                positions.add(StreamPosition.fromProto(list.get(i)));
            } catch (IllegalArgumentException e) {
                throw FrameRejectedException.invalid("positions[" + i + "]: " + e.getMessage());
            }
        }
        return positions;
    }

    private void reject(ConnectRequest frame, Status status) {
        FrameError.Builder error = FrameError.newBuilder().setFrameKind(kindOf(frame)).setError(ErrorStatus.toError(status));
        String sub = subscriptionIdOf(frame);
        if (!sub.isEmpty()) {
            error.setSubscriptionId(sub);
        }
        outbound.sendControl(ConnectResponse.newBuilder().setFrameId(frame.getFrameId()).setError(error).build());
    }

    @Override
    public void deliver(SessionSubscription from, List<StoredMessage> messages, long[] conflatedBefore) {
        outbound.sendDeliveries(from, messages, conflatedBefore);
    }

    @Override
    public void ended(SessionSubscription subscription, Throwable cause) {
        if (subscriptions.remove(subscription.id(), subscription)) {
            log.warn("session {}: subscription {} ended by the backend", sessionId, subscription.id(), cause);
            subscription.close();
            outbound.sendControl(ConnectResponse.newBuilder().setUnsubscribed(Unsubscribed.newBuilder()
                    .setSubscriptionId(subscription.id()).setReason("backend failure: " + cause.getMessage()
                            + "; subscribe again (resume from your last position)")).build());
        }
    }

    @Override
    public void reset(SessionSubscription subscription, String reason, Instant detectedAt) {
        if (subscriptions.get(subscription.id()) != subscription) {
            return;
        }
        log.warn("session {}: subscription {} told that the backend lost its stored history", sessionId,
                subscription.id());
        outbound.sendControl(ConnectResponse.newBuilder().setBackendReset(BackendReset.newBuilder()
                .setSubscriptionId(subscription.id()).setReason(reason)
                .setDetectedAt(detectedAt.getEpochSecond() * 1_000_000_000L + detectedAt.getNano())).build());
    }

    @Override
    public void gap(SessionSubscription subscription, DeliveryGap gap) {
        if (subscriptions.get(subscription.id()) != subscription) {
            return;
        }
        outbound.sendControl(ConnectResponse.newBuilder().setGap(GapNotice.of(subscription.id(), gap)).build());
    }

    /**
     * Checks every subscription against the authorisation rules now in force (after a reload)
     * and ends, with an Unsubscribed saying why, each one they no longer allow at all. Runs on
     * the security reload thread.
     */
    void reauthorise() {
        for (SessionSubscription s : subscriptions.values()) {
            try {
                subscriptionFactory.authorise(s.options(), caller);
            } catch (FrameRejectedException e) {
                if (subscriptions.remove(s.id(), s)) {
                    s.close();
                    outbound.sendControl(ConnectResponse.newBuilder().setUnsubscribed(Unsubscribed.newBuilder()
                            .setSubscriptionId(s.id()).setReason("PERMISSION_DENIED: the authorisation rules changed: "
                                    + e.getMessage())).build());
                }
            }
        }
    }

    /** Tells the client the gateway is going away, then ends the stream. */
    void goAway(String reason) {
        outbound.sendControl(ConnectResponse.newBuilder().setGoAway(GoAway.newBuilder().setReason(reason)).build());
    }

    /**
     * Ends the stream from the gateway's side after {@link #goAway}, once every publish still in
     * flight has been answered.
     */
    void finish() {
        endSubscriptions("gateway shutdown");
        completing = true;
        completeWhenIdle();
    }

    /**
     * After the drain timeout passed: ends the stream now. With publishes still unanswered it
     * ends UNAVAILABLE saying how many, so even a client that ignored the GoAway resends them;
     * without, it ends OK once its acks are written.
     *
     * @return the publishes of this stream left unanswered
     */
    int endUnanswered() {
        endSubscriptions("drain timeout");
        completing = true;
        int unanswered = publishesInFlight.get();
        if (unanswered <= 0) {
            completeWhenIdle();
            return 0;
        }
        outbound.failAfterFlush(Status.UNAVAILABLE.withDescription("gateway draining: " + unanswered
                + " published messages of this stream were not acknowledged; resend them (same ids) to another replica"));
        return unanswered;
    }

    String sessionId() {
        return sessionId;
    }

    /**
     * Ends the stream with {@code status} now: its subscriptions end (unacked group messages go
     * back to the group) and the deliveries queued for it are dropped. Any thread.
     */
    void endWith(Status status) {
        endSubscriptions("ended: " + status.getDescription());
        outbound.failAfterFlush(status);
    }

    /** How long deliveries have waited for this client to read (nanoseconds; 0 while it reads). Any thread. */
    long blockedForNanos(long nowNanos) {
        return outbound.blockedForNanos(nowNanos);
    }

    @Override
    public void onError(Throwable t) {
        endSubscriptions("stream error: " + ErrorStatus.of(t).getCode());
        outbound.close();
    }

    /** The client half-closed: answer its publishes still in flight, then end the call. */
    @Override
    public void onCompleted() {
        endSubscriptions("client completed");
        completing = true;
        completeWhenIdle();
    }

    private void end(String why) {
        endSubscriptions(why);
        outbound.close();
    }

    private void completeWhenIdle() {
        if (completing && publishesInFlight.get() == 0) {
            outbound.completeAfterFlush();
        }
    }

    private void endSubscriptions(String why) {
        if (ended) {
            return;
        }
        ended = true;
        for (SessionSubscription s : subscriptions.values()) {
            s.close();
        }
        subscriptions.clear();
        registry.ended(this);
        log.debug("session {} ({}) ended: {}", sessionId, clientName(), why);
    }

    private static String kindOf(ConnectRequest frame) {
        return switch (frame.getKindCase()) {
            case HELLO -> "hello";
            case PUBLISH -> "publish";
            case SUBSCRIBE -> "subscribe";
            case UNSUBSCRIBE -> "unsubscribe";
            case ACK -> "ack";
            case NACK -> "nack";
            case CREDIT -> "credit";
            case EXTEND_ACK_DEADLINE -> "extend_ack_deadline";
            case PING -> "ping";
            default -> "unknown";
        };
    }

    private static String subscriptionIdOf(ConnectRequest frame) {
        return switch (frame.getKindCase()) {
            case SUBSCRIBE -> frame.getSubscribe().getSubscriptionId();
            case UNSUBSCRIBE -> frame.getUnsubscribe().getSubscriptionId();
            case ACK -> frame.getAck().getSubscriptionId();
            case NACK -> frame.getNack().getSubscriptionId();
            case CREDIT -> frame.getCredit().getSubscriptionId();
            case EXTEND_ACK_DEADLINE -> frame.getExtendAckDeadline().getSubscriptionId();
            default -> "";
        };
    }
}
