package io.tidegate.gateway.backend;

import java.util.Map;
import java.util.function.Consumer;

/**
 * A small keyed table of facts the gateway learns and every replica (and the next start) should
 * know: with the Redis backend a hash in Redis, with the memory backend nothing beyond the
 * process. Not for messages: writes are fire-and-forget and a lost write only costs relearning.
 * Thread-safe.
 */
public interface SharedHash extends AutoCloseable {

    /**
     * Hands every entry held to {@code loaded}, once, as soon as the store can be read (at once, or
     * on another thread once an unreachable store comes up); never blocks.
     */
    void load(Consumer<Map<String, byte[]>> loaded);

    /**
     * Stores one entry in the background; never blocks, never throws. Before the store is first
     * reached, writes wait (latest per field, bounded); a write that fails is dropped (counted) and
     * the fact relearned when next published.
     */
    void put(String field, byte[] value);

    /**
     * Stores one entry in the background unless the store holds a version of it at least as new:
     * the version is kept beside it in {@link #versionField}, and comparing and writing are one
     * step, so replicas writing the same fact (same version) write it once, and an older fact
     * arriving late never replaces a newer one. Otherwise as {@link #put}.
     *
     * @param version non-negative, larger is newer (e.g. the fact's own Unix-nanosecond timestamp)
     */
    void putIfNewer(String field, byte[] value, long version);

    /** The field holding {@code field}'s version when written by {@link #putIfNewer}, as a decimal. */
    static String versionField(String field) {
        return "v:" + field;
    }

    @Override
    void close();

    /** A hash that keeps nothing: the process's own memory is the only copy. */
    static SharedHash none() {
        return new SharedHash() {
            @Override
            public void load(Consumer<Map<String, byte[]>> loaded) {
                loaded.accept(Map.of());
            }

            @Override
            public void put(String field, byte[] value) {
            }

            @Override
            public void putIfNewer(String field, byte[] value, long version) {
            }

            @Override
            public void close() {
            }
        };
    }
}
