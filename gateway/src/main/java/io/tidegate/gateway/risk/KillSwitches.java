package io.tidegate.gateway.risk;

import io.tidegate.proto.v1.KillScope;
import io.tidegate.proto.v1.KillSwitch;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kill switches, global, per venue and per strategy: {@link #refusal} is asked on the publish
 * path and reads an immutable snapshot (no lock, nothing allocated while nothing is killed).
 * Kill and revive write the {@link KillStore} and take effect here at once; with a shared store
 * (Redis) a daemon thread ({@code tidegate-risk-kills}) reads it every {@code risk.kill-poll-interval}
 * so kills made on other replicas apply within that time. While the store cannot be read the last
 * snapshot stays in force (logged once per outage). A shared store that could not be read even
 * once (Redis not reachable yet at start) is tried again on every poll, and until it has been read
 * every new order is refused {@code UNAVAILABLE}: a kill set before this replica started must not
 * be missed. Thread-safe.
 */
public final class KillSwitches implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KillSwitches.class);

    private final KillStore store;
    private final Clock clock;
    private final ScheduledExecutorService poller;
    private volatile Map<String, KillSwitch> snapshot = Map.of();
    private volatile boolean unreadable;
    /** Null once the store has been read; before that, why not (the refusal of every new order). */
    private volatile Refusal notReadYet;

    KillSwitches(KillStore store, Clock clock, Duration pollInterval) {
        this.store = store;
        this.clock = clock;
        try {
            this.snapshot = Map.copyOf(store.all());
        } catch (RuntimeException e) {
            if (!store.shared()) {
                throw e;
            }
            notReadYet = Refusal.unavailable(RiskRule.KILL_SWITCH, "kill switches not read from Redis yet (" + e
                    .getMessage() + "); new orders are refused until they are, retry shortly");
            unreadable = true;
            log.warn("risk: kill switches cannot be read from Redis yet ({}); trying again every {} ms, new orders"
                    + " are refused until they are read", e.getMessage(), pollInterval.toMillis());
        }
        if (store.shared()) {
            poller = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tidegate-risk-kills");
                t.setDaemon(true);
                return t;
            });
            long every = pollInterval.toNanos();
            poller.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.NANOSECONDS);
        } else {
            poller = null;
        }
    }

    /** In this process only (memory backend). */
    public static KillSwitches inMemory(Clock clock) {
        return new KillSwitches(new MemoryKillStore(), clock, Duration.ofSeconds(1));
    }

    /** Shared by every replica on this Redis; reads it every {@code pollInterval}. */
    public static KillSwitches onRedis(String keyPrefix, boolean cluster, List<io.lettuce.core.RedisURI> seeds,
                                       io.lettuce.core.SslOptions ssl, Clock clock, Duration pollInterval) {
        return new KillSwitches(new RedisKillStore(keyPrefix, cluster, seeds, ssl), clock, pollInterval);
    }

    /** The key of a scope and name; throws IllegalArgumentException saying what to fix. */
    static String key(KillScope scope, String name) {
        String n = name == null ? "" : name.trim();
        return switch (scope) {
            case KILL_SCOPE_GLOBAL -> {
                if (!n.isEmpty()) {
                    throw new IllegalArgumentException("a GLOBAL kill takes no name, got \"" + n + "\"");
                }
                yield "global";
            }
            case KILL_SCOPE_VENUE, KILL_SCOPE_STRATEGY -> {
                if (n.isEmpty() || n.length() > 256) {
                    throw new IllegalArgumentException("a " + shortName(scope) + " kill needs the name of the "
                            + shortName(scope).toLowerCase(java.util.Locale.ROOT) + " (1-256 characters)");
                }
                yield (scope == KillScope.KILL_SCOPE_VENUE ? "venue:" : "strategy:") + n;
            }
            default -> throw new IllegalArgumentException("scope must be GLOBAL, VENUE or STRATEGY");
        };
    }

    static String shortName(KillScope scope) {
        return scope.name().substring("KILL_SCOPE_".length());
    }

    /** Kills a scope (again: the new reason replaces the old). */
    KillSwitch kill(KillScope scope, String name, String reason, String by) {
        String key = key(scope, name);
        KillSwitch kill = KillSwitch.newBuilder().setScope(scope).setName(scope == KillScope.KILL_SCOPE_GLOBAL ? "" : name.trim())
                .setReason(reason == null ? "" : reason).setKilledBy(by).setKilledAtMs(clock.millis()).build();
        store.put(key, kill);
        refresh();
        log.warn("risk: kill switch {} set by {}{}: new orders refused", key, by, kill.getReason().isEmpty() ? ""
                : " (" + kill.getReason() + ")");
        return kill;
    }

    /** Revives a scope; false when it was not killed. */
    boolean revive(KillScope scope, String name, String by) {
        String key = key(scope, name);
        boolean was = store.remove(key);
        refresh();
        if (was) {
            log.warn("risk: kill switch {} cleared by {}", key, by);
        }
        return was;
    }

    /** The kills in force, global first, then by key. */
    List<KillSwitch> list() {
        return snapshot.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.comparing(
                (String k) -> !k.equals("global")).thenComparing(k -> k))).map(Map.Entry::getValue).toList();
    }

    /**
     * Null when no kill covers an order of this strategy on this venue; else the refusal. Allocates
     * only while something is killed.
     */
    Refusal refusal(String venue, String strategy, String instrumentId) {
        Map<String, KillSwitch> now = snapshot;
        if (now.isEmpty()) {
            return notReadYet;
        }
        KillSwitch k = now.get("global");
        String which = "global";
        if (k == null) {
            which = "venue " + venue;
            k = now.get("venue:" + venue);
        }
        if (k == null) {
            which = "strategy " + strategy;
            k = now.get("strategy:" + strategy);
        }
        if (k == null) {
            return null;
        }
        return Refusal.denied(RiskRule.KILL_SWITCH, "kill switch " + which + " is on" + (k.getReason().isEmpty() ? ""
                : " (" + k.getReason() + ")") + "; new orders refused, cancels pass, for " + strategy + " " + instrumentId);
    }

    private void refresh() {
        try {
            snapshot = Map.copyOf(store.all());
            notReadYet = null;
            if (unreadable) {
                unreadable = false;
                log.info("risk: kill switches readable again ({} in force)", snapshot.size());
            }
        } catch (RuntimeException e) {
            if (!unreadable) {
                unreadable = true;
                log.warn("risk: kill switches cannot be read ({}); the last ones read stay in force", e.toString());
            }
        }
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
        store.close();
    }
}
