package io.tidegate.gateway.server;

import io.tidegate.gateway.config.GatewayConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * The most messages one subscription asks the backend for ahead of what its stream took
 * ({@code delivery.read-ahead-messages}), live: every subscription reads it whenever it sizes a
 * request, so a change (the tuning controller's) applies to the requests that follow. Against a
 * far backend it bounds what one subscription reads per round trip.
 *
 * <p>Threading: thread-safe (a volatile value).
 */
@Singleton
public final class ReadAhead {

    private volatile int messages;

    @Inject
    public ReadAhead(GatewayConfig.Delivery delivery) {
        this(delivery.readAheadMessages());
    }

    ReadAhead(int messages) {
        messages(messages);
    }

    public int messages() {
        return messages;
    }

    /** Applies to every subscription's next request. */
    public void messages(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("read-ahead must be at least 1 message, got " + value);
        }
        messages = value;
    }
}
