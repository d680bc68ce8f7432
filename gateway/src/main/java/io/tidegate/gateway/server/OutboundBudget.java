package io.tidegate.gateway.server;

import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.config.GatewayConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway-wide budget of bytes that wait in memory for subscriber streams
 * ({@code delivery.outbound-bytes}): subscriptions charge it for what they read from the backend
 * and release it once their stream wrote (or dropped) it, and size their backend reads from what
 * is free. While it is spent, a subscription reads one message at a time, and only once its
 * stream took everything it held: stalled subscribers' backlogs stay in the backend and the rest
 * keep moving. No subscription waits on the budget itself (each reads on when its own stream
 * writes), so nothing needs waking when bytes are released.
 *
 * <p>Threading: thread-safe, lock-free (one atomic counter).
 */
@Singleton
public final class OutboundBudget {

    /** Added to each message's serialized size for its objects and queue nodes in the gateway. */
    static final int MESSAGE_OVERHEAD_BYTES = 128;

    private final long limit;
    private final AtomicLong used = new AtomicLong();

    @Inject
    public OutboundBudget(GatewayConfig config) {
        this(config.delivery().outboundBytes());
    }

    OutboundBudget(long limit) {
        this.limit = limit;
    }

    /** The bytes a message counts while it waits. */
    static long sizeOf(StoredMessage m) {
        return m.message().getSerializedSize() + MESSAGE_OVERHEAD_BYTES;
    }

    /** {@code delivery.outbound-bytes}, resolved. */
    public long limit() {
        return limit;
    }

    /** Bytes waiting for subscriber streams now, over all subscriptions. */
    public long queuedBytes() {
        return used.get();
    }

    /** Bytes still free; 0 or less when spent. */
    long free() {
        return limit - used.get();
    }

    void charge(long bytes) {
        used.addAndGet(bytes);
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }
}
