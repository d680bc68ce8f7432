package io.tidegate.gateway.server;

import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.config.GatewayConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway-wide budget of bytes that wait in memory for subscriber streams
 * ({@code delivery.outbound-bytes}). A subscription reserves bytes for what it asks the backend
 * for (at its average message size), turns the reservation into the actual size when the
 * messages come, and releases that once its stream wrote (or dropped) them; so what it holds plus
 * what it may still receive never passes the limit, beyond messages larger than their
 * subscription's average. While the budget is spent, a subscription reads one message at a time,
 * and only once its stream took everything it held: stalled subscribers' backlogs stay in the
 * backend and the rest keep moving. No subscription waits on the budget itself (each reads on
 * when its own stream writes), so nothing needs waking when bytes are released.
 *
 * <p>{@link #shortReservations()} counts the reservations that got fewer bytes than asked: reads
 * the budget made smaller than the subscription's own windows allowed. It stays at 0 while the
 * budget is large enough for what the subscriptions ask.
 *
 * <p>Threading: thread-safe, lock-free (atomic counters).
 */
@Singleton
public final class OutboundBudget {

    /** Added to each message's serialized size for its objects and queue nodes in the gateway. */
    static final int MESSAGE_OVERHEAD_BYTES = 128;

    private final long limit;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong shortReservations = new AtomicLong();

    @Inject
    public OutboundBudget(GatewayConfig.Delivery delivery) {
        this(delivery.outboundBytes());
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

    /** Reservations so far that got fewer bytes than asked because the budget was (nearly) spent. */
    public long shortReservations() {
        return shortReservations.get();
    }

    /** Bytes still free; 0 or less when spent. */
    long free() {
        return limit - used.get();
    }

    /**
     * Reserves up to {@code want} bytes, as many as are free; {@code least} even when fewer are.
     *
     * @return the bytes reserved
     */
    long reserve(long want, long least) {
        while (true) {
            long u = used.get();
            long grant = Math.min(want, Math.max(limit - u, least));
            if (grant <= 0) {
                shortReservations.incrementAndGet();
                return 0;
            }
            if (used.compareAndSet(u, u + grant)) {
                if (grant < want) {
                    shortReservations.incrementAndGet();
                }
                return grant;
            }
        }
    }

    /** Counts bytes (or, negative, gives them back) without asking: they are here already. */
    void charge(long bytes) {
        used.addAndGet(bytes);
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }
}
