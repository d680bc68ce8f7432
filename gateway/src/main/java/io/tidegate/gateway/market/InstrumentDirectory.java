package io.tidegate.gateway.market;

import java.util.Set;
import java.util.function.Consumer;

/**
 * Which venue ids the venues list under which canonical instrument keys, for subscriptions by
 * instrument: the server asks it when a topic is discovered and is told when a listing is added or
 * changes. Implemented by the instrument registry. Thread-safe; never blocks.
 */
public interface InstrumentDirectory {

    /** True when {@code venue} lists {@code nativeId} (any case) under one of {@code keys} (canonical strings). */
    boolean lists(String venue, String nativeId, Set<String> keys);

    /**
     * Calls {@code onListed} with the canonical key of each listing added or changed from now on,
     * on the market-data tap's thread (it must be quick and must not block).
     *
     * @return closing it stops the calls
     */
    AutoCloseable watch(Consumer<String> onListed);

    /** A directory that lists nothing. */
    static InstrumentDirectory none() {
        return new InstrumentDirectory() {
            @Override
            public boolean lists(String venue, String nativeId, Set<String> keys) {
                return false;
            }

            @Override
            public AutoCloseable watch(Consumer<String> onListed) {
                return () -> { };
            }
        };
    }
}
