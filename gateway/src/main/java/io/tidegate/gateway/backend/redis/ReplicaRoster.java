package io.tidegate.gateway.backend.redis;

import io.tidegate.gateway.config.GatewayConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateways sharing one Redis: every {@code interval} this replica writes its last-seen time
 * and version into the hash {@code <prefix>:replicas} (field = gateway id, value =
 * {@code <epoch millis> <version>}) and reads the whole hash back, so each replica lists the
 * fleet. Entries not refreshed for 100 intervals are removed, so the hash stays as small as the
 * fleet. While Redis cannot be reached the last roster read stays (and this replica keeps trying
 * on its own connection, apart from the backend's).
 *
 * <p>Threading: announcing and reading run on one daemon thread of its own; {@link #seen()} may
 * be called from any thread.
 */
public final class ReplicaRoster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaRoster.class);
    private static final long PRUNE_INTERVALS = 100;

    private final GatewayConfig.Redis redis;
    private final byte[] key;
    private final String gatewayId;
    private final String version;
    private final long intervalMillis;
    private final ScheduledExecutorService timer;
    private RedisConnector connector;
    private SharedConnection connection;
    private volatile Map<String, Seen> seen = Map.of();

    /**
     * One replica as last announced.
     *
     * @param lastSeenMillis epoch millis of its last announcement
     */
    public record Seen(String gatewayId, String version, long lastSeenMillis) {
    }

    private ReplicaRoster(GatewayConfig.Redis redis, String gatewayId, String version, Duration interval) {
        this.redis = redis;
        this.key = RedisKeys.bytes(redis.keyPrefix() + ":replicas");
        this.gatewayId = gatewayId;
        this.version = version;
        this.intervalMillis = interval.toMillis();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tidegate-replica-roster");
            t.setDaemon(true);
            return t;
        });
    }

    /** Announces now and every {@code interval} after. */
    public static ReplicaRoster start(GatewayConfig.Redis redis, String gatewayId, String version, Duration interval) {
        ReplicaRoster roster = new ReplicaRoster(redis, gatewayId, version, interval);
        roster.timer.scheduleWithFixedDelay(roster::announce, 0, roster.intervalMillis, TimeUnit.MILLISECONDS);
        return roster;
    }

    /** Every replica in the roster (this one included once it announced), by gateway id. */
    public Map<String, Seen> seen() {
        return seen;
    }

    private void announce() {
        try {
            if (connection == null || !connection.isOpen()) {
                closeConnection();
                connector = new RedisConnector(redis);
                connection = connector.connectShared("tidegate:" + gatewayId + ":roster");
            }
            long now = System.currentTimeMillis();
            var commands = connection.async();
            commands.hset(key, RedisKeys.bytes(gatewayId), RedisKeys.bytes(now + " " + version))
                    .toCompletableFuture().get(RedisConnector.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Map<byte[], byte[]> all = commands.hgetall(key).toCompletableFuture()
                    .get(RedisConnector.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            seen = read(all, now);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("replica announcement failed; retrying in {} ms: {}", intervalMillis, e.toString());
        }
    }

    private Map<String, Seen> read(Map<byte[], byte[]> all, long now) {
        Map<String, Seen> roster = new HashMap<>();
        for (Map.Entry<byte[], byte[]> e : all.entrySet()) {
            String id = RedisKeys.string(e.getKey());
            String[] value = RedisKeys.string(e.getValue()).split(" ", 2);
            long last;
            try {
                last = Long.parseLong(value[0]);
            } catch (NumberFormatException notOurs) {
                continue;
            }
            if (now - last > PRUNE_INTERVALS * intervalMillis) {
                connection.async().hdel(key, e.getKey());
                continue;
            }
            roster.put(id, new Seen(id, value.length > 1 ? value[1] : "", last));
        }
        return Map.copyOf(roster);
    }

    private void closeConnection() {
        try {
            if (connection != null) {
                connection.close();
            }
            if (connector != null) {
                connector.close();
            }
        } catch (RuntimeException alreadyBroken) {
            LOG.debug("closing the roster connection: {}", alreadyBroken.toString());
        }
        connection = null;
        connector = null;
    }

    /** Stops announcing; the others see this replica go after three intervals. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }
}
