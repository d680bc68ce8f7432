package io.tidegate.gateway.backend;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Stores messages per topic and reads them back for subscriptions. Implementations: the
 * embedded {@code memory} backend and the {@code redis} (Redis Streams) backend; both pass the
 * same contract tests. All methods are thread-safe and never block the caller.
 *
 * <p>Semantics every implementation keeps:
 * <ul>
 *   <li>Appends to one topic keep their order, also across batches handed over in order.</li>
 *   <li>A message whose non-empty id was appended to the same topic within the dedup window is
 *       not stored again; its result is {@link AppendResult#duplicateOf} the original position.</li>
 *   <li>A pattern subscription also reads topics first appended after it started.</li>
 *   <li>GROUP: each message goes to one member; unacked messages become redeliverable after the
 *       ack deadline (or a nack's delay) and are then delivered to any member, with a growing
 *       delivery count; after {@code maxDeliveries} deliveries a message moves to the topic
 *       {@code dlq.<group>.<topic>} and is acked.</li>
 *   <li>GROUP with {@link SubscriptionSpec#strictKeyOrder()}: one member holds an ordering key at
 *       a time and at most one message of the key is out in the group; later ones wait in the
 *       backend until it is acked or dead-lettered, and a redelivered one goes out before them.
 *       The key moves to another member with its messages, in order, when its message out is
 *       redelivered or its holder leaves.</li>
 *   <li>Streams are trimmed by length and by age as configured.</li>
 * </ul>
 */
public interface Backend extends AutoCloseable {

    /**
     * Appends a batch. The future completes once the backend has accepted every message, with
     * one result per message in batch order; it fails as a whole when the backend is unreachable.
     */
    CompletableFuture<List<AppendResult>> append(List<Envelope> batch);

    /** Opens a subscription that delivers to {@code sink} as demand allows. */
    BackendSubscription subscribe(SubscriptionSpec spec, DeliverySink sink);

    /** True while the backend can take appends (for readiness checks). */
    boolean isReady();

    /**
     * Null while the backend works normally; else a short note of how it is degraded while still
     * taking appends (e.g. spooling to disk while Redis is down), for readiness reports and logs.
     */
    default String degradedReason() {
        return null;
    }

    /**
     * How many times this gateway found that the backend lost its stored history (see {@link
     * DeliverySink#onReset}), for metrics. Cheap; any thread. Always 0 for a backend that cannot
     * lose it without losing the gateway too (memory).
     */
    default long resets() {
        return 0;
    }

    /**
     * Commands the backend refused since start for a reason retrying cannot fix (a Redis ACL
     * without the permission; see {@link BackendRefusedException}), for metrics. Cheap; any thread.
     */
    default long refusedCommands() {
        return 0;
    }

    /**
     * Null unless the backend refused a command lately (see {@link #refusedCommands()}); else the
     * last refusal and what to grant, for readiness reports and health. Apart from {@link
     * #degradedReason()} because it says nothing about the backend's reachability: reads and
     * other topics work on. Cheap; any thread.
     */
    default String recentRefusal() {
        return null;
    }

    /**
     * How many times a broadcast subscription of this gateway was told of a hole trimmed by
     * retention ({@link DeliverySink#onGap}), since start; for metrics. Cheap; any thread.
     */
    default long deliveryGaps() {
        return 0;
    }

    /**
     * Entries those holes held, where the backend could count them (see {@link DeliveryGap#lost}),
     * since start; for metrics. Cheap; any thread.
     */
    default long entriesLostToRetention() {
        return 0;
    }

    /**
     * Entries not yet delivered to each consumer group, summed over the group's topics, as last
     * measured (cheap: implementations refresh it in the background, never per call). Empty when
     * the backend does not track it.
     */
    default java.util.Map<String, Long> consumerLag() {
        return java.util.Map.of();
    }

    /**
     * Entries delivered to each consumer group and not yet acknowledged, summed over its topics,
     * as last measured (refreshed like {@link #consumerLag()}). Empty when not tracked.
     */
    default java.util.Map<String, Long> consumerPending() {
        return java.util.Map.of();
    }

    /**
     * The circuit breakers guarding this backend by what they guard ({@code append},
     * {@code read}) and each one's current state in lower case ({@code closed}, {@code open},
     * {@code half_open}, ...), for metrics. Empty when nothing guards it. Cheap; any thread.
     */
    default java.util.Map<String, String> breakerStates() {
        return java.util.Map.of();
    }

    /** Short name for logs and metrics: "memory" or "redis". */
    String name();

    /**
     * {@code delivery.balancer = predictive}: how many times a group member was passed over
     * because another member was predicted to finish sooner (a message left to another member,
     * or a read held back on Redis). 0 under pull.
     */
    default long steeredAway() {
        return 0;
    }

    /** Releases connections and threads. Appends already acknowledged are durable before return. */
    @Override
    void close();
}
