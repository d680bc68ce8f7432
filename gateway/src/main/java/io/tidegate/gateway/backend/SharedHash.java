package io.tidegate.gateway.backend;

import java.util.Map;

/**
 * A small keyed table of facts the gateway learns and every replica (and the next start) should
 * know: with the Redis backend a hash in Redis, with the memory backend nothing beyond the
 * process. Not for messages: writes are fire-and-forget and a lost write only costs relearning.
 * Thread-safe.
 */
public interface SharedHash extends AutoCloseable {

    /** Every entry held; blocks (used at start-up). Empty when the store cannot be read. */
    Map<String, byte[]> entries();

    /** Stores one entry in the background; never blocks, never throws for an unreachable store. */
    void put(String field, byte[] value);

    @Override
    void close();

    /** A hash that keeps nothing: the process's own memory is the only copy. */
    static SharedHash none() {
        return new SharedHash() {
            @Override
            public Map<String, byte[]> entries() {
                return Map.of();
            }

            @Override
            public void put(String field, byte[] value) {
            }

            @Override
            public void close() {
            }
        };
    }
}
