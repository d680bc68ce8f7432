package io.tidegate.gateway.backend;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/**
 * A live subscription in a backend. Demand-driven: the backend delivers at most as many
 * messages as were requested, so a slow subscriber leaves its backlog in the backend instead
 * of in gateway memory. All methods are thread-safe and non-blocking.
 */
public interface BackendSubscription extends AutoCloseable {

    /**
     * Completes once the subscription's start point is fixed in the backend: from then on, every
     * message appended through any gateway sharing the backend falls after it (a LATEST start
     * delivers it). Until then an append made elsewhere may land before the start point. Never
     * fails; the gateway confirms a subscription to its client only after this. Complete at once
     * where {@code subscribe} fixes the start itself (the memory backend).
     */
    default CompletableFuture<Void> started() {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Completes the first time a read found nothing beyond what the subscription had delivered:
     * everything stored on its topics when it started (and those the backend knew of then) has
     * been handed to the sink. Never fails; it simply stays incomplete while the backend cannot
     * be read. Complete at once where delivery never lags the store (the memory backend).
     */
    default CompletableFuture<Void> caughtUp() {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Offers every topic the backend knows to the subscription again, for when its
     * {@link SubscriptionSpec#topicFilter()} admits more than before; a topic it already reads
     * stays as it is, a newly admitted one is read from now on. Non-blocking.
     */
    default void rescan() {
    }

    /** Allows {@code n} more messages to be delivered to the sink. */
    void request(int n);

    /** GROUP: these messages are done; they are never redelivered. */
    void ack(Collection<StreamPosition> positions);

    /**
     * GROUP: redeliver these messages (to any member) once {@code delay} has passed; with strict
     * key order, before any later message of their keys.
     */
    void nack(Collection<StreamPosition> positions, Duration delay);

    /** GROUP: restart the ack deadline of these messages, now plus {@code extension}. */
    void extendDeadline(Collection<StreamPosition> positions, Duration extension);

    /** Stops delivery. GROUP: unacked messages stay pending and are reclaimed by other members. */
    @Override
    void close();
}
