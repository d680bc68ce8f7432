package io.tidegate.gateway.alerting;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Coordination of a gateway that shares nothing (the memory backend): always the lease holder,
 * everything kept in this process. Thread-safe.
 */
public final class LocalCoordination implements AlertCoordination {

    private final Map<String, Ack> acks = new ConcurrentHashMap<>();
    private final Map<String, Silence> silences = new ConcurrentHashMap<>();
    private volatile List<Observation> observations = List.of();
    private volatile String state;

    @Override
    public boolean lead() {
        return true;
    }

    @Override
    public boolean leading() {
        return true;
    }

    @Override
    public void report(List<Observation> observations, long nowMillis) {
        this.observations = List.copyOf(observations);
    }

    @Override
    public List<Observation> observations(long nowMillis, long maxAgeMillis) {
        return observations;
    }

    @Override
    public Map<String, Ack> acks() {
        return Map.copyOf(acks);
    }

    @Override
    public void ack(String alertId, Ack ack) {
        acks.put(alertId, ack);
    }

    @Override
    public void clearAcks(Collection<String> alertIds) {
        alertIds.forEach(acks::remove);
    }

    @Override
    public List<Silence> silences(long nowMillis) {
        silences.values().removeIf(s -> s.untilMillis() <= nowMillis);
        return new ArrayList<>(silences.values());
    }

    @Override
    public void addSilence(Silence silence) {
        silences.put(silence.id(), silence);
    }

    @Override
    public boolean removeSilence(String id) {
        return silences.remove(id) != null;
    }

    @Override
    public void saveState(String json) {
        state = json;
    }

    @Override
    public String loadState() {
        return state;
    }

    @Override
    public void close() {
    }
}
