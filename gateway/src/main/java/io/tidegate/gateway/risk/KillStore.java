package io.tidegate.gateway.risk;

import io.tidegate.proto.v1.KillSwitch;
import java.util.Map;

/**
 * Where the kill switches are kept, keyed {@code global}, {@code venue:<VENUE>} or
 * {@code strategy:<STRATEGY>}: in this process (memory backend) or in Redis, shared by every
 * replica. Implementations are thread-safe; their calls may block briefly (a Redis round trip), so
 * they are made from the admin, gRPC service and poll threads, never from the publish path.
 */
interface KillStore extends AutoCloseable {

    void put(String key, KillSwitch kill);

    /** True when the key was there. */
    boolean remove(String key);

    /** Every kill in force. */
    Map<String, KillSwitch> all();

    /** True when other replicas may change the store, so it must be read again now and then. */
    boolean shared();

    @Override
    void close();
}
