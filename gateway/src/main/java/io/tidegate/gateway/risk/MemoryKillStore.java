package io.tidegate.gateway.risk;

import io.tidegate.proto.v1.KillSwitch;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The kill switches of a gateway with the memory backend: in this process only. Thread-safe. */
final class MemoryKillStore implements KillStore {

    private final Map<String, KillSwitch> kills = new ConcurrentHashMap<>();

    @Override
    public void put(String key, KillSwitch kill) {
        kills.put(key, kill);
    }

    @Override
    public boolean remove(String key) {
        return kills.remove(key) != null;
    }

    @Override
    public Map<String, KillSwitch> all() {
        return Map.copyOf(kills);
    }

    @Override
    public boolean shared() {
        return false;
    }

    @Override
    public void close() {
    }
}
