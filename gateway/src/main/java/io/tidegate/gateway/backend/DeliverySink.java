package io.tidegate.gateway.backend;

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
}
