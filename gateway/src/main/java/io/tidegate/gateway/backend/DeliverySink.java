package io.tidegate.gateway.backend;

import java.time.Instant;
import java.util.List;

/**
 * Receives what a backend subscription reads. Called from a backend thread, one call at a
 * time per subscription; implementations must not block.
 */
public interface DeliverySink {

    /** Messages in stream order per topic; never more in total than was requested. */
    void onMessages(List<StoredMessage> messages);

    /** The subscription ended because of a backend failure; no further calls follow. */
    void onError(Throwable cause);

    /**
     * The backend lost its stored history (e.g. Redis was flushed or replaced by an empty one):
     * messages stored before {@code detectedAt} may be gone and positions from before it no
     * longer name them. The subscription stays open and goes on with what is stored from now
     * on; messages delivered after this call were stored after the loss. Once per loss; the
     * memory backend never calls it.
     */
    void onReset(String reason, Instant detectedAt);

    /**
     * BROADCAST: entries of {@code gap.topic()} after {@code gap.from()} were trimmed by retention
     * before this subscription read them; the next delivery of the topic is {@code gap.to()}.
     * Called before the {@link #onMessages} call that carries {@code gap.to()}, after every
     * earlier one of the topic.
     */
    void onGap(DeliveryGap gap);
}
