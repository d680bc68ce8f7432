package io.tidegate.sdk;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A live subscription of a {@link TidegateClient}. It survives reconnects: after one, a
 * BROADCAST subscription resumes strictly after the last position it received per topic, a GROUP
 * subscription rejoins its group. All methods are thread-safe.
 */
public interface Subscription extends AutoCloseable {

    /** The id of the subscription on the stream. */
    String id();

    SubscriptionOptions options();

    /**
     * Completes when the gateway first confirmed the subscription, or exceptionally with a
     * {@link TidegateException} when it rejected it.
     */
    CompletableFuture<Void> confirmed();

    /** The last position received per topic (what a resume starts after). */
    Map<String, StreamPosition> lastPositions();

    /**
     * Messages received from the gateway and not yet finished by the handler (queued or running);
     * never more than the subscription's credit.
     */
    int bufferedMessages();

    /** True until closed by the caller, the gateway or the client. */
    boolean isActive();

    /** Unsubscribes; messages not yet handed to the handler are dropped. Idempotent. */
    @Override
    void close();
}
