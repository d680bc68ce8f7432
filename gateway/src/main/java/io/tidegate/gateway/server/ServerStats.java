package io.tidegate.gateway.server;

/**
 * What the server shows of itself for metrics: live streams and what waits for subscribers.
 * Cheap reads of counters; any thread.
 */
public interface ServerStats {

    /** Live Connect streams. */
    int sessionCount();

    /** Messages of conflated subscriptions superseded before delivery, since start (monotonic). */
    long conflatedMessages();

    /** Bytes of messages waiting in gateway memory for subscriber streams. */
    long queuedOutboundBytes();

    /** Backend reads made smaller than a subscription's window because the outbound budget was spent (monotonic). */
    long shortOutboundReservations();

    /**
     * Streams whose client has not read for at least {@code after} while deliveries wait for it
     * (it holds credit but its transport takes nothing). Walks the live streams.
     */
    int stalledStreams(java.time.Duration after);

    /** Every live client stream with its subscriptions, as of now (for the operations console). */
    default java.util.List<StreamView> streams() {
        return java.util.List.of();
    }
}
