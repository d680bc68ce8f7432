package io.tidegate.gateway.alerting;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.StringCodec;
import io.tidegate.gateway.config.GatewayConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coordination of replicas sharing one Redis: a lease ({@code SET NX PX}, renewed by a Lua
 * compare-and-extend, so only its holder extends it) decides which replica evaluates; when the
 * holder dies its lease runs out and another takes it. Observations, acknowledgements, silences
 * and the holder's state live in keys under {@code <key-prefix>:{alerts}:}. One connection of its
 * own (standalone or cluster), opened on first use and again after a failure.
 *
 * <p>While Redis does not answer, every replica evaluates alone (its own observations, the
 * acknowledgements and silences it last read), since a Redis outage is exactly when alerts must
 * go out; a fleet may then notify once per replica. Once Redis answers again the lease decides.
 *
 * <p>Threading: thread-safe (a Lettuce connection is); calls block up to the command timeout,
 * on the alert thread or an admin thread, never an event loop.
 */
public final class RedisCoordination implements AlertCoordination {

    private static final Logger log = LoggerFactory.getLogger(RedisCoordination.class);
    private static final Gson GSON = new Gson();
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final String RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then "
            + "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
    private static final String RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then "
            + "return redis.call('del', KEYS[1]) else return 0 end";

    private final GatewayConfig.Redis redis;
    private final String token;
    private final long leaseMillis;
    private final String leaseKey;
    private final String observationsKey;
    private final String acksKey;
    private final String silencesKey;
    private final String stateKey;
    private volatile boolean leading;
    /** Redis did not answer at the last lead(): evaluating alone. */
    private volatile boolean alone;
    /** While alone: when to try Redis again (System.nanoTime), so a dead Redis does not slow every evaluation. */
    private long retryAtNanos;
    private volatile List<Observation> own = List.of();
    private volatile Map<String, Ack> lastAcks = Map.of();
    private volatile List<Silence> lastSilences = List.of();
    private AutoCloseable client;
    private StatefulConnection<String, String> connection;
    private RedisClusterCommands<String, String> commands;

    /**
     * @param gatewayId names this replica in the lease value (with a random suffix, so two
     *                  replicas given the same id still hold distinct leases)
     */
    public RedisCoordination(GatewayConfig.Redis redis, String gatewayId, Duration leaseTime) {
        this.redis = redis;
        this.token = gatewayId + ":" + UUID.randomUUID();
        this.leaseMillis = leaseTime.toMillis();
        String base = redis.keyPrefix() + ":{alerts}:";
        this.leaseKey = base + "lease";
        this.observationsKey = base + "observations";
        this.acksKey = base + "acks";
        this.silencesKey = base + "silences";
        this.stateKey = base + "state";
    }

    private synchronized RedisClusterCommands<String, String> redis() {
        if (commands == null) {
            if (redis.isCluster()) {
                RedisClusterClient c = RedisClusterClient.create(redis.clusterNodes().stream().map(RedisURI::create).toList());
                c.setOptions(io.lettuce.core.cluster.ClusterClientOptions.builder()
                        .disconnectedBehavior(io.lettuce.core.ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .socketOptions(io.lettuce.core.SocketOptions.builder().connectTimeout(TIMEOUT).build())
                        .build());
                client = c::shutdown;
                var conn = c.connect(StringCodec.UTF8);
                connection = conn;
                commands = conn.sync();
            } else {
                RedisClient c = RedisClient.create(RedisURI.create(redis.uri()));
                c.setOptions(io.lettuce.core.ClientOptions.builder()
                        .disconnectedBehavior(io.lettuce.core.ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .socketOptions(io.lettuce.core.SocketOptions.builder().connectTimeout(TIMEOUT).build())
                        .build());
                client = c::shutdown;
                var conn = c.connect(StringCodec.UTF8);
                connection = conn;
                commands = conn.sync();
            }
            connection.setTimeout(TIMEOUT);
        }
        return commands;
    }

    /** Drops the connection after a failure; the next call opens another. */
    private synchronized void failed(RuntimeException e) {
        if (!alone) {
            log.warn("alerting: Redis at {} does not answer ({}); this replica evaluates its own alerts alone until "
                    + "it does", address(), e.getMessage());
        }
        alone = true;
        shutdown();
    }

    private String address() {
        return redis.isCluster() ? String.join(",", redis.clusterNodes()) : RedisURI.create(redis.uri()).getHost()
                + ":" + RedisURI.create(redis.uri()).getPort();
    }

    @Override
    public boolean lead() {
        if (alone && System.nanoTime() - retryAtNanos < 0) {
            return true;
        }
        try {
            var r = redis();
            if (leading) {
                Long renewed = r.eval(RENEW, ScriptOutputType.INTEGER, new String[] {leaseKey}, token,
                        Long.toString(leaseMillis));
                if (renewed != null && renewed == 1) {
                    alone = false;
                    return true;
                }
                log.warn("alerting: this replica {} the alert lease; another evaluates now",
                        alone ? "evaluated alone while Redis was away and has not got" : "lost");
            }
            boolean took = "OK".equals(r.set(leaseKey, token, SetArgs.Builder.nx().px(leaseMillis)));
            if (took) {
                log.info("alerting: this replica holds the alert lease and evaluates alert rules");
            }
            alone = false;
            leading = took;
        } catch (RuntimeException e) {
            failed(e);
            retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(leaseMillis);
            leading = true;
        }
        return leading;
    }

    @Override
    public boolean leading() {
        return leading;
    }

    private record Report(long at, List<Observation> observations) {
    }

    @Override
    public void report(List<Observation> observations, long nowMillis) {
        own = List.copyOf(observations);
        if (alone) {
            return; // lead() tries Redis again
        }
        try {
            redis().hset(observationsKey, token, GSON.toJson(new Report(nowMillis, observations)));
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public List<Observation> observations(long nowMillis, long maxAgeMillis) {
        if (alone) {
            return own;
        }
        List<Observation> out = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        for (Map.Entry<String, String> e : redis().hgetall(observationsKey).entrySet()) {
            Report report = GSON.fromJson(e.getValue(), Report.class);
            if (report.at() < nowMillis - maxAgeMillis) {
                gone.add(e.getKey()); // a replica that stopped reporting: its conditions are gone with it
            } else {
                out.addAll(report.observations());
            }
        }
        if (!gone.isEmpty()) {
            redis().hdel(observationsKey, gone.toArray(String[]::new));
        }
        return out;
    }

    @Override
    public Map<String, Ack> acks() {
        if (alone) {
            return lastAcks;
        }
        Map<String, Ack> out = new java.util.HashMap<>();
        try {
            redis().hgetall(acksKey).forEach((id, json) -> out.put(id, GSON.fromJson(json, Ack.class)));
        } catch (RuntimeException e) {
            return lastAcks;
        }
        lastAcks = Map.copyOf(out);
        return out;
    }

    @Override
    public void ack(String alertId, Ack ack) {
        redis().hset(acksKey, alertId, GSON.toJson(ack));
    }

    @Override
    public void clearAcks(Collection<String> alertIds) {
        if (!alertIds.isEmpty() && !alone) {
            redis().hdel(acksKey, alertIds.toArray(String[]::new));
        }
    }

    @Override
    public List<Silence> silences(long nowMillis) {
        if (alone) {
            return lastSilences.stream().filter(s -> s.untilMillis() > nowMillis).toList();
        }
        List<Silence> out = new ArrayList<>();
        List<String> expired = new ArrayList<>();
        Map<String, String> all;
        try {
            all = redis().hgetall(silencesKey);
        } catch (RuntimeException e) {
            return lastSilences.stream().filter(s -> s.untilMillis() > nowMillis).toList();
        }
        all.forEach((id, json) -> {
            Silence s = GSON.fromJson(json, Silence.class);
            if (s.untilMillis() <= nowMillis) {
                expired.add(id);
            } else {
                out.add(s);
            }
        });
        if (!expired.isEmpty()) {
            redis().hdel(silencesKey, expired.toArray(String[]::new));
        }
        lastSilences = List.copyOf(out);
        return out;
    }

    @Override
    public void addSilence(Silence silence) {
        redis().hset(silencesKey, silence.id(), GSON.toJson(silence));
    }

    @Override
    public boolean removeSilence(String id) {
        return redis().hdel(silencesKey, id) > 0;
    }

    @Override
    public void saveState(String json) {
        if (!alone) {
            redis().set(stateKey, json);
        }
    }

    @Override
    public String loadState() {
        return alone ? null : redis().get(stateKey);
    }

    /** Hands the lease back (when still its holder) so another replica takes over at once. */
    @Override
    public void close() {
        try {
            if (commands != null) {
                commands.hdel(observationsKey, token);
                if (leading) {
                    commands.eval(RELEASE, ScriptOutputType.INTEGER, new String[] {leaseKey}, token);
                }
            }
        } catch (RuntimeException e) {
            log.debug("alerting: could not hand back the lease: {}", e.getMessage());
        }
        leading = false;
        shutdown();
    }

    private synchronized void shutdown() {
        try {
            if (connection != null) {
                connection.close();
            }
            if (client != null) {
                client.close();
            }
        } catch (Exception e) {
            log.debug("alerting: closing the Redis connection failed: {}", e.getMessage());
        }
        connection = null;
        commands = null;
        client = null;
    }
}
