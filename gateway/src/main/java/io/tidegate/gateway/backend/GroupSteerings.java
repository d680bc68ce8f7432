package io.tidegate.gateway.backend;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.intelligence.balancing.BalancerKind;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A backend's {@link GroupSteering}s, one per consumer group name on this gateway (shared by
 * the group's topics, since a member's speed is its own whatever it reads), made on first use.
 * Under {@code delivery.balancer = pull} there are none. Thread-safe.
 *
 * @param <T> what a member is to the backend
 */
public final class GroupSteerings<T> {

    private final GatewayConfig.Balancing settings;
    private final ConcurrentHashMap<String, GroupSteering<T>> byGroup = new ConcurrentHashMap<>();
    private final AtomicLong steeredAway = new AtomicLong();

    public GroupSteerings(GatewayConfig.Balancing settings) {
        this.settings = settings;
    }

    /** The group's steering; null under pull. */
    public GroupSteering<T> forGroup(String group) {
        if (settings.kind() != BalancerKind.PREDICTIVE) {
            return null;
        }
        return byGroup.computeIfAbsent(group, g -> new GroupSteering<>(settings, steeredAway));
    }

    /** Times a member was passed over in any group; see {@link Backend#steeredAway()}. */
    public long steeredAway() {
        return steeredAway.get();
    }
}
