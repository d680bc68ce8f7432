package io.tidegate.gateway.alerting;

import java.util.List;
import java.util.Map;

/**
 * What replicas share about alerts: the lease (one evaluates at a time), each replica's
 * observations, acknowledgements, silences and the lease holder's saved state. In memory for
 * one gateway ({@link LocalCoordination}), in Redis for a fleet ({@link RedisCoordination}).
 *
 * <p>Threading: thread-safe; the alert thread and the admin port's threads call it.
 */
public interface AlertCoordination extends AutoCloseable {

    /** Takes or renews the lease; true while this replica evaluates. */
    boolean lead();

    /** True when this replica held the lease at its last {@link #lead()}. */
    boolean leading();

    /** Publishes what holds on this replica now. */
    void report(List<Observation> observations, long nowMillis);

    /** What holds on every live replica (reports older than {@code maxAgeMillis} are left out). */
    List<Observation> observations(long nowMillis, long maxAgeMillis);

    Map<String, Ack> acks();

    void ack(String alertId, Ack ack);

    void clearAcks(java.util.Collection<String> alertIds);

    /** Silences in force at {@code nowMillis}; expired ones are dropped. */
    List<Silence> silences(long nowMillis);

    void addSilence(Silence silence);

    /** @return false when there was no such silence */
    boolean removeSilence(String id);

    /** Saves the lease holder's alert state (JSON). */
    void saveState(String json);

    /** The last saved state, or null. */
    String loadState();

    @Override
    void close();
}
